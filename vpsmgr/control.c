/* Opening a VPS under its lock, and telling whether anything of it runs. */
#include <errno.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/vpsdb.h"
#include "vpsmgr/control.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/state.h"
#include "vpsmgr/vps-open.h"

int vps_op_begin(struct vps_op *op, const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv) {
        const char *name;
        int r;

        *op = (struct vps_op) { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        r = vps_open_from_args(ctx, verb, argc, argv, &name, &op->root_fd, &op->vps_fd);
        if (r < 0)
                return r;
        op->lock_fd = vpsdb_lock_vps(op->vps_fd, true);
        if (op->lock_fd == -ENOENT) {
                log_error("%s: no such VPS", name);
                return -ENOENT;
        }
        if (op->lock_fd < 0)
                return log_error_errno(op->lock_fd, "%s: cannot take its lock: %m", name);
        r = vps_handle_init(&op->h, ctx, name, op->vps_fd);
        if (r < 0)
                return log_error_errno(r, "%s: cannot find its paths or cgroup: %m", name);
        return 0;
}

void vps_op_done(struct vps_op *op) {
        vps_handle_done(&op->h);
        op->lock_fd = safe_close(op->lock_fd);
        op->vps_fd = safe_close(op->vps_fd);
        op->root_fd = safe_close(op->root_fd);
}

int vps_monitor_pidfd(const struct vps_handle *h, int *ret_pidfd) {
        return runstate_pidfd(h->vps_fd, RUN_MONITOR, NULL, h->name, ret_pidfd, NULL);
}

int vps_has_anything(const struct vps_handle *h, bool *ret) {
        _cleanup_close_ int pidfd = -1;
        bool running;
        int r;

        if (vps_monitor_pidfd(h, &pidfd) >= 0) {
                *ret = true;
                return 0;
        }
        r = vps_is_running(h->cgroup_parent, h->vps_fd, h->name, &running);
        if (r < 0)
                return r;
        *ret = running;
        return 0;
}

int vps_refuse_running(const struct vps_handle *h) {
        bool running;
        int r;

        r = vps_is_running(h->cgroup_parent, h->vps_fd, h->name, &running);
        if (r < 0)
                return log_error_errno(r, "%s: cannot tell whether it runs: %m", h->name);
        if (running) {
                log_error("%s: already running", h->name);
                return -EBUSY;
        }
        return 0;
}
