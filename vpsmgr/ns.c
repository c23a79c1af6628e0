/* clone3 and the id maps: the two host-side halves of creating a VPS's namespaces. */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/ns.h"

pid_t ns_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd) {
        int pidfd = -1;
        struct clone_args args = {
                .flags = flags | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        long pid;

        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgroup_fd;
        }
        /* glibc 2.36 has no clone3 wrapper; without CLONE_VM the raw call behaves as fork. */
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                return negative_errno();
        if (pid > 0)
                *ret_pidfd = pidfd;
        return (pid_t) pid;
}

static int write_map(pid_t pid, const char *file, const char *text) {
        _cleanup_close_ int fd = -1;
        char path[64];
        size_t len = strlen(text);
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = write(fd, text, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

int ns_write_maps(pid_t pid, const char *uid_map, const char *gid_map, const char **ret_step) {
        int r;

        r = write_map(pid, "uid_map", uid_map);
        if (r < 0) {
                *ret_step = "write uid_map";
                return r;
        }
        r = write_map(pid, "gid_map", gid_map);
        if (r < 0) {
                *ret_step = "write gid_map";
                return r;
        }
        return 0;
}
