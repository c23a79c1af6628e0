/* Acting on a whole cgroup through its core files: kill, freeze, thaw, and waiting for
 * cgroup.events to report the outcome. The kernel raises POLLPRI on cgroup.events whenever
 * it changes, so waiting is poll(), never a sleep loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/macro.h"

/* "populated 0\nfrozen 0\n" and perhaps a few more keys in later kernels. */
#define EVENTS_MAX 4096

/* Writes a core file; one the kernel lacks means the feature is missing, not the cgroup. */
static int write_core_file(int cgfd, const char *file, const char *value) {
        int r = write_string_at(cgfd, file, value);

        return r == -ENOENT ? -EOPNOTSUPP : r;
}

static int read_events(int fd, const char *key, bool *ret_value) {
        char buf[EVENTS_MAX];
        ssize_t n;

        /* pread at 0 re-reads the whole file and re-arms the poll notification. */
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        return cgroup_parse_events(buf, key, ret_value);
}

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until key in cgroup.events has the value want. */
static int wait_events(int cgfd, const char *key, bool want, int timeout_ms) {
        _cleanup_close_ int fd = -1;
        int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : INT64_MAX;

        fd = openat(cgfd, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                int64_t left;
                bool value;
                int r;

                /* Read before each poll: a change between the two still wakes the poll. */
                r = read_events(fd, key, &value);
                if (r < 0)
                        return r;
                if (value == want)
                        return 0;

                left = timeout_ms >= 0 ? MAX(deadline - now_ms(), 0) : -1;
                if (timeout_ms >= 0 && left == 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int) MIN(left, INT32_MAX));
                if (r < 0 && errno != EINTR)
                        return negative_errno();
        }
}

int cgroup_is_populated(int cgfd, bool *ret_populated) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_file_at(cgfd, "cgroup.events", EVENTS_MAX, &text, NULL);
        if (r < 0)
                return r;
        return cgroup_parse_events(text, "populated", ret_populated);
}

int cgroup_kill(int cgfd) {
        return write_core_file(cgfd, "cgroup.kill", "1");
}

int cgroup_wait_empty(int cgfd, int timeout_ms) {
        return wait_events(cgfd, "populated", false, timeout_ms);
}

int cgroup_freeze(int cgfd, int timeout_ms) {
        int r = write_core_file(cgfd, "cgroup.freeze", "1");

        if (r < 0)
                return r;
        return wait_events(cgfd, "frozen", true, timeout_ms);
}

int cgroup_thaw(int cgfd, int timeout_ms) {
        int r = write_core_file(cgfd, "cgroup.freeze", "0");

        if (r < 0)
                return r;
        return wait_events(cgfd, "frozen", false, timeout_ms);
}
