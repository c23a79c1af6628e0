/* Skip helpers for integration tests: a test may skip only when the machine truly lacks the
 * facility, and must say which. */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"

static inline void skip_unless_root(void) {
        if (geteuid() != 0)
                cr_skip_test("needs root (running as uid %d)", (int) geteuid());
}

static inline void skip_unless_fuse(void) {
        int fd;

        skip_unless_root();
        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                cr_skip_test("needs /dev/fuse (cannot open it)");
        close(fd);
}

/* Root, a cgroup2 mount (pure or hybrid, wherever it is), and one we may write to. */
static inline void skip_unless_cgroup2(void) {
        char *root = NULL;
        int r;

        skip_unless_root();
        r = cgroup_find_root(&root);
        if (r < 0)
                cr_skip_test("needs a cgroup2 mount (none in /proc/self/mountinfo: %s)", strerror(-r));
        if (access(root, W_OK) < 0) {
                r = errno;
                free(root);
                cr_skip_test("needs a writable cgroup2 mount (%s)", strerror(r));
        }
        free(root);
}

/* Creating a user namespace can be forbidden (max_user_namespaces = 0, a seccomp policy of
 * the container we run in): try it in a throw-away child. */
static inline void skip_unless_userns(void) {
        int status = 0;
        pid_t pid;

        skip_unless_root();
        pid = fork();
        if (pid == 0)
                _exit(unshare(CLONE_NEWUSER) < 0 ? 1 : 0);
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
                cr_skip_test("needs user namespaces (unshare(CLONE_NEWUSER) fails)");
}
