/* What state a VPS is in, read from the kernel rather than from files that a crash could leave
 * stale: its cgroup (populated or not: the VPID table) and its vpsfs mount point.
 *
 * Running rule: a VPS is running while its cgroup <cgroup2>/<parent>/NAME holds a process
 * or NAME/mnt is a mount point (vpsfs, possibly left by a crashed start). Either needs
 * stop (or destroy --force) before the state can go. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vps_runtime {
        char *cgroup_path;   /* <cgroup2>/<parent>/NAME, whether it exists or not; NULL
                              * without a cgroup2 mount */
        bool cgroup_exists;
        bool populated;      /* a process is in the cgroup or below */
        bool mounted;        /* NAME/mnt is a mount point */
        size_t n_processes;
        pid_t init_pid;      /* from run/init.pid, if that names a live process of the VPS;
                              * else 0 */
        int64_t uptime;      /* seconds since the init started, or -1 */
};

/* Fills *ret for the VPS name whose directory is vps_fd. */
int vps_runtime_probe(const char *cgroup_parent, int vps_fd, const char *name, struct vps_runtime *ret);
void vps_runtime_done(struct vps_runtime *rt);

static inline bool vps_runtime_is_running(const struct vps_runtime *rt) {
        return rt->populated || rt->mounted;
}

/* The running rule above, for one VPS. */
int vps_is_running(const char *cgroup_parent, int vps_fd, const char *name, bool *ret_running);

/* Whether dirfd/name is a mount point (bind mounts included). A FUSE mount whose daemon
 * died (ENOTCONN) counts as mounted. */
int mount_point_at(int dirfd, const char *name, bool *ret);

/* /proc/PID/LEAF, size-capped; -ESRCH if there is no such process. */
int proc_read(pid_t pid, const char *leaf, char **ret_text);
/* The start time of process pid in clock ticks since boot (/proc/PID/stat field 22): with
 * the pid, it names one process for good, whatever pid reuse happens later. */
int proc_starttime(pid_t pid, uint64_t *ret_ticks);
/* Seconds since process pid started, from /proc/PID/stat and /proc/uptime. */
int proc_uptime(pid_t pid, int64_t *ret_seconds);
/* The last field of NSpid in /proc/PID/status: its PID in its own PID namespace. */
int proc_pid_inside(pid_t pid, pid_t *ret);
