/* The processes of a running VPS as the host can safely signal them: each held by a pidfd,
 * with what /proc said about it (PID inside, real uid and gid) known to be about that very
 * process, and its membership of the VPS (the VPID table, its cgroup) checked after the pidfd
 * was taken, so that a PID reused by a host process in between is never one of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vps_proc {
        pid_t pid;       /* host PID */
        int pidfd;
        pid_t vpid;      /* PID in the VPS's PID namespace (1: its init), 0 if in none */
        uint32_t uid;    /* real uid and gid, as the host sees them (alternative IDs) */
        uint32_t gid;
};

struct vps_procs {
        size_t n;
        struct vps_proc *procs;
};

/* Every process of the VPS name whose cgroup is cgfd (sub-cgroups included), alive when it
 * was looked at. cgroup_parent is the parent cgroup of the VPS cgroups, for the membership
 * check. */
int vps_procs_collect(int cgfd, const char *cgroup_parent, const char *name, struct vps_procs *ret);
void vps_procs_done(struct vps_procs *p);

/* The NSpid, Uid and Gid lines of a /proc/PID/status text: the PID one level below ours
 * (the VPS's namespace when the process is in one, whatever it nested below), 0 if none. */
int proc_status_parse(const char *status, pid_t *ret_vpid, uint32_t *ret_uid, uint32_t *ret_gid);
