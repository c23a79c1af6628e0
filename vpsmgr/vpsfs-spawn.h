/* Starting a VPS's vpsfs: BACKING = NAME/rootfs, MOUNTPOINT = NAME/mnt, the VPS's own
 * translation table, in the foreground as a child of the caller (the monitor), so that it
 * is never in the VPS's cgroup and its death is seen through its pidfd.
 *
 * Which vpsfs: $VPSFS if set (tests, a build tree), else "vpsfs" next to the running vpsmgr,
 * else the first on PATH. */
#pragma once

#include <sys/types.h>

struct vps_handle;

#define VPSFS_ENV "VPSFS"
#define VPSFS_READY_TIMEOUT_MS 10000

/* The vpsfs binary to run (allocated). -ENOENT if none is found. */
int vpsfs_find(char **ret_path);

/* A vpsfs started and perhaps not yet mounted. */
struct vpsfs_child {
        pid_t pid;
        int pidfd;                   /* our unreaped child's: signal and reap through it */
        int ready_fd;                /* its --ready-fd pipe until the mount is live, then -1 */
};

#define VPSFS_CHILD_NULL { .pid = 0, .pidfd = -1, .ready_fd = -1 }

/* Forks and execs vpsfs and returns at once, so that the caller can prepare the VPS while
 * the daemon mounts; vpsfs_wait_ready() then waits for the mount. On failure nothing is
 * left and *ret_step names what failed. */
int vpsfs_start(const struct vps_handle *h, struct vpsfs_child *ret, const char **ret_step);

/* Returns once the mount is live (the ready byte), with ready_fd closed. On failure (vpsfs
 * exited, or no byte within VPSFS_READY_TIMEOUT_MS) it has been killed and reaped, its
 * pidfd is closed and *ret_step names what failed; the caller still unmounts whatever it
 * may have mounted (teardown). */
int vpsfs_wait_ready(struct vpsfs_child *c, const char **ret_step);

/* For a caller giving up before the mount is confirmed: kills and reaps vpsfs if it was
 * started and not yet confirmed ready. A no-op otherwise. */
void vpsfs_abort(struct vpsfs_child *c);
