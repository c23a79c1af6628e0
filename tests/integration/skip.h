/* Skip helpers for integration tests: a test may skip only when the machine truly lacks the
 * facility, and must say which. */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"

/* A test that skips (or fails in its suite's .init) ends with exit(), and Criterion runs no
 * .fini then: a fixture that made something registers its teardown here, to run at that
 * exit in the test's own process (not in children it forked). The teardown must be safe to
 * run twice. */
static void (*skip_cleanup_fn)(void);
static pid_t skip_cleanup_pid;

static inline void skip_cleanup_run(void) {
        if (skip_cleanup_fn && getpid() == skip_cleanup_pid)
                skip_cleanup_fn();
}

static inline void cleanup_at_exit(void (*fn)(void)) {
        static bool registered;

        skip_cleanup_fn = fn;
        skip_cleanup_pid = getpid();
        if (!registered && atexit(skip_cleanup_run) == 0)
                registered = true;
}

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

/* FUSE passthrough: Linux 6.9 or later, built with CONFIG_FUSE_PASSTHROUGH where the
 * kernel says how it was built. */
static inline void skip_unless_fuse_passthrough(void) {
        struct utsname u;
        unsigned major = 0, minor = 0;
        FILE *f;

        skip_unless_fuse();
        if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2 || major < 6 ||
            (major == 6 && minor < 9))
                cr_skip_test("needs FUSE passthrough (Linux 6.9 or later; this is %s)", u.release);
        f = popen("zcat /proc/config.gz 2>/dev/null | grep -qx 'CONFIG_FUSE_PASSTHROUGH=y' || test ! -e /proc/config.gz",
                  "r");
        if (f && pclose(f) != 0)
                cr_skip_test("needs FUSE passthrough (this kernel is built without CONFIG_FUSE_PASSTHROUGH)");
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
