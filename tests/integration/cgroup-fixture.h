/* A VPS cgroup of its own for each cgroup integration test, and helper processes that cannot
 * outlive it. Criterion runs each test in its own process, so "vps-test-<pid>" is unique per
 * test. The .fini kills, reaps and removes everything even when an assertion failed, and every
 * helper also exits as soon as the test process dies (it holds a "lifeline" pipe open). */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/macro.h"
#include "skip.h"

#define FIXTURE_NAME "t"
#define FIXTURE_MAX_HELPERS 16

static char *fx_root;
static char fx_parent[64];
static int fx_cgfd = -1;
static int fx_lifeline[2] = { -1, -1 };
static pid_t fx_helpers[FIXTURE_MAX_HELPERS];
static size_t fx_n_helpers;

static inline void fixture_setup(void) {
        skip_unless_cgroup2();
        cr_assert_eq(cgroup_find_root(&fx_root), 0);
        snprintf(fx_parent, sizeof(fx_parent), "vps-test-%d", (int) getpid());
        /* Orphaned grandchildren come back to us, so that .fini reaps them too. */
        cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        cr_assert_eq(pipe2(fx_lifeline, O_CLOEXEC), 0);
        cr_assert_eq(cgroup_create(fx_root, fx_parent, FIXTURE_NAME, &fx_cgfd), 0);
}

static inline void fixture_teardown(void) {
        int r;

        if (fx_cgfd >= 0) {
                /* Killing works on a frozen cgroup too; failures mean it is already gone. */
                (void) cgroup_kill(fx_cgfd);
                (void) cgroup_wait_empty(fx_cgfd, 10000);
                fx_cgfd = safe_close(fx_cgfd);
        }
        for (size_t i = 0; i < fx_n_helpers; i++)
                /* Only a child not yet reaped (0 here) is sure to still own its pid. */
                if (fx_helpers[i] > 0 && waitpid(fx_helpers[i], NULL, WNOHANG) == 0) {
                        (void) kill(fx_helpers[i], SIGKILL);
                        (void) waitpid(fx_helpers[i], NULL, 0);
                }
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        fx_lifeline[1] = safe_close(fx_lifeline[1]);
        fx_lifeline[0] = safe_close(fx_lifeline[0]);
        if (!fx_root)
                return;
        r = cgroup_remove(fx_root, fx_parent, FIXTURE_NAME);
        cr_expect(r == 0 || r == -ENOENT, "cannot remove %s/%s/" FIXTURE_NAME ": %s", fx_root, fx_parent, strerror(-r));
        r = cgroup_remove_parent(fx_root, fx_parent);
        cr_expect(r == 0 || r == -ENOENT, "cannot remove %s/%s: %s", fx_root, fx_parent, strerror(-r));
        free(fx_root);
        fx_root = NULL;
}

/* In a helper: sleeps up to ms (-1: forever), exiting at once if the test process died. */
static inline void helper_sleep(int ms) {
        struct pollfd p = { .fd = fx_lifeline[0], .events = POLLIN };

        if (poll(&p, 1, ms) != 0)
                _exit(0);
}

/* Forks a helper that runs fn once it is in cgfd's cgroup (or stays where it is with cgfd
 * -1), and returns its pid. fn should not return. */
static inline pid_t helper_spawn(int cgfd, void (*fn)(void *), void *userdata) {
        int go[2];
        pid_t pid;
        char c = 0;

        cr_assert_lt(fx_n_helpers, FIXTURE_MAX_HELPERS);
        cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(fx_lifeline[1]);
                close(go[1]);
                if (read(go[0], &c, 1) != 1)
                        _exit(1);
                fn(userdata);
                _exit(0);
        }
        fx_helpers[fx_n_helpers++] = pid;
        close(go[0]);
        if (cgfd >= 0)
                cr_assert_eq(cgroup_attach(cgfd, pid), 0);
        cr_assert_eq(write(go[1], &c, 1), 1);
        close(go[1]);
        return pid;
}

static inline void helper_idle(void *userdata) {
        helper_sleep(-1);
}

static inline bool pids_contain(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}
