/* Skip helpers for integration tests: a test may skip only when the machine truly lacks the
 * facility, and must say which. */
#pragma once

#include <criterion/criterion.h>
#include <fcntl.h>
#include <unistd.h>

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

#include <sched.h>
#include <sys/wait.h>

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
