/* vpsmgr stop / restart: the orderly shutdown through init, bounded by a timeout after which
 * the cgroup is killed, then the teardown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <time.h>

#include "common/cgroup.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/args.h"
#include "vpsmgr/control.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/teardown.h"

/* Through the monitor: it passes SIGTERM to init and tears down once init has exited. */
static int stop_through_monitor(const struct vps_handle *h, int monitor_pidfd, unsigned timeout_ms) {
        if (pidfd_send_signal(monitor_pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
                return log_error_errno(negative_errno(), "%s: cannot signal its monitor: %m", h->name);
        if (pidfd_wait_exit(monitor_pidfd, (int) timeout_ms) > 0)
                return 0;
        /* Too slow: from here on we finish the job, and the monitor must not restart
         * anything behind our back. */
        log_debug("%s: not stopped within %u ms: killing it", h->name, timeout_ms);
        (void) pidfd_send_signal(monitor_pidfd, SIGKILL, NULL, 0);
        (void) pidfd_wait_exit(monitor_pidfd, MONITOR_KILL_WAIT_MS);
        return 0;
}

/* The monitor is gone (killed, crashed): SIGTERM to init ourselves and wait for the cgroup
 * to empty. */
static void stop_without_monitor(const struct vps_handle *h, unsigned timeout_ms) {
        _cleanup_close_ int init_pidfd = -1, cgfd = -1;

        if (runstate_pidfd(h->vps_fd, RUN_INIT, h->cgroup_parent, h->name, &init_pidfd, NULL) < 0)
                return;
        (void) pidfd_send_signal(init_pidfd, SIGTERM, NULL, 0);
        if (vps_handle_cgroup(h, &cgfd) >= 0)
                (void) cgroup_wait_empty(cgfd, (int) timeout_ms);
        else
                (void) pidfd_wait_exit(init_pidfd, (int) timeout_ms);
}

int vps_stop(const struct vps_handle *h, unsigned timeout_ms) {
        _cleanup_close_ int monitor_pidfd = -1;
        int r;

        if (vps_monitor_pidfd(h, &monitor_pidfd) >= 0)
                r = stop_through_monitor(h, monitor_pidfd, timeout_ms);
        else {
                stop_without_monitor(h, timeout_ms);
                r = 0;
        }
        if (r < 0)
                return r;
        /* Whatever the monitor did or did not finish. */
        return vps_teardown(h);
}

static int parse_timeout(const char *verb, int argc, char **argv, unsigned *ret_ms) {
        static const struct option options[] = {
                { "timeout", required_argument, NULL, 't' },
                {},
        };
        uint32_t sec = STOP_TIMEOUT_DEFAULT_SEC;
        int c, r;

        args_reset();
        while ((c = args_next(verb, argc, argv, "t:", options)) != -1) {
                if (c != 't')
                        return c < 0 ? c : -EINVAL;
                r = args_uint32(verb, "--timeout", optarg, 0, STOP_TIMEOUT_MAX_SEC, &sec);
                if (r < 0)
                        return r;
        }
        *ret_ms = sec * 1000;
        return 0;
}

static int stop_or_restart(const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv) {
        _cleanup_(vps_op_done) struct vps_op op = { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        unsigned timeout_ms;
        bool anything;
        int r;

        r = parse_timeout(verb, argc, argv, &timeout_ms);
        if (r >= 0)
                r = vps_op_begin(&op, ctx, verb, argc, argv);
        if (r < 0)
                return r;
        r = vps_has_anything(&op.h, &anything);
        if (r < 0)
                return log_error_errno(r, "%s: cannot tell whether it runs: %m", op.h.name);
        if (anything) {
                r = vps_stop(&op.h, timeout_ms);
                if (r < 0)
                        return log_error_errno(r, "%s: stopped, but not everything could be cleaned (see above)",
                                               op.h.name);
        } else if (verb[0] == 's') {
                log_error("%s: not running", op.h.name);
                return -ESRCH;
        }
        if (verb[0] == 'r')
                return vps_start(ctx, &op.h);
        return 0;
}

static int stop_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        return stop_or_restart(ctx, "stop", argc, argv);
}

static int restart_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        return stop_or_restart(ctx, "restart", argc, argv);
}

const struct verb verb_stop = {
        .name = "stop",
        .summary = "stop a running VPS",
        .usage =
                "Usage: vpsmgr stop NAME [--timeout SEC]\n"
                "\n"
                "Asks the VPS's init to shut down in order (SIGTERM to every process, SIGKILL\n"
                "to what is left after its grace time), then removes its cgroup, unmounts its\n"
                "vpsfs and ends the daemon. After SEC seconds (default 10) every process left\n"
                "is killed (cgroup.kill) and the rest cleaned by vpsmgr itself: stop ends within\n"
                "SEC + about 2 seconds, and says what it could not clean. Also cleans up after\n"
                "a killed monitor or vpsfs.\n"
                "\n"
                "Options:\n"
                "  -t, --timeout SEC  how long the orderly shutdown may take (0..3600)\n"
                "  -h, --help         this text\n"
                "\n"
                "Needs root.\n",
        .run = stop_run,
};

const struct verb verb_restart = {
        .name = "restart",
        .summary = "stop (if running) and start a VPS",
        .usage =
                "Usage: vpsmgr restart NAME [--timeout SEC]\n"
                "\n"
                "vpsmgr stop NAME (if it runs), then vpsmgr start NAME, holding the VPS's lock\n"
                "throughout.\n"
                "\n"
                "Options:\n"
                "  -t, --timeout SEC  as for stop\n"
                "  -h, --help         this text\n"
                "\n"
                "Needs root.\n",
        .run = restart_run,
};
