/* A VPS whose init is the static syscall probe ($SYSCALL_PROBE), on a rootfs of nothing but
 * empty mount points in a temporary directory: enough for vps_launch, and for vps_join and
 * vps_become followed by an exec of the probe. Everything is undone in probe_vps_teardown(),
 * which suites use as .fini, so it runs even when an assertion failed. */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/idmap.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "skip.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/ns.h"

#define PROBE_TIMEOUT_MS 10000

static struct {
        char dir[64];
        char root[80];
        int probe_fd;
        struct idmap *idmap;
        int pidfd;
        pid_t helper;
} pv = { .probe_fd = -1, .pidfd = -1 };

static inline void probe_vps_teardown(void) {
        siginfo_t si;

        if (pv.helper > 0) {
                /* Our own unreaped child: its pid cannot have been reused. */
                if (waitpid(pv.helper, NULL, WNOHANG) == 0) {
                        (void) kill(pv.helper, SIGKILL);
                        (void) waitpid(pv.helper, NULL, 0);
                }
                pv.helper = 0;
        }
        if (pv.pidfd >= 0) {
                (void) pidfd_send_signal(pv.pidfd, SIGKILL, NULL, 0);
                (void) waitid((idtype_t) P_PIDFD_COMPAT, (id_t) pv.pidfd, &si, WEXITED);
                pv.pidfd = safe_close(pv.pidfd);
        }
        pv.probe_fd = safe_close(pv.probe_fd);
        if (pv.dir[0])
                rm_rf_path(pv.dir);
        pv.dir[0] = '\0';
        idmap_free(pv.idmap);
        pv.idmap = NULL;
}

static int pv_make_rootfs(void) {
        static const struct { const char *path; mode_t mode; } dirs[] = {
                { "proc", 0755 }, { "sys", 0755 }, { "dev", 0755 }, { "tmp", 01777 }, { "etc", 0755 },
        };
        _cleanup_close_ int dirfd = -1;

        strcpy(pv.dir, "/tmp/vps-probe-test-XXXXXX");
        if (!mkdtemp(pv.dir)) {
                pv.dir[0] = '\0';
                return -errno;
        }
        snprintf(pv.root, sizeof(pv.root), "%s/rootfs", pv.dir);
        if (mkdir(pv.root, 0) < 0 || chmod(pv.root, 0755) < 0)
                return -errno;
        dirfd = open(pv.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(dirfd, dirs[i].path, 0) < 0 || fchmodat(dirfd, dirs[i].path, dirs[i].mode, 0) < 0)
                        return -errno;
        return 0;
}

static inline void probe_vps_setup(void) {
        const char *probe = getenv("SYSCALL_PROBE");
        int r;

        skip_unless_userns();
        cr_assert_not_null(probe, "SYSCALL_PROBE must name the built probe");
        r = pv_make_rootfs();
        if (r >= 0) {
                pv.probe_fd = open(probe, O_PATH | O_CLOEXEC);
                r = pv.probe_fd < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = idmap_parse("u 0 196608 65536\ng 0 196608 65536\n", "test", &pv.idmap, NULL);
        if (r < 0) {
                probe_vps_teardown();
                cr_assert_fail("setup: %s", strerror(-r));
        }
}

/* Launches the probe as the VPS's init with argv. */
static inline void probe_vps_launch(char *const *argv) {
        static char *const envp[] = { NULL };
        struct vps_launch l = {
                .name = "probe",
                .root = pv.root,
                .idmap = pv.idmap,
                .init_fd = pv.probe_fd,
                .init_argv = argv,
                .init_envp = envp,
                .cgroup_fd = -1,
                .private_network = true,
        };
        struct vps_launch_result res = {};
        struct vps_step_error e = {};
        int r;

        r = vps_launch(&l, &res, &e);
        cr_assert_eq(r, 0, "vps_launch: %s: %s", e.step, strerror(e.error));
        pv.pidfd = res.pidfd;
}

/* Waits for the init to end and returns its exit status. */
static inline int probe_vps_wait(void) {
        struct pollfd p = { .fd = pv.pidfd, .events = POLLIN };
        siginfo_t si = {};

        cr_assert_eq(poll(&p, 1, PROBE_TIMEOUT_MS), 1, "the init did not exit");
        cr_assert_eq(waitid((idtype_t) P_PIDFD_COMPAT, (id_t) pv.pidfd, &si, WEXITED), 0);
        pv.pidfd = safe_close(pv.pidfd);
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* rootfs/tmp/NAME as the host sees it, or NULL. */
static inline char *probe_vps_read_out(const char *name) {
        char path[256];
        char *text = NULL;

        snprintf(path, sizeof(path), "%s/tmp/%s", pv.root, name);
        if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL) < 0)
                return NULL;
        return text;
}

/* Joins the running init (which must be the probe in --idle mode), becomes id and execs the
 * probe with argv; returns the probe's exit status (or 200 + a failure of join/become, the
 * step and error reported on stderr). */
static inline int probe_vps_join_exec(const struct vps_identity *id, char *const *argv) {
        int status;

        /* setns into a user namespace wants a single-threaded caller: a fresh fork is one. */
        pv.helper = fork();
        cr_assert_geq(pv.helper, 0);
        if (pv.helper == 0) {
                struct vps_step_error e = {};
                pid_t child;

                if (vps_join(pv.pidfd, -1, &e) < 0) {
                        fprintf(stderr, "vps_join: %s: %s\n", e.step, strerror(e.error));
                        _exit(200);
                }
                child = fork();
                if (child == 0) {
                        static char *const envp[] = { NULL };

                        if (vps_become(id, &e) < 0) {
                                fprintf(stderr, "vps_become: %s: %s\n", e.step, strerror(e.error));
                                _exit(201);
                        }
                        execveat(pv.probe_fd, "", argv, envp, AT_EMPTY_PATH);
                        fprintf(stderr, "execveat: %s\n", strerror(errno));
                        _exit(202);
                }
                if (child < 0 || waitpid(child, &status, 0) != child)
                        _exit(203);
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 204);
        }
        cr_assert_eq(waitpid(pv.helper, &status, 0), pv.helper);
        pv.helper = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The word after "name " on its own line of the probe's output, or NULL. */
static inline const char *probe_result(const char *out, const char *name, char *buf, size_t size) {
        size_t len = strlen(name);

        for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, name, len) == 0 && p[len] == ' ') {
                        size_t n = strcspn(p + len + 1, "\n");

                        snprintf(buf, size, "%.*s", (int) n, p + len + 1);
                        return buf;
                }
        return NULL;
}
