/* vpsmgr run NAME -- CMD...: start a stopped VPS with CMD as its workload (vps-init --run),
 * in the foreground: this process is the monitor, stdio passes through, and the exit status
 * is CMD's. The VPS is torn down when CMD ends (like lxc-execute). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/args.h"
#include "vpsmgr/control.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/state.h"
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

static int run_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_(vps_op_done) struct vps_op op = { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        struct vps_step_error e = {};
        const char *user = NULL;
        struct vps_user u;
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
        if (user) {
                r = lookup_user(&op.h, user, &u);
                if (r < 0) {
                        monitor_free(&m);
                        return r;
                }
                m.workload_user = &u;
                /* On the host, from the list: vps-init reads no file, it gets --vsu. */
                r = vsu_identity_for(op.h.vps_fd, u.uid, &m.workload_vsu);
                if (r < 0) {
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
                "Usage: vpsmgr run NAME [--user USER] -- CMD [ARG...]\n"
                "\n"
                "Starts the stopped VPS NAME with CMD as its only workload (vps-init --run),\n"
                "in the foreground: standard streams pass through, ctrl-C stops the VPS (twice:\n"
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
