/* Directory entries: lookup, forget, creation of non-regular files, link, unlink, rmdir,
 * rename. New entries are made with the caller's virtual IDs as the thread's fsuid/fsgid, so
 * the backing fs stamps owner, group (set-group-ID directories included) and mode at once. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpsfs/vpsfs.h"

int vpsfs_name_check(const char *name) {
        size_t n = strnlen(name, NAME_MAX + 1);

        if (n == 0 || memchr(name, '/', n))
                return -EINVAL;
        if (n > NAME_MAX)
                return -ENAMETOOLONG;
        return 0;
}

void vpsfs_proc_fd(int fd, char buf[static VPSFS_PROC_FD_MAX]) {
        snprintf(buf, VPSFS_PROC_FD_MAX, "/proc/self/fd/%d", fd);
}

bool vpsfs_acquire_or_reply(fuse_req_t req, fuse_ino_t ino, struct inode **ret_inode, int *ret_fd) {
        int r = inode_acquire(vpsfs_of(req), ino, ret_inode, ret_fd);

        if (r < 0)
                fuse_reply_err(req, -r);
        return r >= 0;
}

void vpsfs_reply_entry(fuse_req_t req, struct vpsfs *fs, int r, const struct fuse_entry_param *e) {
        if (r < 0)
                fuse_reply_err(req, -r);
        else if (fuse_reply_entry(req, e) == -ENOENT && e->ino)
                inode_forget(fs, e->ino, 1);
}

int vpsfs_acquire_named(struct vpsfs *fs, fuse_ino_t parent, const char *name, struct inode **ret_inode,
                        int *ret_fd) {
        int r = vpsfs_name_check(name);

        return r < 0 ? r : inode_acquire(fs, parent, ret_inode, ret_fd);
}

static int lookup_entry(struct vpsfs *fs, fuse_ino_t parent, const char *name, struct fuse_entry_param *e) {
        struct inode *p;
        int pfd, r;

        /* ".." of the root is the root: never step out of BACKING. */
        if (inode_is_root(parent) && strcmp(name, "..") == 0)
                name = ".";
        else if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
                r = vpsfs_name_check(name);
                if (r < 0)
                        return r;
        }
        r = inode_acquire(fs, parent, &p, &pfd);
        if (r < 0)
                return r;
        r = inode_lookup(fs, pfd, name, e);
        inode_release(fs, p);
        return r;
}

void vpsfs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
        struct vpsfs *fs = vpsfs_of(req);
        struct fuse_entry_param e;
        int r;

        if (parent == FUSE_ROOT_ID && __atomic_load_n(&fs->root_alias_open, __ATOMIC_ACQUIRE) &&
            strcmp(name, VPSFS_ROOT_ALIAS_NAME) == 0)
                r = inode_lookup_root_alias(fs, &e);
        else
                r = lookup_entry(fs, parent, name, &e);
        if (r == -ENOENT) {
                /* Negative entry: nobody else creates files in BACKING. */
                e = (struct fuse_entry_param) { .ino = 0, .entry_timeout = VPSFS_TIMEOUT };
                r = 0;
        }
        vpsfs_reply_entry(req, fs, r, &e);
}

void vpsfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
        inode_forget(vpsfs_of(req), ino, nlookup);
        fuse_reply_none(req);
}

void vpsfs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
        for (size_t k = 0; k < count; k++)
                inode_forget(vpsfs_of(req), forgets[k].ino, forgets[k].nlookup);
        fuse_reply_none(req);
}

struct make_args {
        enum { MAKE_NOD, MAKE_DIR, MAKE_SYMLINK } what;
        mode_t mode;
        dev_t rdev;
        const char *link;
};

static int make_at(int pfd, const char *name, const struct make_args *a) {
        int r;

        switch (a->what) {
        case MAKE_NOD:
                r = mknodat(pfd, name, a->mode, a->rdev);
                break;
        case MAKE_DIR:
                r = mkdirat(pfd, name, a->mode);
                break;
        default:
                r = symlinkat(a->link, pfd, name);
                break;
        }
        return r < 0 ? -errno : 0;
}

static void make_entry(fuse_req_t req, fuse_ino_t parent, const char *name, const struct make_args *a) {
        struct vpsfs *fs = vpsfs_of(req);
        struct fuse_entry_param e;
        struct inode *p;
        int pfd, r;

        r = vpsfs_acquire_named(fs, parent, name, &p, &pfd);
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        r = idview_begin(fs, req);
        if (r >= 0) {
                r = make_at(pfd, name, a);
                idview_end();
        }
        if (r >= 0)
                r = inode_lookup(fs, pfd, name, &e);
        inode_release(fs, p);
        vpsfs_reply_entry(req, fs, r, &e);
}

void vpsfs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev) {
        make_entry(req, parent, name, &(struct make_args) { .what = MAKE_NOD, .mode = mode, .rdev = rdev });
}

void vpsfs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
        make_entry(req, parent, name, &(struct make_args) { .what = MAKE_DIR, .mode = mode });
}

void vpsfs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name) {
        make_entry(req, parent, name, &(struct make_args) { .what = MAKE_SYMLINK, .link = link });
}

static int link_entry(struct vpsfs *fs, fuse_ino_t ino, fuse_ino_t newparent, const char *newname,
                      struct fuse_entry_param *e) {
        struct inode *i, *p;
        int fd, pfd, r;

        r = inode_acquire(fs, ino, &i, &fd);
        if (r < 0)
                return r;
        r = vpsfs_acquire_named(fs, newparent, newname, &p, &pfd);
        if (r >= 0) {
                r = linkat(fd, "", pfd, newname, AT_EMPTY_PATH) < 0 ? -errno : 0;
                /* The reply carries the new link count and ctime to the kernel's cache. */
                if (r >= 0)
                        r = inode_lookup(fs, pfd, newname, e);
                inode_release(fs, p);
        }
        inode_release(fs, i);
        return r;
}

void vpsfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname) {
        struct vpsfs *fs = vpsfs_of(req);
        struct fuse_entry_param e;
        int r = link_entry(fs, ino, newparent, newname, &e);

        vpsfs_reply_entry(req, fs, r, &e);
}

/* Removes name from parent (dir: rmdir); a file that lost its last name leaves the hash. */
static int remove_entry(struct vpsfs *fs, fuse_ino_t parent, const char *name, int flags) {
        struct inode *p;
        struct stat st;
        int pfd, r;

        r = vpsfs_acquire_named(fs, parent, name, &p, &pfd);
        if (r < 0)
                return r;
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        else if (inode_unlinking(fs, st.st_dev, st.st_ino), unlinkat(pfd, name, flags) < 0)
                r = -errno;
        else if (st.st_nlink <= 1 || S_ISDIR(st.st_mode))
                inode_unlinked(fs, st.st_dev, st.st_ino);
        inode_release(fs, p);
        return r;
}

void vpsfs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
        fuse_reply_err(req, -remove_entry(vpsfs_of(req), parent, name, 0));
}

void vpsfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) {
        fuse_reply_err(req, -remove_entry(vpsfs_of(req), parent, name, AT_REMOVEDIR));
}

/* RENAME_WHITEOUT leaves a new inode (the whiteout) behind, which the backing fs gives the
 * thread's fsuid/fsgid: made as the caller, like every other new entry. */
static int renameat2_as(struct vpsfs *fs, fuse_req_t req, int pfd, const char *name, int npfd,
                        const char *newname, unsigned flags) {
        int r = 0;

        if (flags & RENAME_WHITEOUT)
                r = idview_begin(fs, req);
        if (r < 0)
                return r;
        r = renameat2(pfd, name, npfd, newname, flags) < 0 ? -errno : 0;
        if (flags & RENAME_WHITEOUT)
                idview_end();
        return r;
}

static int rename_at(struct vpsfs *fs, fuse_req_t req, int pfd, const char *name, int npfd,
                     const char *newname, unsigned flags) {
        struct stat st;
        bool victim;
        int r;

        victim = !(flags & RENAME_EXCHANGE) && fstatat(npfd, newname, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (victim)
                inode_unlinking(fs, st.st_dev, st.st_ino);
        r = renameat2_as(fs, req, pfd, name, npfd, newname, flags);
        if (r < 0)
                return r;
        if (victim && (st.st_nlink <= 1 || S_ISDIR(st.st_mode)))
                inode_unlinked(fs, st.st_dev, st.st_ino);
        return 0;
}

void vpsfs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                     const char *newname, unsigned int flags) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *p, *np;
        int pfd, npfd, r;

        r = vpsfs_acquire_named(fs, parent, name, &p, &pfd);
        if (r >= 0) {
                r = vpsfs_acquire_named(fs, newparent, newname, &np, &npfd);
                if (r >= 0) {
                        r = rename_at(fs, req, pfd, name, npfd, newname, flags);
                        inode_release(fs, np);
                }
                inode_release(fs, p);
        }
        fuse_reply_err(req, -r);
}
