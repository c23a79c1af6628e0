/* Running the built vpsmgr ($VPSMGR) on a state directory of the test's own: a temporary
 * directory per test (Criterion runs each test in its own process), a cgroup parent of its own
 * ("vps-test-<pid>", through VPS_CGROUP_PARENT), and a record of the mounts and helper
 * processes a test makes, all undone in .fini even when an assertion failed. The host's
 * /var/lib/vps and its "vps" cgroup are never touched. */
#pragma once

#define _XOPEN_SOURCE_EXTENDED 1
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "skip.h"

#define FX_MAX 16
#define FX_OUT_MAX (64 * 1024)

static char fx_tmp[64];          /* the test's directory */
static char fx_state[128];       /* fx_tmp/state: --root */
static char fx_cg_parent[64];    /* vps-test-<pid> */
static char *fx_cg_root;         /* the cgroup2 mount, once a test asked for cgroups */
static char fx_mounts[FX_MAX][256];
static size_t fx_n_mounts;
static char fx_cgroups[FX_MAX][64];
static size_t fx_n_cgroups;
static pid_t fx_helpers[FX_MAX];
static size_t fx_n_helpers;

struct run_result {
        int status;  /* exit status, or 128 + signal */
        char out[FX_OUT_MAX];
        char err[FX_OUT_MAX];
};

static inline void fx_teardown(void);

static inline void fx_setup(void) {
        skip_unless_root();
        cr_assert_not_null(getenv("VPSMGR"), "VPSMGR must name the built vpsmgr");
        snprintf(fx_tmp, sizeof(fx_tmp), "/tmp/vps-verbs.XXXXXX");
        cr_assert_not_null(mkdtemp(fx_tmp));
        cleanup_at_exit(fx_teardown);
        snprintf(fx_state, sizeof(fx_state), "%s/state", fx_tmp);
        snprintf(fx_cg_parent, sizeof(fx_cg_parent), "vps-test-%d", (int) getpid());
        cr_assert_eq(setenv("VPS_CGROUP_PARENT", fx_cg_parent, 1), 0);
        cr_assert_eq(unsetenv("VPS_ROOT"), 0);
}

static inline void fx_teardown(void) {
        for (size_t i = 0; i < fx_n_helpers; i++)
                if (fx_helpers[i] > 0 && waitpid(fx_helpers[i], NULL, WNOHANG) == 0) {
                        (void) kill(fx_helpers[i], SIGKILL);
                        (void) waitpid(fx_helpers[i], NULL, 0);
                }
        for (size_t i = 0; fx_cg_root && i < fx_n_cgroups; i++) {
                int fd = -1;

                if (cgroup_open(fx_cg_root, fx_cg_parent, fx_cgroups[i], &fd) == 0) {
                        (void) cgroup_kill(fd);
                        (void) cgroup_wait_empty(fd, 10000);
                        close(fd);
                        (void) cgroup_remove(fx_cg_root, fx_cg_parent, fx_cgroups[i]);
                }
        }
        if (fx_cg_root) {
                int r = cgroup_remove_parent(fx_cg_root, fx_cg_parent);

                cr_expect(r == 0 || r == -ENOENT, "cannot remove cgroup %s/%s: %s", fx_cg_root, fx_cg_parent,
                          strerror(-r));
                free(fx_cg_root);
                fx_cg_root = NULL;
        }
        /* Innermost first; a mount already gone is fine. */
        for (size_t i = fx_n_mounts; i > 0; i--)
                (void) umount2(fx_mounts[i - 1], MNT_DETACH);
        fx_n_mounts = 0;
        /* Should anything still be mounted below, it is not entered. */
        if (fx_tmp[0])
                rm_rf_path(fx_tmp);
        fx_tmp[0] = '\0';
}

/* Formats a path below the test's directory into a ring of 32 static buffers: for use at
 * once; a path held across many calls is copied (fx_keep_path). */
_printf_(1, 2) static inline const char *fx_path(const char *format, ...) {
        static char ring[32][512];
        static unsigned next;
        char rel[400];
        char *buf = ring[next++ % 32];
        va_list ap;

        va_start(ap, format);
        vsnprintf(rel, sizeof(rel), format, ap);
        va_end(ap);
        snprintf(buf, 512, "%s/%s", fx_tmp, rel);
        return buf;
}

/* A copy of path that lives until the test ends (each test is a process of its own); static
 * storage, so that LeakSanitizer has nothing to report. */
static inline const char *fx_keep_path(const char *path) {
        static char kept[64][512];
        static unsigned n;

        cr_assert_lt(n, 64, "too many kept paths");
        cr_assert_lt(strlen(path), sizeof(kept[0]));
        return strcpy(kept[n++], path);
}

static inline void fx_read_memfd(int fd, char *buf, size_t size) {
        ssize_t n = pread(fd, buf, size - 1, 0);

        buf[n > 0 ? n : 0] = '\0';
}

/* A vpsmgr started and not yet waited for. */
struct run_job {
        pid_t pid;
        int out, err;
};

/* Starts "vpsmgr --root STATE ARGS..." (args NULL-terminated), optionally as uid. */
static inline void fx_start_as(struct run_job *job, uid_t uid, const char *const *args) {
        const char *argv[32] = { "vpsmgr", "--root", fx_state };
        size_t n = 3;

        job->out = memfd_create("out", MFD_CLOEXEC);
        job->err = memfd_create("err", MFD_CLOEXEC);
        cr_assert(job->out >= 0 && job->err >= 0);
        for (; *args; args++) {
                cr_assert_lt(n, ELEMENTSOF(argv) - 1);
                argv[n++] = *args;
        }
        argv[n] = NULL;
        job->pid = fork();
        cr_assert_geq(job->pid, 0);
        if (job->pid == 0) {
                if (dup2(job->out, STDOUT_FILENO) < 0 || dup2(job->err, STDERR_FILENO) < 0)
                        _exit(126);
                if (uid != 0 && (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0))
                        _exit(126);
                execv(getenv("VPSMGR"), (char **) argv);
                _exit(127);
        }
}

static inline void fx_wait(struct run_job *job, struct run_result *res) {
        int status;

        cr_assert_eq(waitpid(job->pid, &status, 0), job->pid);
        res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fx_read_memfd(job->out, res->out, sizeof(res->out));
        fx_read_memfd(job->err, res->err, sizeof(res->err));
        close(job->out);
        close(job->err);
}

static inline void fx_run_as(struct run_result *res, uid_t uid, const char *const *args) {
        struct run_job job;

        fx_start_as(&job, uid, args);
        fx_wait(&job, res);
}

#define fx_run(res, ...) fx_run_as((res), 0, (const char *const[]) { __VA_ARGS__, NULL })
#define fx_start(job, ...) fx_start_as((job), 0, (const char *const[]) { __VA_ARGS__, NULL })

/* Success: exit 0 and nothing on stderr. */
#define expect_ok(res)                                                                        \
        cr_expect_eq((res)->status, 0, "vpsmgr failed (%d): %s", (res)->status, (res)->err); \
        cr_expect_str_empty((res)->err, "unexpected stderr: %s", (res)->err)

/* Failure: exit 1, nothing on stdout, exactly one line "vpsmgr: ..." on stderr containing
 * what. */
static inline void expect_error(const struct run_result *res, const char *what) {
        const char *nl = strchr(res->err, '\n');

        cr_expect_eq(res->status, 1, "want exit 1, got %d (stderr: %s)", res->status, res->err);
        cr_expect_str_empty(res->out, "unexpected stdout: %s", res->out);
        cr_expect(strncmp(res->err, "vpsmgr: ", 8) == 0, "stderr does not start with 'vpsmgr: ': %s", res->err);
        cr_expect(nl && nl[1] == '\0', "want exactly one line on stderr, got: %s", res->err);
        cr_expect(strstr(res->err, what), "stderr lacks '%s': %s", what, res->err);
}

static inline void fx_mount_tmpfs(const char *path) {
        cr_assert_lt(fx_n_mounts, FX_MAX);
        cr_assert_eq(mount("tmpfs", path, "tmpfs", 0, "size=1m"), 0, "mount %s: %s", path, strerror(errno));
        snprintf(fx_mounts[fx_n_mounts++], sizeof(fx_mounts[0]), "%s", path);
}

/* Needs a writable cgroup2: the root, once. */
static inline void fx_want_cgroups(void) {
        skip_unless_cgroup2();
        if (!fx_cg_root)
                cr_assert_eq(cgroup_find_root(&fx_cg_root), 0);
}

/* A process sitting in the cgroup <parent>/<name> as a VPS's process would; it dies with
 * the test process. Returns its pid. */
static inline pid_t fx_fake_vps_process(const char *name) {
        int cgfd = -1, r;
        pid_t pid;

        fx_want_cgroups();
        cr_assert_lt(fx_n_cgroups, FX_MAX);
        r = cgroup_create(fx_cg_root, fx_cg_parent, name, &cgfd);
        cr_assert(r == 0 || r == -EEXIST, "cgroup_create: %s", strerror(-r));
        if (r == -EEXIST)
                cr_assert_eq(cgroup_open(fx_cg_root, fx_cg_parent, name, &cgfd), 0);
        else
                snprintf(fx_cgroups[fx_n_cgroups++], sizeof(fx_cgroups[0]), "%s", name);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        fx_helpers[fx_n_helpers++] = pid;
        cr_assert_eq(cgroup_attach(cgfd, pid), 0);
        close(cgfd);
        return pid;
}

/* The unsigned number after "key": in a JSON text (a minimal reading: our output has no
 * blanks), or -1. */
static inline long long json_number(const char *json, const char *key) {
        char pattern[128];
        const char *p;

        snprintf(pattern, sizeof(pattern), "\"%s\":", key);
        p = strstr(json, pattern);
        if (!p)
                return -1;
        p += strlen(pattern);
        return *p >= '0' && *p <= '9' ? strtoll(p, NULL, 10) : -1;
}

/* Whether the JSON text is one balanced value: brackets matched outside strings, strings
 * closed, escapes well-formed, nothing but a newline after it. */
static inline bool json_balanced(const char *s) {
        char stack[64];
        size_t depth = 0;
        bool in_string = false;

        for (; *s; s++) {
                if (in_string) {
                        if (*s == '\\') {
                                if (!strchr("\"\\/bfnrtu", s[1]))
                                        return false;
                                s++;
                        } else if (*s == '"')
                                in_string = false;
                        else if ((unsigned char) *s < 0x20)
                                return false;
                        continue;
                }
                if (*s == '"')
                        in_string = true;
                else if (*s == '{' || *s == '[') {
                        if (depth == sizeof(stack))
                                return false;
                        stack[depth++] = *s == '{' ? '}' : ']';
                } else if (*s == '}' || *s == ']') {
                        if (depth == 0 || stack[--depth] != *s)
                                return false;
                        if (depth == 0)
                                return strcmp(s + 1, "\n") == 0;
                }
        }
        return false;
}
