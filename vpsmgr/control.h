/* What the lifecycle verbs (start, stop, restart, run, destroy --force) share: opening a VPS
 * under its lock, and the stop and start procedures themselves. */
#pragma once

#include <stdbool.h>

#include "vpsmgr/handle.h"
#include "vpsmgr/verbs.h"

#define STOP_TIMEOUT_DEFAULT_SEC 10u
#define STOP_TIMEOUT_MAX_SEC 3600u
/* How long a SIGKILLed monitor may take to be gone. */
#define MONITOR_KILL_WAIT_MS 500

/* One VPS opened for a lifecycle verb, its lock held until vps_op_done(). */
struct vps_op {
        int root_fd;
        int vps_fd;
        int lock_fd;
        struct vps_handle h;
};

/* The tail of "VERB [OPTIONS] NAME" (see vps_open_from_args), then the VPS's lock (waiting
 * for another vpsmgr working on the same VPS) and its handle. Logs and returns -errno. */
int vps_op_begin(struct vps_op *op, const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv);
void vps_op_done(struct vps_op *op);

/* A pidfd of the VPS's live monitor, or -ESRCH / -ENOENT. */
int vps_monitor_pidfd(const struct vps_handle *h, int *ret_pidfd);

/* Whether anything of the VPS is there to stop: a live monitor, a live init, processes in
 * its cgroup, or its mount. */
int vps_has_anything(const struct vps_handle *h, bool *ret);

/* For start and run: logs "NAME: already running" and returns -EBUSY if the VPS runs. */
int vps_refuse_running(const struct vps_handle *h);

/* Stops the VPS (caller holds the lock): SIGTERM through the monitor (or straight to init
 * if the monitor is gone), up to timeout_ms for the orderly shutdown, then the monitor is
 * killed and vps_teardown() finishes. Ends within timeout_ms + about 2 s. Logs what could
 * not be cleaned. */
int vps_stop(const struct vps_handle *h, unsigned timeout_ms);

/* Starts the VPS (caller holds the lock and has checked that it is stopped): the monitor
 * daemon, then its report. Logs "cannot start NAME: STEP: ERROR" on failure. */
int vps_start(const struct vpsmgr_context *ctx, const struct vps_handle *h);
