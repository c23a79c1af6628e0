/* Running VPSs from the built vpsmgr in a test: on top of vpsmgr-fixture.h (a state directory
 * and a cgroup parent of the test's own), a .fini that leaves nothing behind even when the
 * test failed halfway: every VPS stopped and destroyed through the binary, then, as a fallback,
 * every cgroup under the test's parent killed and removed, everything mounted under the
 * test's directory lazily unmounted (its vpsfs then exits), monitors and daemons reparented to
 * the test process (a child subreaper) reaped, and the directory removed. */
#pragma once

#include <dirent.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "vpsmgr-fixture.h"

#define LIFE_MAX 8

static char life_names[LIFE_MAX][32];
static size_t life_n;

static inline void life_setup(void) {
        /* Checks before fx_setup() makes its directory: a skip or a failure here ends the test
         * without .fini. */
        skip_unless_fuse();
        skip_unless_userns();
        fx_want_cgroups();
        cr_assert_not_null(getenv("VPS_INIT"), "VPS_INIT must name the built vps-init");
        cr_assert_not_null(getenv("VPSFS"), "VPSFS must name the built vpsfs");
        fx_setup();
        /* Monitors double-fork away from vpsmgr: with us as subreaper they (and, once a
         * monitor is killed, its vpsfs and init) come back to us to be reaped. */
        cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

/* Lazily unmounts every mount point under fx_tmp, deepest (last listed) first. */
static inline void life_unmount_all(void) {
        char line[4096], mnt[4096], found[64][4096];
        size_t n = 0;
        FILE *f = fopen("/proc/self/mountinfo", "re");

        if (!f)
                return;
        while (fgets(line, sizeof(line), f) && n < 64)
                if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) == 1 && strncmp(mnt, fx_tmp, strlen(fx_tmp)) == 0)
                        snprintf(found[n++], sizeof(found[0]), "%s", mnt);
        fclose(f);
        while (n > 0)
                (void) umount2(found[--n], MNT_DETACH);
}

static inline void life_kill_cgroups(void) {
        char path[512];
        DIR *d;
        struct dirent *e;

        if (!fx_cg_root)
                return;
        snprintf(path, sizeof(path), "%s/%s", fx_cg_root, fx_cg_parent);
        d = opendir(path);
        if (!d)
                return;
        while ((e = readdir(d)))
                if (e->d_type == DT_DIR && e->d_name[0] != '.') {
                        int fd = -1;

                        if (cgroup_open(fx_cg_root, fx_cg_parent, e->d_name, &fd) == 0) {
                                (void) cgroup_kill(fd);
                                (void) cgroup_wait_empty(fd, 5000);
                                close(fd);
                                (void) cgroup_remove(fx_cg_root, fx_cg_parent, e->d_name);
                        }
                }
        closedir(d);
}

/* Reaps what came back to us, for up to ms: monitors finishing their teardown, daemons. */
static inline void life_reap(int ms) {
        for (int waited = 0; waited < ms; waited += 10) {
                pid_t pid = waitpid(-1, NULL, WNOHANG);

                if (pid < 0)
                        return; /* no child left */
                if (pid == 0)
                        usleep(10000);
        }
}

static inline void life_teardown(void) {
        struct run_result *r = malloc(sizeof(*r));

        for (size_t i = 0; r && i < life_n; i++) {
                fx_run(r, "stop", life_names[i], "--timeout", "2");
                fx_run(r, "destroy", "--force", life_names[i]);
        }
        free(r);
        life_kill_cgroups();
        life_unmount_all();
        life_reap(3000);
        fx_teardown();
}

/* Creates NAME from the busybox template (remembered for the clean-up). */
static inline void life_create(const char *name, const char *const *extra) {
        const char *argv[16] = { "create", name };
        size_t n = 2;
        struct run_result *r = malloc(sizeof(*r));

        cr_assert_not_null(r);
        cr_assert_lt(life_n, LIFE_MAX);
        snprintf(life_names[life_n++], sizeof(life_names[0]), "%s", name);
        for (; extra && *extra; extra++)
                argv[n++] = *extra;
        argv[n] = NULL;
        fx_run_as(r, 0, argv);
        cr_assert_eq(r->status, 0, "create %s: %s", name, r->err);
        free(r);
}

#define life_run(res, ...) fx_run((res), __VA_ARGS__)

/* A run_result on the heap: they are big. */
static inline struct run_result *life_result(void) {
        static struct run_result *r;

        if (!r)
                r = malloc(sizeof(*r));
        cr_assert_not_null(r);
        return r;
}

static inline void life_start(const char *name) {
        struct run_result *r = malloc(sizeof(*r));

        fx_run(r, "start", name);
        cr_assert_eq(r->status, 0, "start %s: %s", name, r->err);
        cr_expect_str_empty(r->out);
        free(r);
}

/* The pid recorded in NAME/run/FILE ("PID STARTTIME"), or 0. */
static inline pid_t life_run_pid(const char *name, const char *file) {
        FILE *f = fopen(fx_path("state/%s/run/%s", name, file), "re");
        int pid = 0;

        if (!f)
                return 0;
        if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
        fclose(f);
        return pid;
}

static inline bool life_mounted(const char *name) {
        char line[4096], mnt[4096], want[512];
        bool found = false;
        FILE *f = fopen("/proc/self/mountinfo", "re");

        snprintf(want, sizeof(want), "%s", fx_path("state/%s/mnt", name));
        cr_assert_not_null(f);
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) == 1 && strcmp(mnt, want) == 0)
                        found = true;
        fclose(f);
        return found;
}

static inline bool life_cgroup_exists(const char *name) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s/%s", fx_cg_root, fx_cg_parent, name);
        return access(path, F_OK) == 0;
}

/* Nothing of NAME runs: no mount, no cgroup, no run files. */
static inline void expect_clean(const char *name) {
        cr_expect_not(life_mounted(name), "%s: still mounted", name);
        cr_expect_not(life_cgroup_exists(name), "%s: cgroup left", name);
        cr_expect_eq(life_run_pid(name, "init.pid"), 0, "%s: run/init.pid left", name);
        cr_expect_eq(life_run_pid(name, "vpsfs.pid"), 0, "%s: run/vpsfs.pid left", name);
        cr_expect_eq(life_run_pid(name, "monitor.pid"), 0, "%s: run/monitor.pid left", name);
}

static inline double life_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Waits up to seconds for cond (an expression) to hold. */
#define life_wait_for(cond, seconds)                                            \
        ({                                                                      \
                double _end = life_now() + (seconds);                           \
                bool _ok;                                                       \
                while (!(_ok = (cond)) && life_now() < _end)                    \
                        usleep(20000);                                          \
                _ok;                                                            \
        })

/* The host uid of pid, from /proc/PID/status. */
static inline long long life_host_uid(pid_t pid) {
        char path[64], line[256];
        long long uid = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Uid: %lld", &uid) == 1)
                        break;
        fclose(f);
        return uid;
}

/* Runs "vpsmgr ARGS" on a new pty, types input, returns everything it wrote and its status. */
/* Runs vpsmgr ARGS on a new pty (a stand-in for the administrator's terminal), types input
 * after delay seconds and collects the output; the pty's master stays open in *ret_master if
 * asked, for typing after vpsmgr has returned. */
static inline int life_drive_pty_after(const char *const *args, double delay, const char *input, char *out,
                                       size_t size, int *ret_master) {
        const char *argv[16] = { "vpsmgr", "--root", fx_state };
        size_t n = 3, len = 0;
        int master, slave, status;
        struct winsize ws = { .ws_row = 40, .ws_col = 100 };
        double end;
        pid_t pid;

        for (; *args; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        cr_assert_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                close(master);
                if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
                        _exit(126);
                for (int fd = 0; fd < 3; fd++)
                        dup2(slave, fd);
                close(slave);
                execv(getenv("VPSMGR"), (char **) argv);
                _exit(127);
        }
        close(slave);
        if (delay > 0)
                usleep((useconds_t) (delay * 1e6));
        cr_assert_eq(write(master, input, strlen(input)), (ssize_t) strlen(input));
        end = life_now() + 10;
        while (life_now() < end && len + 1 < size) {
                struct pollfd p = { .fd = master, .events = POLLIN };
                ssize_t k;

                if (poll(&p, 1, 200) <= 0) {
                        if (waitpid(pid, &status, WNOHANG) == pid)
                                goto done;
                        continue;
                }
                k = read(master, out + len, size - len - 1);
                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        /* Still there after the deadline: it hangs; the assertions below will say so. */
        if (waitpid(pid, &status, WNOHANG) != pid) {
                (void) kill(pid, SIGKILL); /* pid > 0: our child */
                cr_assert_eq(waitpid(pid, &status, 0), pid);
        }
done:
        out[len] = '\0';
        if (ret_master)
                *ret_master = master;
        else
                close(master);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int life_drive_pty(const char *const *args, const char *input, char *out, size_t size) {
        return life_drive_pty_after(args, 0, input, out, size, NULL);
}
