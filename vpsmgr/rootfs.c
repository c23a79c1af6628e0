/* Reading the VPS's /etc/group between clone and exec: openat2 keeps the path in the root,
 * and a small state machine over a fixed buffer stands in for getline. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/rootfs.h"

/* Where in a "name:password:GID:members" line the scanner is. */
enum group_scan {
        SCAN_NAME,      /* matching "tty:" */
        SCAN_SKIP,      /* not the tty line: to its end */
        SCAN_PASSWORD,
        SCAN_GID,
};

static int group_scan_tty(int fd, uint32_t *ret_gid) {
        static const char key[] = "tty:";
        enum group_scan state = SCAN_NAME;
        size_t matched = 0;
        uint64_t gid = 0;
        bool digits = false;
        char buf[4096];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0) {
                        /* A last line "tty:x:5" without newline still counts. */
                        if (state != SCAN_GID || !digits)
                                return -ENOENT;
                        *ret_gid = (uint32_t) gid;
                        return 0;
                }

                for (ssize_t i = 0; i < n; i++) {
                        char c = buf[i];

                        switch (state) {
                        case SCAN_NAME:
                                if (c == key[matched]) {
                                        if (++matched == sizeof(key) - 1)
                                                state = SCAN_PASSWORD;
                                } else {
                                        matched = 0;
                                        state = c == '\n' ? SCAN_NAME : SCAN_SKIP;
                                }
                                break;
                        case SCAN_SKIP:
                                if (c == '\n')
                                        state = SCAN_NAME;
                                break;
                        case SCAN_PASSWORD:
                                if (c == ':')
                                        state = SCAN_GID;
                                else if (c == '\n')
                                        return -EINVAL;
                                break;
                        case SCAN_GID:
                                if ((c == ':' || c == '\n') && digits) {
                                        *ret_gid = (uint32_t) gid;
                                        return 0;
                                }
                                if (c < '0' || c > '9')
                                        return -EINVAL;
                                gid = gid * 10 + (uint64_t) (c - '0');
                                digits = true;
                                /* (gid_t) -1 is no group. */
                                if (gid >= UINT32_MAX)
                                        return -EINVAL;
                                break;
                        }
                }
        }
}

int rootfs_open_file(int rootfd, const char *path) {
        struct open_how how = {
                .flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        return TAKE_FD(fd);
}

int rootfs_tty_gid(int rootfd, uint32_t *ret_gid) {
        _cleanup_close_ int fd = -1;

        fd = rootfs_open_file(rootfd, "etc/group");
        if (fd < 0)
                return fd;
        return group_scan_tty(fd, ret_gid);
}
