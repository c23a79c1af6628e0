/* The monitor: bring up, watch, restart on reboot, tear down. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/config.h"
#include "common/fileio.h"
#include "common/idmap.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/init-binary.h"
#include "vpsmgr/init-protocol.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/teardown.h"
#include "vpsmgr/vpsfs-spawn.h"

#define INIT_ARGV_MAX 256
/* Reboots closer together than this are a VPS that cannot come up: stop instead. */
#define REBOOT_MIN_INTERVAL_MS 1000
#define REBOOT_BURST_MAX 5

int monitor_load(struct monitor *m, const struct vps_handle *h) {
        _cleanup_free_ char *error = NULL;
        int r;

        *m = (struct monitor) {
                .h = h, .stdio_fd = -1, .init_stdio = { -1, -1, -1 }, .init_bin_fd = -1, .vpsfs = VPSFS_CHILD_NULL, .cgfd = -1,
                .init_pidfd = -1, .sigfd = -1,
        };
        r = vps_config_load_at(h->vps_fd, "config", &m->config, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its config: %s", h->name, error ?: strerror(-r));
        r = idmap_load_at(h->vps_fd, "idmap", &m->idmap, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its translation table: %s", h->name,
                                       error ?: strerror(-r));
        return 0;
}

int monitor_catch_signals(struct monitor *m) {
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return negative_errno();
        m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        return m->sigfd < 0 ? negative_errno() : 0;
}

/* Best effort: on a hybrid host the memory and pids controllers may all be bound to v1. */
static void apply_limits(const struct monitor *m) {
        static const struct {
                enum cgroup_controller c;
                const char *file;
                size_t offset;
        } limits[] = {
                { CGROUP_CONTROLLER_MEMORY, "memory.max", offsetof(struct vps_config, memory_max) },
                { CGROUP_CONTROLLER_PIDS, "pids.max", offsetof(struct vps_config, pids_max) },
        };
        const struct vps_handle *h = m->h;

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                uint64_t v = *(const uint64_t *) ((const char *) m->config + limits[i].offset);
                _cleanup_close_ int parent = -1;
                char text[32];
                int r;

                if (v == VPS_LIMIT_MAX)
                        continue;
                r = cgroup_open(h->cg_root, h->cgroup_parent, NULL, &parent);
                if (r >= 0)
                        r = cgroup_enable_controllers(parent, CGROUP_MASK(limits[i].c), NULL);
                snprintf(text, sizeof(text), "%" PRIu64, v);
                if (r >= 0)
                        r = write_string_at(m->cgfd, limits[i].file, text);
                if (r < 0)
                        log_warning_errno(r, "%s: cannot set %s (controller not on cgroup2?): %m", h->name,
                                          limits[i].file);
        }
}

/* A fresh, empty cgroup: one left by a crash is emptied and made anew, so that nothing of a
 * previous run (sub-cgroups, frozen state) carries over. */
static int make_cgroup(struct monitor *m, const char **ret_step) {
        const struct vps_handle *h = m->h;
        int r;

        m->cgfd = safe_close(m->cgfd);
        *ret_step = "find cgroup2";
        if (!h->cg_root)
                return -ENOMEDIUM;
        *ret_step = "create cgroup";
        r = cgroup_create(h->cg_root, h->cgroup_parent, h->name, &m->cgfd);
        if (r == -EEXIST) {
                r = vps_teardown_cgroup(h);
                if (r >= 0)
                        r = cgroup_create(h->cg_root, h->cgroup_parent, h->name, &m->cgfd);
        }
        if (r < 0)
                return r;
        apply_limits(m);
        return 0;
}

/* "UID:GID[:GID,...]" for vps-init --user. */
static int format_identity(const struct vps_user *u, char **ret) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return -ENOMEM;
        fprintf(f, "%u:%u", (unsigned) u->uid, (unsigned) u->gid);
        for (size_t i = 0; i < u->n_groups; i++)
                fprintf(f, "%c%u", i == 0 ? ':' : ',', (unsigned) u->groups[i]);
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}

/* vps-init's command line and environment, with the strings they point to. */
struct init_command {
        char *argv[INIT_ARGV_MAX];
        char *envp[8];
        char *strings[6];  /* allocated: freed by init_command_done() */
};

static void init_command_done(struct init_command *c) {
        for (size_t i = 0; i < ELEMENTSOF(c->strings); i++)
                free(c->strings[i]);
}

/* "KEY=value" into the environment, the string kept in c->strings[slot]. */
static int add_env(struct init_command *c, size_t *k, size_t slot, const char *key, const char *value) {
        if (asprintf(&c->strings[slot], "%s=%s", key, value) < 0) {
                c->strings[slot] = NULL;
                return -ENOMEM;
        }
        c->envp[(*k)++] = c->strings[slot];
        return 0;
}

static int init_command(const struct monitor *m, struct init_command *c) {
        size_t n = 0, k = 0;
        int r;

        c->argv[n++] = (char *) "vps-init";
        if (m->workload_user) {
                const struct vps_user *u = m->workload_user;

                r = format_identity(u, &c->strings[0]);
                if (r < 0)
                        return r;
                c->argv[n++] = (char *) "--user";
                c->argv[n++] = c->strings[0];
                if (m->workload_vsu && u->uid != 0)
                        c->argv[n++] = (char *) "--vsu";
                if (add_env(c, &k, 1, "HOME", u->home) < 0 || add_env(c, &k, 2, "USER", u->name) < 0 ||
                    add_env(c, &k, 3, "LOGNAME", u->name) < 0 || add_env(c, &k, 4, "SHELL", u->shell) < 0)
                        return -ENOMEM;
        }
        if (m->workload) {
                c->argv[n++] = (char *) "--run";
                c->argv[n++] = (char *) "--";
                for (char *const *a = m->workload; *a; a++) {
                        if (n >= INIT_ARGV_MAX - 1)
                                return -E2BIG;
                        c->argv[n++] = *a;
                }
                /* The workload's output reaches the caller's terminal (relayed by run), if any. */
                if (getenv("TERM") && add_env(c, &k, 5, "TERM", getenv("TERM")) < 0)
                        return -ENOMEM;
        } else if (m->config->start_cmd && *m->config->start_cmd) {
                c->argv[n++] = (char *) "--";
                c->argv[n++] = (char *) "/bin/sh";
                c->argv[n++] = (char *) "-c";
                c->argv[n++] = m->config->start_cmd;
        }
        c->argv[n] = NULL;
        c->envp[k] = NULL;
        return 0;
}

/* vps_launch's wait for the root: the first start clones the init while vpsfs mounts. */
static int wait_vpsfs(void *userdata, const char **ret_step) {
        struct monitor *m = userdata;

        return vpsfs_wait_ready(&m->vpsfs, ret_step);
}

static int launch_init(struct monitor *m, struct vps_step_error *e) {
        _cleanup_(init_command_done) struct init_command c = {};
        struct vps_launch_result res;
        int saved[3] = { -1, -1, -1 };
        char mnt[4096];
        int r;

        r = init_command(m, &c);
        if (r >= 0)
                r = vps_handle_path(m->h, "mnt", mnt, sizeof(mnt));
        if (r < 0) {
                vps_step_error_set(e, "command line", r);
                return r;
        }

        struct vps_launch l = {
                .name = m->h->name,
                .root = mnt,
                .idmap = m->idmap,
                .hostname = m->config->hostname,
                .init_fd = m->init_bin_fd,
                .init_argv = c.argv,
                .init_envp = c.envp,
                .cgroup_fd = m->cgfd,
                .private_network = m->config->network == VPS_NETWORK_PRIVATE,
                .root_wait = m->vpsfs.ready_fd >= 0 ? wait_vpsfs : NULL,
                .root_wait_data = m,
        };

        /* The init gets our 0, 1, 2, or in their place /dev/null (service mode) or pipes for
         * our terminal (run); never the monitor's log. */
        for (int fd = 0; fd < 3; fd++) {
                int from = m->init_stdio[fd] >= 0 ? m->init_stdio[fd] : m->stdio_fd;

                if (from >= 0) {
                        saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                        (void) dup2(from, fd);
                }
        }
        r = vps_launch(&l, &res, e);
        for (int fd = 0; fd < 3; fd++)
                if (saved[fd] >= 0) {
                        (void) dup2(saved[fd], fd);
                        close(saved[fd]);
                }
        if (r < 0)
                return r;
        m->init_pid = res.pid;
        m->init_pidfd = res.pidfd;
        r = runstate_write(m->h->vps_fd, RUN_INIT, m->init_pid);
        if (r < 0)
                vps_step_error_set(e, "write run/init.pid", r);
        return r;
}

/* vpsfs first, without waiting for its mount: the cgroup, the seccomp program, the clone
 * into the new namespaces and the id maps are all done while it comes up, and only the
 * init's mount namespace and root wait for it (vps_launch's root_wait). */
int monitor_up(struct monitor *m, struct vps_step_error *e) {
        const char *step;
        int r;

        step = "write run/monitor.pid";
        r = runstate_write(m->h->vps_fd, RUN_MONITOR, getpid());
        if (r < 0)
                goto fail;
        step = "open vps-init";
        m->init_bin_fd = init_binary_open();
        if (m->init_bin_fd < 0) {
                r = m->init_bin_fd;
                goto fail;
        }
        r = vpsfs_start(m->h, &m->vpsfs, &step);
        if (r < 0)
                goto fail;
        step = "write run/vpsfs.pid";
        r = runstate_write(m->h->vps_fd, RUN_VPSFS, m->vpsfs.pid);
        if (r < 0)
                goto fail;
        r = make_cgroup(m, &step);
        if (r < 0)
                goto fail;
        return launch_init(m, e);
fail:
        vps_step_error_set(e, step, r);
        return r;
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void handle_signals(struct monitor *m) {
        struct signalfd_siginfo si;

        while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
                m->stop_requests++;
                log_debug("%s: signal %u: stop request %u", m->h->name, si.ssi_signo, m->stop_requests);
                if (m->stop_requests == 1 && m->init_pidfd >= 0)
                        /* From the host, so init sees si_pid 0: "stop" (init-protocol.h). */
                        (void) pidfd_send_signal(m->init_pidfd, SIGTERM, NULL, 0);
                else if (m->cgfd >= 0)
                        (void) cgroup_kill(m->cgfd);
        }
}

/* Init ended with a reboot: everything of the old run goes, vpsfs and its mount stay. */
static int restart_init(struct monitor *m) {
        struct vps_step_error e = {};
        const char *step;
        int r;

        m->init_pidfd = safe_close(m->init_pidfd);
        r = make_cgroup(m, &step);
        if (r < 0) {
                vps_step_error_set(&e, step, r);
        } else {
                r = launch_init(m, &e);
        }
        if (r < 0)
                log_error_errno(r, "%s: cannot restart: %s: %m", m->h->name, e.step);
        else
                log_info("%s: rebooted, init is host PID %d", m->h->name, (int) m->init_pid);
        return r;
}

int monitor_loop(struct monitor *m) {
        uint64_t last_start = now_ms();
        unsigned burst = 0;
        int code = 255;

        for (;;) {
                struct pollfd p[3] = {
                        { .fd = m->init_pidfd, .events = POLLIN },
                        { .fd = m->vpsfs.pidfd, .events = POLLIN },
                        { .fd = m->sigfd, .events = POLLIN },
                };
                siginfo_t si = {};
                int wstatus;

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(negative_errno(), "%s: poll: %m", m->h->name);
                        return code;
                }
                if (p[2].revents)
                        handle_signals(m);
                if (p[1].revents) {
                        log_error("%s: vpsfs (PID %d) died: stopping the VPS", m->h->name, (int) m->vpsfs.pid);
                        return code;
                }
                if (!p[0].revents)
                        continue;
                if (waitid((idtype_t) P_PIDFD_COMPAT, (id_t) m->init_pidfd, &si, WEXITED) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(negative_errno(), "%s: waitid: %m", m->h->name);
                        return code;
                }
                wstatus = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : W_EXITCODE(0, si.si_status);
                code = vps_init_status_code(wstatus);
                log_debug("%s: init exited with status %d", m->h->name, code);
                if (vps_init_outcome(wstatus, m->workload) != VPS_INIT_OUTCOME_REBOOT || m->stop_requests)
                        return code;
                burst = now_ms() - last_start < REBOOT_MIN_INTERVAL_MS ? burst + 1 : 0;
                if (burst >= REBOOT_BURST_MAX) {
                        log_error("%s: rebooted %d times in a row within a second each: stopping", m->h->name,
                                  REBOOT_BURST_MAX);
                        return code;
                }
                last_start = now_ms();
                if (restart_init(m) < 0)
                        return code;
        }
}

int monitor_down(struct monitor *m) {
        int r;

        m->init_pidfd = safe_close(m->init_pidfd);
        m->cgfd = safe_close(m->cgfd);
        /* A vpsfs whose mount was never confirmed (the start failed before) goes first: left
         * running it could still mount after the teardown looked. */
        vpsfs_abort(&m->vpsfs);
        r = vps_teardown(m->h);
        /* vpsfs is our child: the teardown saw it exit (or killed it); reap it, but never
         * wait without end on one stuck in the kernel. */
        if (m->vpsfs.pidfd >= 0) {
                if (pidfd_wait_exit(m->vpsfs.pidfd, 0) <= 0)
                        (void) pidfd_send_signal(m->vpsfs.pidfd, SIGKILL, NULL, 0);
                if (pidfd_wait_exit(m->vpsfs.pidfd, TEARDOWN_VPSFS_TIMEOUT_MS) > 0)
                        (void) waitid((idtype_t) P_PIDFD_COMPAT, (id_t) m->vpsfs.pidfd, &(siginfo_t) {}, WEXITED);
                m->vpsfs.pidfd = safe_close(m->vpsfs.pidfd);
        }
        m->init_bin_fd = safe_close(m->init_bin_fd);
        m->sigfd = safe_close(m->sigfd);
        monitor_free(m);
        return r;
}

void monitor_free(struct monitor *m) {
        vps_config_free(m->config);
        idmap_free(m->idmap);
        m->config = NULL;
        m->idmap = NULL;
}
