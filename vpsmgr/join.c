/* Joining a running VPS for exec/enter (the seed's "modified loader"): cgroup first, while
 * we are still host root in the host's namespaces, then all namespaces of its init at once. */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/policy.h"
#include "vpsmgr/vsu-caps.h"

int vps_join(int init_pidfd, int cgroup_fd, struct vps_step_error *ret_error) {
        int r;

        if (init_pidfd < 0) {
                vps_step_error_set(ret_error, "check arguments", -EINVAL);
                return -EINVAL;
        }

        /* The seccomp program for vps_become(), compiled while we can still allocate freely
         * and read libseccomp's tables. */
        r = policy_prepare();
        if (r < 0) {
                vps_step_error_set(ret_error, "seccomp", r);
                return r;
        }

        /* After setns into the VPS's user namespace we hold capabilities only there, and the
         * host's cgroup files are no longer ours to write: move first. */
        if (cgroup_fd >= 0) {
                _cleanup_close_ int fd = -1;

                fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, "0", 1) != 1) {
                        r = negative_errno();
                        vps_step_error_set(ret_error, "enter cgroup", r);
                        return r;
                }
        }

        /* One call for every namespace (pidfd setns, Linux 5.8): the kernel installs all or
         * none, and orders the user namespace first. The init's network namespace is the
         * host's when the VPS has no private one; joining it again is harmless. */
        if (setns(init_pidfd, NS_VPS_FLAGS | CLONE_NEWNET) < 0) {
                r = negative_errno();
                vps_step_error_set(ret_error, "setns", r);
                return r;
        }
        return 0;
}

int vps_become(const struct vps_identity *id, struct vps_step_error *ret_error) {
        bool vsu = id->vsu && id->uid != 0;
        const char *step;
        int r;

        /* Normally done by vps_join() in our parent already; a no-op then. */
        step = "seccomp";
        r = policy_prepare();
        if (r < 0)
                goto fail;

        /* The policy needs CAP_SETPCAP and CAP_SYS_ADMIN: apply it while still the
         * namespace's root (setns gave us its full set). */
        r = policy_apply(&step);
        if (r < 0)
                goto fail;

        step = "chdir /";
        if (chdir("/") < 0)
                goto fail_errno;

        /* setns left us with host root's uid, which the VPS does not map; the kernel drops
         * capabilities on a uid change only when leaving the namespace's root. So become
         * its root first: then a change to a plain user really ends with no capability. */
        step = "setresgid";
        if (setresgid(0, 0, 0) < 0)
                goto fail_errno;
        step = "setresuid";
        if (setresuid(0, 0, 0) < 0)
                goto fail_errno;
        step = "setgroups";
        if (setgroups(id->n_groups, id->groups) < 0)
                goto fail_errno;
        step = "setresgid";
        if (setresgid(id->gid, id->gid, id->gid) < 0)
                goto fail_errno;
        /* A VSU-list user keeps its permitted set across the uid change (KEEPCAPS), then
         * narrows it to the VSU set and raises that as ambient. */
        step = "keep capabilities";
        if (vsu && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                goto fail_errno;
        step = "setresuid";
        if (setresuid(id->uid, id->uid, id->uid) < 0)
                goto fail_errno;
        if (vsu) {
                step = "VSU capabilities";
                r = vsu_caps_apply();
                if (r < 0)
                        goto fail;
        }
        return 0;

fail_errno:
        r = negative_errno();
fail:
        vps_step_error_set(ret_error, step, r);
        return r;
}
