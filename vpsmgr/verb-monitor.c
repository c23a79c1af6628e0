/* vpsmgr __monitor NAME FD: the monitor daemon that `vpsmgr start` execs (not for people;
 * left out of the verb list). Reports on FD, then watches the VPS until it ends. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/vpsdb.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/vps-open.h"

static void report(int fd, const struct vps_step_error *e) {
        if (fd >= 0)
                (void) !write(fd, e, sizeof(*e));
}

static int monitor_verb_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1, vps_fd = -1, report_fd = -1;
        struct vps_handle h = {};
        struct vps_step_error e = {};
        struct monitor m;
        int fd, r;

        if (argc != 3 || safe_atoi(argv[2], &fd) < 0 || fd < 3)
                return log_error_errno(-EINVAL, "usage: __monitor NAME FD (run by vpsmgr start)");
        report_fd = fd;
        r = vps_open(ctx, argv[1], &root_fd, &vps_fd);
        if (r >= 0)
                r = vps_handle_init(&h, ctx, argv[1], vps_fd);
        if (r < 0) {
                vps_step_error_set(&e, "open the VPS", r);
                report(report_fd, &e);
                return r;
        }
        r = monitor_load(&m, &h);
        if (r < 0) {
                vps_step_error_set(&e, "read config", r);
                report(report_fd, &e);
                monitor_free(&m);
                vps_handle_done(&h);
                return r;
        }
        /* init's stdio: /dev/null, so that no descriptor of the host's log reaches the VPS. */
        m.stdio_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        r = m.stdio_fd < 0 ? negative_errno() : monitor_catch_signals(&m);
        if (r < 0)
                vps_step_error_set(&e, "monitor set-up", r);
        else
                r = monitor_up(&m, &e);
        if (r < 0) {
                log_error_errno(r, "cannot start %s: %s: %m", h.name, e.step);
                (void) monitor_down(&m);
                /* Only now, with everything undone: start returns when we report. */
                report(report_fd, &e);
        } else {
                report(report_fd, &e);
                report_fd = safe_close(report_fd);
                log_info("%s: started, init is host PID %d", h.name, (int) m.init_pid);
                (void) monitor_loop(&m);
                r = monitor_down(&m);
                log_info("%s: stopped%s", h.name, r < 0 ? " (not everything could be cleaned)" : "");
        }
        safe_close(m.stdio_fd);
        vps_handle_done(&h);
        return r < 0 ? r : 0;
}

const struct verb verb_monitor = {
        .name = "__monitor",
        .summary = NULL,
        .usage = "Usage: vpsmgr __monitor NAME FD\n\nThe per-VPS monitor, started by 'vpsmgr start'.\n",
        .run = monitor_verb_run,
};
