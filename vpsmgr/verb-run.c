/* vpsmgr run NAME -- CMD...: start a stopped VPS with CMD as its workload (vps-init --run),
 * in the foreground: this process is the monitor, stdio passes through, and the exit status
 * is CMD's. The VPS is torn down when CMD ends (like lxc-execute). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/args.h"
#include "vpsmgr/control.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/state.h"
#include "vpsmgr/stdio-relay.h"
#include "vpsmgr/vsu-caps.h"

static int parse_user(int argc, char **argv, const char **ret_user) {
        static const struct option options[] = {
                { "user", required_argument, NULL, 'u' },
                {},
        };
        int c;

        args_reset();
        while ((c = args_next("run", argc, argv, "u:", options)) != -1) {
                if (c != 'u')
                        return c < 0 ? c : -EINVAL;
                *ret_user = optarg;
        }
        return 0;
}

/* From the host, in the backing store: vps-init reads no file, it gets numbers. */
static int lookup_user(const struct vps_handle *h, const char *user, struct vps_user *ret) {
        _cleanup_close_ int rootfd = -1;
        int r;

        rootfd = openat(h->vps_fd, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfd < 0)
                return log_error_errno(negative_errno(), "%s: cannot open rootfs/: %m", h->name);
        r = passwd_lookup_below(rootfd, user, ret);
        if (r == -ESRCH || r == -EINVAL)
                return log_error_errno(r, "%s: no such user '%s'", h->name, user);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its /etc/passwd: %m", h->name);
        return 0;
}

/* Our terminal never enters the VPS: each of 0, 1, 2 that is one becomes a pipe for init
 * (and so the workload), relayed by a process of ours on the host that holds the terminal. */
struct run_relay {
        int init_ends[3];        /* for monitor.init_stdio; -1: passed through */
        int our_ends[3];         /* the relay's */
        int done;                /* the write end of a pipe: closing it ends the relay */
        pid_t pid;
};

static void run_relay_close(struct run_relay *rl) {
        for (int i = 0; i < 3; i++) {
                rl->init_ends[i] = safe_close(rl->init_ends[i]);
                rl->our_ends[i] = safe_close(rl->our_ends[i]);
        }
        rl->done = safe_close(rl->done);
}

static int run_relay_pipes(struct run_relay *rl) {
        int p[2];

        *rl = (struct run_relay) { .init_ends = { -1, -1, -1 }, .our_ends = { -1, -1, -1 }, .done = -1 };
        for (int i = 0; i < 3; i++) {
                if (!isatty(i))
                        continue;
                if (pipe2(p, O_CLOEXEC) < 0) {
                        run_relay_close(rl);
                        return negative_errno();
                }
                rl->init_ends[i] = p[i == 0 ? 0 : 1];
                rl->our_ends[i] = p[i == 0 ? 1 : 0];
        }
        return 0;
}

/* Closes every descriptor from 3 up but the n in keep. */
static void close_all_but(int *keep, size_t n) {
        unsigned lo = 3;

        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
                        int t = keep[j];

                        keep[j] = keep[j - 1];
                        keep[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < 0 || (unsigned) keep[i] < lo)
                        continue;
                if ((unsigned) keep[i] > lo)
                        (void) close_range(lo, (unsigned) keep[i] - 1, 0);
                lo = (unsigned) keep[i] + 1;
        }
        (void) close_range(lo, ~0U, 0);
}

/* Forks the relay, once init has its ends. It holds only the terminal, its pipe ends and
 * the done pipe (no lock, no state fd of ours), ignores the terminal's signals (the
 * monitor handles them), and copies until `done` is closed, then drains and exits. */
static int run_relay_start(struct run_relay *rl) {
        int done[2];
        pid_t pid;

        if (rl->our_ends[0] < 0 && rl->our_ends[1] < 0 && rl->our_ends[2] < 0)
                return 0;
        if (pipe2(done, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                close(done[0]);
                close(done[1]);
                return negative_errno();
        }
        if (pid == 0) {
                int keep[4] = { rl->our_ends[0], rl->our_ends[1], rl->our_ends[2], done[0] };

                close_all_but(keep, ELEMENTSOF(keep));
                _exit(stdio_relay(rl->our_ends, done[0]) < 0 ? 1 : 0);
        }
        close(done[0]);
        rl->done = done[1];
        rl->pid = pid;
        /* Only the relay keeps these: with ours open, the workload would see no EOF. */
        for (int i = 0; i < 3; i++)
                rl->our_ends[i] = safe_close(rl->our_ends[i]);
        return 0;
}

/* After the teardown: nothing of the VPS is left to write; the relay drains and goes. */
static void run_relay_stop(struct run_relay *rl) {
        run_relay_close(rl);
        if (rl->pid > 0)
                while (waitpid(rl->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        rl->pid = 0;
}

static int run_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_(vps_op_done) struct vps_op op = { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        struct vps_step_error e = {};
        const char *user = NULL;
        struct vps_user u;
        struct run_relay rl = { .init_ends = { -1, -1, -1 }, .our_ends = { -1, -1, -1 }, .done = -1 };
        struct monitor m;
        int dd, r, code;

        dd = args_find_dashdash(argc, argv);
        r = parse_user(dd, argv, &user);
        if (r >= 0)
                r = vps_op_begin(&op, ctx, "run", dd, argv);
        if (r < 0)
                return r;
        if (dd >= argc - 1) {
                log_error("run: missing -- CMD");
                return -EINVAL;
        }
        r = vps_refuse_running(&op.h);
        if (r < 0)
                return r;
        r = monitor_load(&m, &op.h);
        if (r < 0) {
                monitor_free(&m);
                return r;
        }
        m.workload = argv + dd + 1;
        r = run_relay_pipes(&rl);
        if (r < 0) {
                monitor_free(&m);
                return log_error_errno(r, "%s: cannot make pipes for the terminal: %m", op.h.name);
        }
        memcpy(m.init_stdio, rl.init_ends, sizeof(m.init_stdio));
        if (user) {
                r = lookup_user(&op.h, user, &u);
                if (r < 0) {
                        run_relay_close(&rl);
                        monitor_free(&m);
                        return r;
                }
                m.workload_user = &u;
                /* On the host, from the list: vps-init reads no file, it gets --vsu. */
                r = vsu_identity_for(op.h.vps_fd, u.uid, &m.workload_vsu);
                if (r < 0) {
                        run_relay_close(&rl);
                        monitor_free(&m);
                        return log_error_errno(r, "%s: cannot read its VSU list: %m", op.h.name);
                }
        }
        r = monitor_catch_signals(&m);
        if (r < 0)
                vps_step_error_set(&e, "block signals", r);
        else
                r = monitor_up(&m, &e);
        if (r < 0) {
                log_error_errno(r, "cannot start %s: %s: %m", op.h.name, e.step);
                (void) monitor_down(&m);
                run_relay_close(&rl);
                return r;
        }
        /* Up: others may now stop it (through us, the recorded monitor) or exec into it. */
        op.lock_fd = safe_close(op.lock_fd);
        r = run_relay_start(&rl);
        if (r < 0)
                log_warning_errno(r, "%s: no terminal relay: %m", op.h.name);
        code = monitor_loop(&m);
        r = monitor_down(&m);
        run_relay_stop(&rl);
        if (r < 0)
                log_error("%s: not everything could be cleaned (see above)", op.h.name);
        return code;
}

const struct verb verb_run = {
        .name = "run",
        .summary = "run one command in a stopped VPS, then stop it",
        .usage =
                "Usage: vpsmgr run NAME [--user USER] -- CMD [ARG...]\n"
                "\n"
                "Starts the stopped VPS NAME with CMD as its only workload (vps-init --run),\n"
                "in the foreground: standard streams that are files or pipes pass through; one\n"
                "that is a terminal does not enter the VPS: CMD gets a pipe, relayed to and from\n"
                "the terminal (in its usual mode) while the VPS runs. Ctrl-C stops the VPS (twice:\n"
                "kills it). When CMD exits, the VPS is torn down and run exits with CMD's status\n"
                "(128+N if a signal N ended it).\n"
                "\n"
                "Options:\n"
                "  -u, --user USER  run CMD as USER (name or number) of the VPS's /etc/passwd,\n"
                "                   with its groups from /etc/group, HOME, USER and SHELL;\n"
                "                   a USER on the VSU list gets the VSU capabilities\n"
                "  -h, --help       this text\n"
                "\n"
                "Needs root.\n",
        .run = run_run,
};
