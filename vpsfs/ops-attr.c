/* Attributes: getattr, setattr, readlink, statfs, access. Every reply carries attributes
 * read back from BACKING after the change, so the kernel's long-lived cache stays true. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vpsfs/vpsfs.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* fd of an open handle if the kernel passed one, else the inode's O_PATH descriptor. Only
 * regular files have descriptors in fi->fh (directories hold a struct dirp). */
static int open_fd(const struct inode *i, const struct fuse_file_info *fi) {
        return fi && S_ISREG(i->type) ? (int) fi->fh : -1;
}

static int attr_fd(const struct inode *i, int fd, const struct fuse_file_info *fi) {
        int ffd = open_fd(i, fi);

        return ffd >= 0 ? ffd : fd;
}

static void reply_attr_of(fuse_req_t req, int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0) {
                fuse_reply_err(req, errno);
                return;
        }
        idview_stat(vpsfs_of(req), &st);
        fuse_reply_attr(req, &st, VPSFS_TIMEOUT);
}

void vpsfs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *i;
        int fd;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        reply_attr_of(req, attr_fd(i, fd, fi));
        inode_release(fs, i);
}

static int set_owner(struct vpsfs *fs, int fd, const struct stat *attr, int to_set) {
        uid_t uid = (uid_t) -1;
        gid_t gid = (gid_t) -1;

        /* An ID outside the table has no virtual ID to store: refused as the kernel refuses
         * an unmapped ID in a user namespace. */
        if ((to_set & FUSE_SET_ATTR_UID) && idview_uid_to_virt(fs, attr->st_uid, &uid) < 0)
                return -EINVAL;
        if ((to_set & FUSE_SET_ATTR_GID) && idview_gid_to_virt(fs, attr->st_gid, &gid) < 0)
                return -EINVAL;
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int set_mode(int fd, int ffd, mode_t mode) {
        char path[VPSFS_PROC_FD_MAX];

        if (ffd >= 0)
                return fchmod(ffd, mode) < 0 ? -errno : 0;
        if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
                return 0;
        if (errno != ENOSYS)
                return -errno;
        vpsfs_proc_fd(fd, path);
        return chmod(path, mode) < 0 ? -errno : 0;
}

static int set_size(int fd, int ffd, off_t size) {
        char path[VPSFS_PROC_FD_MAX];

        if (ffd >= 0)
                return ftruncate(ffd, size) < 0 ? -errno : 0;
        vpsfs_proc_fd(fd, path);
        return truncate(path, size) < 0 ? -errno : 0;
}

static int set_times(int fd, int ffd, const struct stat *attr, int to_set) {
        struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

        if (to_set & FUSE_SET_ATTR_ATIME_NOW)
                ts[0].tv_nsec = UTIME_NOW;
        else if (to_set & FUSE_SET_ATTR_ATIME)
                ts[0] = attr->st_atim;
        if (to_set & FUSE_SET_ATTR_MTIME_NOW)
                ts[1].tv_nsec = UTIME_NOW;
        else if (to_set & FUSE_SET_ATTR_MTIME)
                ts[1] = attr->st_mtim;
        if (ffd >= 0)
                return futimens(ffd, ts) < 0 ? -errno : 0;
        return utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* chown(f, -1, -1) changes only ctime; the kernel passes it on as a SETATTR without any
 * attribute (ctime itself travels only with the writeback cache). The same call on the
 * backing file stamps ctime there, as ext4 does; but made by root it would also clear
 * set-user-ID, which the kernel, had it wanted that, would have sent as a mode. */
static int touch_ctime(int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (fchownat(fd, "", (uid_t) -1, (gid_t) -1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return st.st_mode & (S_ISUID | S_ISGID) ? set_mode(fd, -1, st.st_mode & 07777) : 0;
}

#define SETATTR_ANY (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE | \
                     FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)

static int apply_setattr(struct vpsfs *fs, struct inode *i, int fd, int ffd, const struct stat *attr,
                         int to_set) {
        int r = 0;

        if (!(to_set & SETATTR_ANY))
                return touch_ctime(fd);

        /* Owner before mode: the kernel sends the mode that clears set-ID bits together with
         * a chown, and an explicit mode must win over what chown cleared. */
        if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
                r = set_owner(fs, fd, attr, to_set);
        if (r >= 0 && (to_set & FUSE_SET_ATTR_MODE))
                r = S_ISLNK(i->type) ? -EOPNOTSUPP : set_mode(fd, ffd, attr->st_mode);
        if (r >= 0 && (to_set & FUSE_SET_ATTR_SIZE))
                r = S_ISREG(i->type) ? set_size(fd, ffd, attr->st_size) : -EINVAL;
        if (r >= 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                                 FUSE_SET_ATTR_MTIME_NOW)))
                r = set_times(fd, ffd, attr, to_set);
        return r;
}

void vpsfs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                      struct fuse_file_info *fi) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *i;
        int fd, r;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        r = apply_setattr(fs, i, fd, open_fd(i, fi), attr, to_set);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_attr_of(req, attr_fd(i, fd, fi));
        inode_release(fs, i);
}

void vpsfs_op_readlink(fuse_req_t req, fuse_ino_t ino) {
        struct vpsfs *fs = vpsfs_of(req);
        char buf[PATH_MAX + 1];
        struct inode *i;
        ssize_t n;
        int fd;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        n = readlinkat(fd, "", buf, sizeof(buf) - 1);
        if (n < 0)
                fuse_reply_err(req, errno);
        else {
                buf[n] = '\0';
                fuse_reply_readlink(req, buf);
        }
        inode_release(fs, i);
}

void vpsfs_op_statfs(fuse_req_t req, fuse_ino_t ino) {
        struct vpsfs *fs = vpsfs_of(req);
        struct statvfs sv;
        struct inode *i;
        int fd;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        if (fstatvfs(fd, &sv) < 0)
                fuse_reply_err(req, errno);
        else
                fuse_reply_statfs(req, &sv);
        inode_release(fs, i);
}

void vpsfs_op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *i;
        int fd, r;

        /* With default_permissions the kernel has decided already; only the inode is checked. */
        r = inode_acquire(fs, ino, &i, &fd);
        if (r >= 0)
                inode_release(fs, i);
        fuse_reply_err(req, r < 0 ? -r : 0);
}
