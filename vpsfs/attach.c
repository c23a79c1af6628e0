/* Puts the detached FUSE mount (mount.c) at MOUNTPOINT from a thread of its own, once the loop
 * serves requests: that needs INIT answered and one lookup. Then sets the readahead and
 * writes the ready byte.
 *
 * What goes at MOUNTPOINT is not the connection's root inode but the same directory looked up
 * once more, under a second node ID (VPSFS_ROOT_ALIAS, inode.c). The kernel makes the root
 * inode before INIT turns POSIX ACLs on, and never caches the ACLs of an inode made so
 * (ACL_DONT_CACHE, which forget_cached_acl() keeps since Linux 6.18.42): with it at the top,
 * every path walk by a caller who does not own / would ask vpsfs for the ACL of /. An inode
 * made after INIT caches them. The root inode stays out of reach: only vpsfs ever held the
 * detached mount, and ".." at the root of a mount stays there. A kernel that cannot clone a
 * detached mount (EINVAL) gets the root inode at MOUNTPOINT, as before. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsfs/vpsfs.h"

#define READAHEAD_KB "1024"

/* The kernel offers FUSE only its default 128 KiB readahead; a larger window on the mount's
 * bdi keeps two max_read-sized requests in flight. Best effort. */
static void set_readahead(int tree) {
        struct stat st;
        char path[64];
        int fd;

        if (fstat(tree, &st) < 0)
                return;
        snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major(st.st_dev), minor(st.st_dev));
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, READAHEAD_KB, strlen(READAHEAD_KB)) < 0)
                log_debug_errno(-errno, "cannot set %s: %m", path);
        safe_close(fd);
}

static void notify_ready(int fd) {
        if (fd < 0)
                return;
        if (write(fd, "1", 1) != 1)
                log_warning_errno(-errno, "cannot tell through fd %d that the mount is ready: %m", fd);
        close(fd);
}

/* A daemon's standard streams, once its starter has gone. */
static void stdio_to_null(void) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return;
        for (int k = 0; k <= 2; k++)
                (void) dup2(fd, k);
        if (fd > 2)
                close(fd);
}

static int clone_root_alias(struct vpsfs *fs, int mnt_fd) {
        int tree;

        __atomic_store_n(&fs->root_alias_open, true, __ATOMIC_RELEASE);
        tree = open_tree(mnt_fd, VPSFS_ROOT_ALIAS_NAME,
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
        __atomic_store_n(&fs->root_alias_open, false, __ATOMIC_RELEASE);
        if (tree < 0)
                return -errno;
        return tree;
}

static void *attach_main(void *userdata) {
        struct vpsfs_attach *a = userdata;
        _cleanup_close_ int mnt = TAKE_FD(a->mnt_fd), tree = -1;
        int r;

        tree = clone_root_alias(a->fs, mnt);
        if (tree == -EINVAL) {
                log_debug_errno(tree, "this kernel cannot clone a detached mount, mounting the root: %m");
                tree = TAKE_FD(mnt);
        }
        /* Not once the loop has ended: then nothing would ever unmount it. */
        pthread_mutex_lock(&a->lock);
        if (a->stopping)
                r = -ECANCELED;
        else if (tree < 0)
                r = tree;
        else
                r = move_mount(tree, "", AT_FDCWD, a->mountpoint, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
        a->attached = r == 0;
        pthread_mutex_unlock(&a->lock);
        if (r < 0) {
                /* Closing the mount that was never attached ends the connection, and the loop. */
                if (r != -ECANCELED)
                        a->error = log_error_errno(r, "cannot mount on '%s': %m", a->mountpoint);
                return NULL;
        }
        set_readahead(tree);
        notify_ready(a->ready_fd);
        if (a->parent_fd >= 0) {
                notify_ready(a->parent_fd);
                stdio_to_null();
        }
        return NULL;
}

int vpsfs_attach_start(struct vpsfs_attach *a) {
        sigset_t all, old;
        int r;

        /* SIGTERM and SIGINT must reach a worker, whose read() they end. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&a->thread, NULL, attach_main, a);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return log_error_errno(r, "cannot start a thread: %m");
        a->started = true;
        return 0;
}

bool vpsfs_attach_stop(struct vpsfs_attach *a) {
        bool attached;

        pthread_mutex_lock(&a->lock);
        a->stopping = true;
        attached = a->attached;
        pthread_mutex_unlock(&a->lock);
        return attached;
}

int vpsfs_attach_join(struct vpsfs_attach *a) {
        if (a->started)
                pthread_join(a->thread, NULL);
        safe_close(a->mnt_fd);
        return a->error;
}
