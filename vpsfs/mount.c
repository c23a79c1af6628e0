/* Mounting vpsfs with synchronous FUSE_INIT where the kernel has it (see mount.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsfs/mount.h"
#include "vpsfs/vpsfs.h"

/* <linux/fuse.h> of Debian 12 predates it. */
#define VPSFS_FUSE_DEV_IOC_SYNC_INIT _IO(229, 3)
#define READAHEAD_KB "1024"
#define MOUNT_JOIN_TIMEOUT_SEC 2

/* The kernel offers FUSE only its default 128 KiB readahead; a larger window on the mount's
 * bdi keeps two max_read-sized requests in flight. Best effort: found through mountinfo,
 * since stat() on the mount could wait for a loop that is not running yet. */
static void set_readahead(const char *mountpoint) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[4096], path[64];
        unsigned major, minor;
        int fd;

        f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                char mnt[PATH_MAX];

                if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &major, &minor, mnt) != 3 ||
                    strcmp(mnt, mountpoint) != 0)
                        continue;
                snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major, minor);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, READAHEAD_KB, strlen(READAHEAD_KB)) < 0)
                        log_debug_errno(-errno, "cannot set %s: %m", path);
                safe_close(fd);
        }
}

static void mount_live(struct vpsfs_mount *m) {
        set_readahead(m->mountpoint);
        if (m->ready_fd < 0)
                return;
        if (write(m->ready_fd, "1", 1) != 1)
                log_warning_errno(-errno, "cannot write to --ready-fd %d: %m", m->ready_fd);
        m->ready_fd = safe_close(m->ready_fd);
}

static int open_sync_init_device(void) {
        _cleanup_close_ int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        /* ENOTTY: a kernel without synchronous INIT. */
        if (ioctl(fd, VPSFS_FUSE_DEV_IOC_SYNC_INIT) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

int vpsfs_mount_prepare(struct fuse_session *se, struct vpsfs_mount *m, bool foreground) {
        char devfd[32];
        int fd = -1;

        atomic_init(&m->mounted, false);
        if (foreground)
                fd = open_sync_init_device();
        if (fd < 0) {
                log_debug_errno(fd, "no synchronous FUSE_INIT (%m): classic mount");
                if (fuse_session_mount(se, m->mountpoint) < 0)
                        return log_error_errno(-EIO, "cannot mount on '%s'", m->mountpoint);
                atomic_store(&m->mounted, true);
                return 0;
        }
        /* The mount options libfuse would give the kernel, plus our prepared descriptor. */
        if (asprintf(&m->data, "fd=%d,rootmode=%o,user_id=0,group_id=0,allow_other,default_permissions,max_read=%d",
                     fd, S_IFDIR, VPSFS_MAX_READ) < 0) {
                m->data = NULL;
                safe_close(fd);
                return -ENOMEM;
        }
        /* "/dev/fd/N": libfuse serves a descriptor that someone else mounts. The session
         * owns it from here on. */
        snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
        if (fuse_session_mount(se, devfd) < 0) {
                safe_close(fd);
                return log_error_errno(-EIO, "cannot hand /dev/fuse to the session");
        }
        m->sync_init = true;
        return 0;
}

static void *mount_thread(void *userdata) {
        struct vpsfs_mount *m = userdata;
        unsigned long flags = MS_NODEV | (m->suid ? 0 : MS_NOSUID) | (m->readonly ? MS_RDONLY : 0);

        /* Returns once the loop has answered FUSE_INIT. */
        if (mount(m->fsname, m->mountpoint, "fuse.vpsfs", flags, m->data) < 0) {
                log_error_errno(-errno, "cannot mount on '%s': %m", m->mountpoint);
                /* Nothing is mounted, and the loop would wait for requests forever. */
                _exit(EXIT_FAILURE);
        }
        atomic_store(&m->mounted, true);
        mount_live(m);
        return NULL;
}

int vpsfs_mount_start(struct vpsfs_mount *m) {
        sigset_t all, old;
        int r;

        if (!m->sync_init) {
                mount_live(m);
                return 0;
        }
        /* Signals stay with the loop's threads, which libfuse's handlers stop. */
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        r = -pthread_create(&m->thread, NULL, mount_thread, m);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return log_error_errno(r, "cannot start the mount thread: %m");
        m->thread_started = true;
        return 0;
}

void vpsfs_mount_finish(struct fuse_session *se, struct vpsfs_mount *m) {
        if (!m->sync_init) {
                fuse_session_unmount(se);
                return;
        }
        if (m->thread_started) {
                struct timespec deadline;

                /* A stop request during mount(2) leaves the thread waiting for INIT: never
                 * hang on it; the process's exit ends it and the half-made mount. */
                clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_sec += MOUNT_JOIN_TIMEOUT_SEC;
                (void) pthread_timedjoin_np(m->thread, NULL, &deadline);
        }
        /* EINVAL: unmounted already (fusermount3 -u); EBUSY: in use, so detach it. */
        if (atomic_load(&m->mounted) && umount2(m->mountpoint, 0) < 0 && errno == EBUSY)
                (void) umount2(m->mountpoint, MNT_DETACH);
        free(m->data);
        m->data = NULL;
}
