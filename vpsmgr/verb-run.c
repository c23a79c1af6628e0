/* vpsmgr run NAME -- CMD...: start a stopped VPS with CMD as its workload (vps-init --run),
 * in the foreground: this process is the monitor, stdio passes through, and the exit status
 * is CMD's. The VPS is torn down when CMD ends (like lxc-execute). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/args.h"
#include "vpsmgr/control.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/state.h"

static int run_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_(vps_op_done) struct vps_op op = { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        struct vps_step_error e = {};
        struct monitor m;
        int dd, r, code;

        dd = args_find_dashdash(argc, argv);
        r = args_no_options("run", dd, argv);
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
        r = monitor_catch_signals(&m);
        if (r < 0)
                vps_step_error_set(&e, "block signals", r);
        else
                r = monitor_up(&m, &e);
        if (r < 0) {
                log_error_errno(r, "cannot start %s: %s: %m", op.h.name, e.step);
                (void) monitor_down(&m);
                return r;
        }
        /* Up: others may now stop it (through us, the recorded monitor) or exec into it. */
        op.lock_fd = safe_close(op.lock_fd);
        code = monitor_loop(&m);
        r = monitor_down(&m);
        if (r < 0)
                log_error("%s: not everything could be cleaned (see above)", op.h.name);
        return code;
}

const struct verb verb_run = {
        .name = "run",
        .summary = "run one command in a stopped VPS, then stop it",
        .usage =
                "Usage: vpsmgr run NAME -- CMD [ARG...]\n"
                "\n"
                "Starts the stopped VPS NAME with CMD as its only workload (vps-init --run),\n"
                "in the foreground: standard streams pass through, ctrl-C stops the VPS (twice:\n"
                "kills it). When CMD exits, the VPS is torn down and run exits with CMD's status\n"
                "(128+N if a signal N ended it).\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = run_run,
};
