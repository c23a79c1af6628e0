/* The FUSE mount, made by vpsfs itself with the fd-based mount API: the mount libfuse would
 * make as root, but with the connection's descriptor in vpsfs's hands, so that the session
 * can run on vpsfs's own I/O layer (passthrough.c) and register backing files on it. The
 * mount is made detached; attach.c puts it at MOUNTPOINT once the loop serves. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsfs/vpsfs.h"

static int config(int fs, const char *key, const char *value) {
        if (fsconfig(fs, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0)
                return log_error_errno(-errno, "cannot make the FUSE mount: option %s: %m", key);
        return 0;
}

int vpsfs_mount(const struct vpsfs_mount_params *p, int *ret_dev_fd, int *ret_mnt_fd) {
        _cleanup_close_ int dev = -1, fs = -1, mnt = -1;
        _cleanup_free_ char *source = NULL;
        char fd_str[16], rootmode[16], max_read[16];
        unsigned attrs = MOUNT_ATTR_NODEV | (p->readonly ? MOUNT_ATTR_RDONLY : 0) | (p->suid ? 0 : MOUNT_ATTR_NOSUID);
        struct stat st;
        int r;

        if (stat(p->mountpoint, &st) < 0)
                return log_error_errno(-errno, "cannot mount on '%s': %m", p->mountpoint);
        dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (dev < 0)
                return log_error_errno(-errno, "cannot open /dev/fuse: %m");
        fs = fsopen("fuse", FSOPEN_CLOEXEC);
        if (fs < 0)
                return log_error_errno(-errno, "cannot make the FUSE mount: fsopen: %m");
        if (asprintf(&source, "vpsfs:%s", p->name) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        snprintf(fd_str, sizeof(fd_str), "%d", dev);
        snprintf(rootmode, sizeof(rootmode), "%o", st.st_mode & S_IFMT);
        snprintf(max_read, sizeof(max_read), "%d", VPSFS_MAX_READ);
        /* Key and value; a NULL value is a flag, a NULL key ends the list. */
        const char *const options[][2] = {
                { "source", source }, { "subtype", "vpsfs" }, { "fd", fd_str }, { "rootmode", rootmode },
                { "user_id", "0" }, { "group_id", "0" }, { "allow_other", NULL },
                { "default_permissions", NULL }, { "max_read", max_read }, { p->readonly ? "ro" : NULL, NULL },
        };
        for (size_t k = 0; k < ELEMENTSOF(options) && options[k][0]; k++) {
                r = config(fs, options[k][0], options[k][1]);
                if (r < 0)
                        return r;
        }
        /* Queues INIT, answered once the loop runs. */
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return log_error_errno(-errno, "cannot make the FUSE mount: %m");
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
        if (mnt < 0)
                return log_error_errno(-errno, "cannot make the FUSE mount: fsmount: %m");
        *ret_dev_fd = TAKE_FD(dev);
        *ret_mnt_fd = TAKE_FD(mnt);
        return 0;
}

void vpsfs_unmount(const char *mountpoint, int fd) {
        struct pollfd pfd = { .fd = fd };

        /* An error on the connection means it was unmounted already (fusermount3 -u, or
         * umount): then the mount point may hold something else by now. */
        if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
                return;
        if (umount2(mountpoint, MNT_DETACH) < 0)
                log_warning_errno(-errno, "cannot unmount '%s': %m", mountpoint);
}
