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

/* Starts vpsfs and returns once its mount is live (--ready-fd). On failure the child has
 * been killed and reaped and *ret_step names what failed. */
int vpsfs_spawn(const struct vps_handle *h, pid_t *ret_pid, int *ret_pidfd, const char **ret_step);
