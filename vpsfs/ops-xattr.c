/* Extended attributes. POSIX ACL blobs carry owners and are translated like them; everything
 * else passes through: the kernel has already applied its rules to the caller (trusted.*
 * needs CAP_SYS_ADMIN in the host namespace, which no VPS process has; security.* is up to
 * the LSMs and the capability code). The getxattrat() family refuses O_PATH descriptors
 * (EBADF on 6.18), so the calls go through /proc/self/fd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsfs/vpsfs.h"

/* The magic link of an O_PATH descriptor leads to the inode itself: for a stored symlink,
 * the symlink, never its target (checked on 6.18: stat through it reports S_IFLNK). */
static ssize_t x_get(int fd, const char *name, void *value, size_t size) {
        char path[VPSFS_PROC_FD_MAX];
        ssize_t n;

        vpsfs_proc_fd(fd, path);
        n = getxattr(path, name, value, size);
        return n < 0 ? -errno : n;
}

static int x_set(int fd, const char *name, const void *value, size_t size, int flags) {
        char path[VPSFS_PROC_FD_MAX];

        vpsfs_proc_fd(fd, path);
        return setxattr(path, name, value, size, flags) < 0 ? -errno : 0;
}

static ssize_t x_list(int fd, char *list, size_t size) {
        char path[VPSFS_PROC_FD_MAX];
        ssize_t n;

        vpsfs_proc_fd(fd, path);
        n = listxattr(path, list, size);
        return n < 0 ? -errno : n;
}

static int x_remove(int fd, const char *name) {
        char path[VPSFS_PROC_FD_MAX];

        vpsfs_proc_fd(fd, path);
        return removexattr(path, name) < 0 ? -errno : 0;
}

/* VPSFS_XATTR_* for a name whose absence the table remembers, else 0. */
static int watched_kind(const char *name) {
        if (strcmp(name, "security.capability") == 0)
                return VPSFS_XATTR_CAPS;
        return idview_acl_kind(name);
}

void vpsfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                       size_t size, int flags) {
        struct vpsfs *fs = vpsfs_of(req);
        _cleanup_free_ void *copy = NULL;
        struct inode *i;
        int fd, r;

        if (idview_is_acl(name)) {
                copy = size ? malloc(size) : NULL;
                if (size && !copy) {
                        fuse_reply_err(req, ENOMEM);
                        return;
                }
                if (size)
                        memcpy(copy, value, size);
                r = idview_acl_to_virt(fs, copy, size);
                if (r < 0) {
                        fuse_reply_err(req, -r);
                        return;
                }
                value = copy;
        }
        r = inode_acquire(fs, ino, &i, &fd);
        if (r >= 0) {
                r = x_set(fd, name, value, size, flags);
                if (watched_kind(name))
                        inode_xattr_changed(fs, i);
                inode_release(fs, i);
        }
        fuse_reply_err(req, -r);
}

/* The size when asked for it (size 0), else the value; or the error. */
static void reply_value(fuse_req_t req, size_t size, const char *buf, ssize_t n) {
        if (n < 0)
                fuse_reply_err(req, (int) -n);
        else if (size == 0)
                fuse_reply_xattr(req, (size_t) n);
        else
                fuse_reply_buf(req, buf, (size_t) n);
}

static ssize_t get_value(struct vpsfs *fs, struct inode *i, int fd, const char *name, size_t size,
                         char **buf) {
        int kind = watched_kind(name);
        uint32_t gen = 0;
        ssize_t n;

        if (kind && inode_xattr_absent(fs, i, kind, &gen))
                return -ENODATA;
        *buf = size ? malloc(size) : NULL;
        if (size && !*buf)
                return -ENOMEM;
        n = x_get(fd, name, *buf, size);
        if (kind && n == -ENODATA)
                inode_xattr_seen_absent(fs, i, kind, gen);
        return n;
}

/* getxattr (name) or listxattr (name NULL): the value or list, or its size for size 0. */
static void read_xattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
        struct vpsfs *fs = vpsfs_of(req);
        _cleanup_free_ char *buf = NULL;
        struct inode *i;
        ssize_t n;
        int fd;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        if (name)
                n = get_value(fs, i, fd, name, size, &buf);
        else {
                buf = size ? malloc(size) : NULL;
                n = size && !buf ? -ENOMEM : x_list(fd, buf, size);
        }
        inode_release(fs, i);
        if (name && n > 0 && size && idview_is_acl(name))
                n = idview_acl_to_alt(fs, buf, (size_t) n) < 0 ? -EIO : n;
        reply_value(req, size, buf, n);
}

void vpsfs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
        read_xattr(req, ino, name, size);
}

void vpsfs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
        read_xattr(req, ino, NULL, size);
}

void vpsfs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *i;
        int fd, r;

        r = inode_acquire(fs, ino, &i, &fd);
        if (r >= 0) {
                r = x_remove(fd, name);
                if (watched_kind(name))
                        inode_xattr_changed(fs, i);
                inode_release(fs, i);
        }
        fuse_reply_err(req, -r);
}
