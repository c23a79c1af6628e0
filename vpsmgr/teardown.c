/* vps_teardown: processes, cgroup, mount, vpsfs, run files — in that order, because the
 * processes may hold the mount and vpsfs serves it until it is gone. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/state.h"
#include "vpsmgr/teardown.h"

#define UNMOUNT_MAX 16 /* mounts stacked on mnt/ we are willing to peel off */

int vps_teardown_cgroup(const struct vps_handle *h) {
        _cleanup_close_ int cgfd = -1;
        int r;

        r = vps_handle_cgroup(h, &cgfd);
        if (r == -ENOENT || r == -ENOMEDIUM)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot open its cgroup: %m", h->name);
        r = cgroup_kill(cgfd);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "%s: cgroup.kill: %m", h->name);
        r = cgroup_wait_empty(cgfd, TEARDOWN_KILL_TIMEOUT_MS);
        if (r < 0)
                return log_error_errno(r, "%s: could not clean: processes left in %s/%s/%s: %m", h->name,
                                       h->cg_root, h->cgroup_parent, h->name);
        r = cgroup_remove(h->cg_root, h->cgroup_parent, h->name);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "%s: could not clean: cannot remove its cgroup: %m", h->name);
        /* The last VPS to go takes the parent with it, so that nothing of vps stays in the
         * host's hierarchy; while others run it is busy, and a start racing us recreates it
         * (cgroup_create). */
        r = cgroup_remove_parent(h->cg_root, h->cgroup_parent);
        if (r < 0 && r != -EBUSY && r != -ENOTEMPTY && r != -ENOENT)
                log_debug_errno(r, "%s: cannot remove the cgroup parent '%s': %m", h->name, h->cgroup_parent);
        return 0;
}

static int teardown_mount(const struct vps_handle *h) {
        char path[64];
        bool mounted;
        int r;

        /* Through our fd of NAME: no symlink in the state directory is followed. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d/mnt", h->vps_fd);
        for (int i = 0; i < UNMOUNT_MAX; i++) {
                r = mount_point_at(h->vps_fd, "mnt", &mounted);
                if (r == -ENOENT || (r >= 0 && !mounted))
                        return 0;
                if (r < 0)
                        return log_error_errno(r, "%s: could not clean: cannot check mnt/: %m", h->name);
                /* A clean unmount first: the FUSE daemon then gets its DESTROY and exits.
                 * Busy (a process of the host has a file open there) or a dead daemon: detach. */
                if (umount2(path, UMOUNT_NOFOLLOW) < 0 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        return log_error_errno(negative_errno(), "%s: could not clean: cannot unmount mnt/: %m",
                                               h->name);
        }
        return log_error_errno(-EBUSY, "%s: could not clean: still mounted after %d unmounts", h->name,
                               UNMOUNT_MAX);
}

static int teardown_vpsfs(const struct vps_handle *h) {
        _cleanup_close_ int pidfd = -1;
        pid_t pid;
        int r;

        r = runstate_pidfd(h->vps_fd, RUN_VPSFS, NULL, h->name, &pidfd, &pid);
        if (r == -ENOENT || r == -ESRCH)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read run/vpsfs.pid: %m", h->name);
        /* With its mount gone it ends by itself; give it a moment before insisting. */
        if (pidfd_wait_exit(pidfd, TEARDOWN_VPSFS_TIMEOUT_MS / 2) > 0)
                return 0;
        r = pidfd_terminate(pidfd, TEARDOWN_VPSFS_TIMEOUT_MS / 2, TEARDOWN_VPSFS_TIMEOUT_MS);
        if (r < 0)
                return log_error_errno(r, "%s: could not clean: vpsfs (PID %d) does not exit: %m", h->name,
                                       (int) pid);
        return 0;
}

int vps_teardown(const struct vps_handle *h) {
        int r, ret = 0;

        r = vps_teardown_cgroup(h);
        if (r < 0 && ret == 0)
                ret = r;
        r = teardown_mount(h);
        if (r < 0 && ret == 0)
                ret = r;
        r = teardown_vpsfs(h);
        if (r < 0 && ret == 0)
                ret = r;
        /* Only once nothing is left: the records are what a later stop would need. The
         * monitor's last, so that its absence means the teardown is over. */
        if (ret == 0) {
                runstate_remove(h->vps_fd, RUN_VPSFS);
                runstate_remove(h->vps_fd, RUN_INIT);
                runstate_remove(h->vps_fd, RUN_MONITOR);
        }
        return ret;
}
