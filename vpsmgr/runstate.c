/* Run-state files and the pidfd helpers that make signalling a recorded pid safe. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/vpid.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/state.h"

static const char *const run_files[_RUN_FILE_MAX] = {
        [RUN_MONITOR] = "monitor.pid",
        [RUN_INIT] = "init.pid",
        [RUN_VPSFS] = "vpsfs.pid",
};

static int open_run_dir(int vps_fd) {
        int fd = openat(vps_fd, "run", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        return fd < 0 ? negative_errno() : fd;
}

int runstate_write(int vps_fd, enum run_file f, pid_t pid) {
        _cleanup_close_ int dir_fd = -1;
        uint64_t start;
        char text[64];
        int r, n;

        r = proc_starttime(pid, &start);
        if (r < 0)
                return r;
        n = snprintf(text, sizeof(text), "%d %" PRIu64 "\n", (int) pid, start);
        dir_fd = open_run_dir(vps_fd);
        if (dir_fd < 0)
                return dir_fd;
        /* Not durable: a pid means nothing after the host restarts, and `vpsmgr run` writes
         * these on its fast path. */
        return write_file_replace_at(dir_fd, run_files[f], text, (size_t) n, 0600);
}

int runstate_read(int vps_fd, enum run_file f, pid_t *ret_pid, uint64_t *ret_starttime) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dir_fd = -1;
        uint32_t pid;
        uint64_t start = 0;
        char *space;
        int r;

        dir_fd = open_run_dir(vps_fd);
        if (dir_fd < 0)
                return dir_fd;
        r = read_file_at(dir_fd, run_files[f], 128, &text, NULL);
        if (r < 0)
                return r;
        text[strcspn(text, "\n")] = '\0';
        space = strchr(text, ' ');
        if (space) {
                *space = '\0';
                if (safe_atou64(space + 1, &start) < 0)
                        return -EBADMSG;
        }
        if (safe_atou32(text, &pid) < 0 || pid == 0 || pid > INT32_MAX)
                return -EBADMSG;
        *ret_pid = (pid_t) pid;
        if (ret_starttime)
                *ret_starttime = start;
        return 0;
}

int pidfd_open_checked(pid_t pid) {
        int fd;

        if (pid <= 0)
                return -ESRCH;
        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? negative_errno() : fd;
}

int runstate_pidfd(int vps_fd, enum run_file f, const char *cgroup_parent, const char *name,
                   int *ret_pidfd, pid_t *ret_pid) {
        _cleanup_close_ int pidfd = -1;
        _cleanup_free_ char *owner = NULL;
        uint64_t want, now;
        pid_t pid;
        int r;

        r = runstate_read(vps_fd, f, &pid, &want);
        if (r < 0)
                return r;
        /* Open first, then check: if the process is still alive after the checks, what /proc
         * said was about the process the pidfd holds. */
        pidfd = pidfd_open_checked(pid);
        if (pidfd < 0)
                return pidfd == -EINVAL ? -ESRCH : pidfd;
        r = proc_starttime(pid, &now);
        if (r < 0)
                return -ESRCH;
        if (want != 0 && now != want)
                return -ESRCH;
        if (cgroup_parent && (vpid_of_pid(pid, cgroup_parent, &owner) < 0 || strcmp(owner, name) != 0))
                return -ESRCH;
        if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
                return -ESRCH;
        *ret_pidfd = TAKE_FD(pidfd);
        if (ret_pid)
                *ret_pid = pid;
        return 0;
}

void runstate_remove(int vps_fd, enum run_file f) {
        _cleanup_close_ int dir_fd = open_run_dir(vps_fd);

        if (dir_fd >= 0)
                (void) unlinkat(dir_fd, run_files[f], 0);
}

int pidfd_wait_exit(int pidfd, int timeout_ms) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;

        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return negative_errno();
        return r > 0 ? 1 : 0;
}

int pidfd_terminate(int pidfd, int term_ms, int kill_ms) {
        if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
                return errno == ESRCH ? 0 : negative_errno();
        if (pidfd_wait_exit(pidfd, term_ms) > 0)
                return 0;
        if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
                return errno == ESRCH ? 0 : negative_errno();
        return pidfd_wait_exit(pidfd, kill_ms) > 0 ? 0 : -ETIMEDOUT;
}
