/* Starting a VPS's init: one clone3 into new user, PID, UTS, IPC, cgroup (and network)
 * namespaces, the id maps from the translation table, a mount namespace of its own once its
 * root is there (unshare in the child), the VPS's mounts, hostname, loopback
 * and privilege policy, then exec of the init through a descriptor. Joining a running VPS
 * (for exec/enter) is here too, so that both paths apply the same policy. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct idmap;

/* Everything is decided before anything is done (the bubblewrap habit). */
struct vps_launch {
        const char *name;            /* for messages */
        const char *root;            /* host directory that becomes / (the vpsfs mount) */
        const struct idmap *idmap;   /* must map vuid 0 and vgid 0 */
        const char *hostname;        /* NULL: the name */
        int init_fd;                 /* the static init binary, O_PATH or O_RDONLY, O_CLOEXEC;
                                      * exec'd as is, never looked up in the VPS. The init
                                      * gets the caller's fds 0, 1, 2 and no other. */
        char *const *init_argv;      /* argv[0] required */
        char *const *init_envp;      /* NULL: empty environment */
        int cgroup_fd;               /* the VPS's cgroup2 directory, or -1 to stay in ours */
        bool private_network;        /* own network namespace with only lo, up */
        unsigned timeout_ms;         /* from clone to exec; 0: VPS_LAUNCH_TIMEOUT_MS */
        /* NULL: root is ready. Else called once the child exists in its new namespaces (its
         * maps written) and before it makes its mount namespace and binds root: root may still
         * be coming up (vpsfs mounting) meanwhile. < 0 fails the launch with *ret_step (the
         * child is killed). */
        int (*root_wait)(void *userdata, const char **ret_step);
        void *root_wait_data;
};

struct vps_launch_result {
        pid_t pid;                   /* host PID of the init */
        int pidfd;                   /* owned by the caller (O_CLOEXEC): signal and reap
                                      * through it */
};

/* Which step failed and why, so the caller can print one precise line:
 *     cannot start web1: pivot_root: Invalid argument
 * i.e. "cannot start %s: %s: %s", name, e.step, strerror(e.error). */
struct vps_step_error {
        char step[64];
        int error;                   /* positive errno */
};

/* How long the child may take from clone to exec before it is given up as hung (a root on
 * a vpsfs that does not answer): it is then killed and the step is "wait for init". */
#define VPS_LAUNCH_TIMEOUT_MS 30000

/* Starts the init. Returns once it has been exec'd (or failed): 0 with *ret filled, or -errno
 * with *ret_error (if not NULL) naming the step. On failure the child has been killed and
 * reaped, and its mount namespace, with every mount made so far, has died with it; the
 * cgroup stays the caller's. The caller must not reap unknown children with wait(-1)
 * concurrently. */
int vps_launch(const struct vps_launch *l, struct vps_launch_result *ret,
               struct vps_step_error *ret_error);

/* Moves the calling process into the cgroup behind cgroup_fd (if >= 0) and then into every
 * namespace of the process behind init_pidfd (one setns call, so all or none). The caller
 * must be single-threaded (the kernel's rule for joining a user namespace) and must fork
 * afterwards: only its children are inside the VPS's PID namespace. Host root only. */
int vps_join(int init_pidfd, int cgroup_fd, struct vps_step_error *ret_error);

/* Who a joined process becomes, as the VPS's own /etc/passwd and /etc/group say. */
struct vps_identity {
        uid_t uid;                   /* virtual uid */
        gid_t gid;                   /* virtual primary gid */
        const gid_t *groups;         /* virtual supplementary groups */
        size_t n_groups;
        bool vsu;                    /* on the VPS's VSU list (vsu_identity_for()): keeps
                                      * uid but gets the VSU capability set (vsu-caps.c) as
                                      * ambient capabilities. Meaningless for uid 0, which
                                      * keeps root's powers anyway. */
};

/* In the child forked after vps_join: applies the VPS's privilege policy (bounding set),
 * changes to /, becomes the namespace's root (setns leaves host root's unmapped uid, from
 * which the kernel would not drop capabilities on a uid change), then takes the identity:
 * groups, gid, uid. A non-root uid so ends with no capabilities, or with exactly the VSU
 * set (ambient, so that it survives execve) if id->vsu; uid 0 keeps the VPS's root powers
 * minus the bounding set. Returns 0 or -errno with the step. */
int vps_become(const struct vps_identity *id, struct vps_step_error *ret_error);

/* Fills e (if not NULL) with step and -r. */
void vps_step_error_set(struct vps_step_error *e, const char *step, int r);
