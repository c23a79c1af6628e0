/* The one way a VPS goes from running (or half-started, or abandoned by a crashed monitor)
 * to stopped. Used by the monitor when init ends, by `run`, by `stop` when the monitor is
 * gone or too slow, and by `destroy --force`.
 *
 * Idempotent and bounded: each step is done only if needed, each wait has a timeout, and a
 * step that fails does not stop the later ones. In order:
 *   1. cgroup.kill on the VPS's cgroup, wait until empty, remove it (and its sub-cgroups);
 *   2. unmount NAME/mnt (lazily if busy or if the FUSE daemon is dead);
 *   3. end vpsfs: recorded in run/vpsfs.pid, verified by start time through a pidfd; it
 *      exits by itself once its mount is gone, else SIGTERM, then SIGKILL;
 *   4. remove run/init.pid, run/vpsfs.pid and run/monitor.pid.
 * The monitor is not touched: whoever calls this while a monitor lives stops it first. */
#pragma once

struct vps_handle;

#define TEARDOWN_KILL_TIMEOUT_MS 2000
#define TEARDOWN_VPSFS_TIMEOUT_MS 1000

/* Returns 0 if nothing is left, else the first error, each problem having been logged as
 * one line saying what could not be cleaned. */
int vps_teardown(const struct vps_handle *h);

/* Step 1 alone: kills the VPS's processes, waits until its cgroup is empty and removes it
 * (and the cgroup parent once it is empty). 0 if there was none. */
int vps_teardown_cgroup(const struct vps_handle *h);
