/* The FUSE mount, made by vpsfs itself: the mount(2) libfuse would make as root, but with
 * the connection's descriptor in vpsfs's hands, so that the session can run on vpsfs's own
 * I/O layer (passthrough.c) and register backing files on it. */
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

int vpsfs_mount(const struct vpsfs_mount_params *p, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL, *source = NULL;
        unsigned long flags = MS_NODEV | (p->readonly ? MS_RDONLY : 0) | (p->suid ? 0 : MS_NOSUID);
        struct stat st;

        if (stat(p->mountpoint, &st) < 0)
                return log_error_errno(-errno, "cannot mount on '%s': %m", p->mountpoint);
        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "cannot open /dev/fuse: %m");
        if (asprintf(&data, "fd=%d,rootmode=%o,user_id=0,group_id=0,allow_other,default_permissions,max_read=%d", fd,
                     st.st_mode & S_IFMT, VPSFS_MAX_READ) < 0 ||
            asprintf(&source, "vpsfs:%s", p->name) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        if (mount(source, p->mountpoint, "fuse.vpsfs", flags, data) < 0)
                return log_error_errno(-errno, "cannot mount on '%s': %m", p->mountpoint);
        *ret_fd = TAKE_FD(fd);
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
