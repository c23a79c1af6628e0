/* A fresh vpsfs mount per test: temp BACKING and MOUNT directories, the table
 * "u 0 196608 65536 / g 0 196608 65536", the daemon started with --ready-fd (so no test races
 * the mount), and a teardown that always unmounts, reaps the daemon and removes the temp
 * tree, also after a failed assertion. Header-only so that tests link as the other
 * integration tests do. Use: TestSuite(x, .init = fx_setup, .fini = fx_teardown). */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/idmap.h"
#include "common/rm-rf.h"
#include "skip.h"

#define FX_ALT 196608u    /* alternative ID of virtual ID 0 */
#define FX_COUNT 65536u
#define FX_ALT_OF(v) (FX_ALT + (v))

struct vpsfs_fixture {
        char dir[64];          /* /tmp/vpsfs-test.XXXXXX */
        char backing[96];
        char mnt[96];
        char idmap[96];
        pid_t pid;
        bool mounted;
};

static struct vpsfs_fixture fx;

/* base/fmt..., from a small ring of buffers (one ring per thread: tests call it from
 * several). */
static inline const char *fx_at(const char *base, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline const char *fx_at(const char *base, const char *fmt, ...) {
        static _Thread_local char ring[16][PATH_MAX];
        static _Thread_local unsigned next;
        char *buf = ring[next++ % 16];
        int n = snprintf(buf, PATH_MAX, "%s/", base);
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf + n, PATH_MAX - (size_t) n, fmt, ap);
        va_end(ap);
        return buf;
}

/* Paths inside the mount and the backing store. */
#define M(...) fx_at(fx.mnt, __VA_ARGS__)
#define B(...) fx_at(fx.backing, __VA_ARGS__)

static inline bool fx_is_mounted(void) {
        struct stat a, b;

        return stat(fx.mnt, &a) == 0 && stat(fx.dir, &b) == 0 && a.st_dev != b.st_dev;
}

/* Starts vpsfs on the fixture's directories; opts is appended to -o; nofile, if not 0,
 * becomes the daemon's soft and hard RLIMIT_NOFILE. */
static inline void fx_mount(const char *opts, rlim_t nofile) {
        const char *vpsfs = getenv("VPSFS");
        char o[512], fdstr[16], c;
        struct pollfd pfd;
        int p[2];

        cr_assert(vpsfs, "VPSFS is not set");
        cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
        snprintf(o, sizeof(o), "idmap=%s,name=test%s%s", fx.idmap, opts ? "," : "", opts ? opts : "");
        fx.pid = fork();
        cr_assert_geq(fx.pid, 0);
        if (fx.pid == 0) {
                /* If the test process dies, SIGTERM makes the daemon unmount and exit. */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (nofile) {
                        struct rlimit rl = { nofile, nofile };

                        setrlimit(RLIMIT_NOFILE, &rl);
                }
                fcntl(p[1], F_SETFD, 0);
                snprintf(fdstr, sizeof(fdstr), "%d", p[1]);
                execl(vpsfs, "vpsfs", fx.backing, fx.mnt, "-o", o, "-f", "--ready-fd", fdstr, (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        pfd = (struct pollfd) { .fd = p[0], .events = POLLIN };
        cr_assert_eq(poll(&pfd, 1, 20000), 1, "vpsfs did not come up in 20 s");
        cr_assert_eq(read(p[0], &c, 1), 1, "vpsfs exited before the mount was live");
        close(p[0]);
        fx.mounted = true;
}


static inline void fx_write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
        cr_assert_eq(write_all(fd, text, strlen(text)), 0);
        close(fd);
}

/* A file in BACKING with the given (virtual) owner and mode, as a template would have it. */
static inline void fx_backing_file(const char *rel, uid_t uid, gid_t gid, mode_t mode);

static inline void fx_teardown(void);

/* Makes the directories and the table without mounting (for tests that mount themselves). */
static inline void fx_setup_nomount(void) {
        skip_unless_fuse();
        snprintf(fx.dir, sizeof(fx.dir), "/tmp/vpsfs-test.XXXXXX");
        cr_assert(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
        cleanup_at_exit(fx_teardown);
        chmod(fx.dir, 0755);
        snprintf(fx.backing, sizeof(fx.backing), "%s/rootfs", fx.dir);
        snprintf(fx.mnt, sizeof(fx.mnt), "%s/mnt", fx.dir);
        snprintf(fx.idmap, sizeof(fx.idmap), "%s/idmap", fx.dir);
        cr_assert_eq(mkdir(fx.backing, 0755), 0);
        cr_assert_eq(mkdir(fx.mnt, 0755), 0);
        fx_write_file(fx.idmap, "u 0 196608 65536\ng 0 196608 65536\n", 0644);
}

static inline void fx_setup(void) {
        fx_setup_nomount();
        fx_mount(NULL, 0);
}

static inline void fx_unmount(void) {
        pid_t pid = fx.pid;
        int status;

        if (fx_is_mounted() && umount2(fx.mnt, 0) < 0 && umount2(fx.mnt, MNT_DETACH) < 0)
                fprintf(stderr, "fixture: cannot unmount %s: %s\n", fx.mnt, strerror(errno));
        fx.mounted = false;
        if (pid <= 0)
                return;
        /* Unmounting ends the daemon; give it 5 s, then signal it. */
        for (int k = 0; k < 500; k++) {
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        fx.pid = 0;
                        return;
                }
                if (k == 250)
                        kill(pid, SIGTERM);
                usleep(10000);
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fx.pid = 0;
}

/* For a test that needs other options than its suite's mount: one suite per file, since
 * Criterion leaks when suites of one binary run in parallel (seen with ASan). */
static inline void fx_remount(const char *opts, rlim_t nofile) {
        fx_unmount();
        fx_mount(opts, nofile);
}

static inline void fx_teardown(void) {
        if (!fx.dir[0])
                return;
        fx_unmount();
        if (!fx_is_mounted()) /* never walk into a live mount */
                rm_rf_path(fx.dir);
        fx.dir[0] = '\0';
}

/* ---- Running code as another caller ------------------------------------------------- */

struct fx_cred {
        uid_t uid;              /* host (alternative) IDs, or virtual IDs with userns */
        gid_t gid;
        size_t ngroups;
        gid_t groups[8];
        bool userns;            /* in a user namespace with the table's map */
};

static inline void fx_write_map(pid_t pid, const char *file, enum idmap_kind kind) {
        char path[64], *text = NULL;
        struct idmap *m = NULL;
        int fd, r;

        r = idmap_load_at(AT_FDCWD, fx.idmap, &m, NULL);
        if (r >= 0)
                r = idmap_kernel_map(m, kind, &text);
        if (r >= 0) {
                snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                r = fd < 0 ? -errno : write_all(fd, text, strlen(text));
                if (fd >= 0)
                        close(fd);
        }
        free(text);
        idmap_free(m);
        cr_assert_geq(r, 0, "cannot write %s: %s", file, strerror(-r));
}

static inline void fx_become(const struct fx_cred *c) {
        /* In the new namespace become its root first: leaving uid 0 for c->uid is what
         * drops the namespace's capabilities (host root is not "root" there). */
        if (c->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                _exit(203);
        if (setgroups(c->ngroups, c->groups) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
            setresuid(c->uid, c->uid, c->uid) < 0)
                _exit(200);
}

/* Runs fn(arg) in a child with the credentials c, in the directory dir if not NULL (entered
 * before the credentials change); returns what fn returned (an errno value, 0 for success),
 * or 255 if the child died. */
static inline int fx_run_in(const struct fx_cred *c, const char *dir, int (*fn)(void *), void *arg) {
        int go[2], ready[2], status;
        char byte = 0;
        pid_t pid;

        cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
        cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (dir && chdir(dir) < 0)
                        _exit(204);
                if (c->userns && unshare(CLONE_NEWUSER) < 0)
                        _exit(201);
                if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1)
                        _exit(202);
                fx_become(c);
                _exit(fn(arg));
        }
        cr_assert_eq(read(ready[0], &byte, 1), 1);
        if (c->userns) {
                fx_write_map(pid, "uid_map", IDMAP_UID);
                fx_write_map(pid, "gid_map", IDMAP_GID);
        }
        cr_assert_eq(write(go[1], &byte, 1), 1);
        close(go[0]);
        close(go[1]);
        close(ready[0]);
        close(ready[1]);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static inline int fx_run(const struct fx_cred *c, int (*fn)(void *), void *arg) {
        return fx_run_in(c, NULL, fn, arg);
}

/* Common callers: the VPS's users seen from the host, and from inside the VPS. */
#define FX_HOST(v) (&(struct fx_cred) { .uid = FX_ALT_OF(v), .gid = FX_ALT_OF(v) })
#define FX_VPS(v) (&(struct fx_cred) { .uid = (v), .gid = (v), .userns = true })

/* Small syscall wrappers for fx_run() callbacks: 0 or errno. */
static inline int fx_err(int r) {
        return r < 0 ? errno : 0;
}


static inline void fx_backing_file(const char *rel, uid_t uid, gid_t gid, mode_t mode) {
        fx_write_file(B("%s", rel), "data\n", mode);
        cr_assert_eq(chown(B("%s", rel), uid, gid), 0);
        cr_assert_eq(chmod(B("%s", rel), mode), 0);
}

/* fx_run() callback: opens arg for reading and reads a byte; 0 or errno. */
static inline int fx_open_read(void *arg) {
        char c;
        int fd = open(arg, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return errno;
        (void) read(fd, &c, 1);
        close(fd);
        return 0;
}
