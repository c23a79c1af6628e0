/* Directory handles: opendir, readdir, readdirplus, releasedir, fsyncdir. readdirplus takes
 * a lookup reference per entry it returns, exactly like lookup, and gives it back for the
 * entry that did not fit. */
#include <dirent.h>
#include <errno.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dir-stream.h"
#include "common/macro.h"
#include "vpsfs/vpsfs.h"

#define READDIR_MAX (32 * 1024)

struct dirp {
        DIR *dir;
        off_t offset;
        struct dirent *entry; /* read but not yet returned */
};

static struct dirp *dirp_of(const struct fuse_file_info *fi) {
        return (struct dirp *) (uintptr_t) fi->fh;
}

void vpsfs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        struct vpsfs *fs = vpsfs_of(req);
        struct dirp *d;
        struct inode *i;
        int fd, r;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        d = calloc(1, sizeof(*d));
        r = d ? dir_stream_at(fd, &d->dir) : -ENOMEM;
        inode_release(fs, i);
        if (r < 0) {
                free(d);
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = (uintptr_t) d;
        if (fuse_reply_open(req, fi) == -ENOENT) {
                closedir(d->dir);
                free(d);
        }
}

static bool is_dot_or_dotdot(const char *name) {
        return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Adds d->entry to buf; returns its size, 0 if it did not fit, or -errno. */
static int add_entry(fuse_req_t req, struct dirp *d, char *p, size_t rem, bool plus) {
        struct fuse_entry_param e = {
                .attr.st_ino = d->entry->d_ino,
                .attr.st_mode = (mode_t) d->entry->d_type << 12,
        };
        const char *name = d->entry->d_name;
        off_t next = d->entry->d_off;
        size_t size;
        int r;

        if (!plus) {
                size = fuse_add_direntry(req, p, rem, name, &e.attr, next);
                return size > rem ? 0 : (int) size;
        }
        if (!is_dot_or_dotdot(name)) {
                r = inode_lookup(vpsfs_of(req), dirfd(d->dir), name, &e);
                if (r < 0)
                        return r;
        }
        size = fuse_add_direntry_plus(req, p, rem, name, &e, next);
        if (size > rem) {
                if (e.ino)
                        inode_forget(vpsfs_of(req), e.ino, 1);
                return 0;
        }
        return (int) size;
}

/* The lookup references of a readdirplus reply the kernel did not take (its caller was
 * interrupted): no forget will come for them. */
static void forget_entries(struct vpsfs *fs, const char *buf, size_t len) {
        for (size_t off = 0; off < len;) {
                const struct fuse_direntplus *d = (const struct fuse_direntplus *) (buf + off);

                if (d->entry_out.nodeid)
                        inode_forget(fs, d->entry_out.nodeid, 1);
                off += FUSE_DIRENTPLUS_SIZE(d);
        }
}

static void do_readdir(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi, bool plus) {
        struct dirp *d = dirp_of(fi);
        _Alignas(uint64_t) char buf[READDIR_MAX]; /* holds struct fuse_direntplus */
        size_t rem;
        int r = 0;

        size = MIN(size, sizeof(buf));
        rem = size;
        if (off != d->offset) {
                seekdir(d->dir, off);
                d->entry = NULL;
                d->offset = off;
        }
        for (;;) {
                if (!d->entry) {
                        errno = 0;
                        d->entry = readdir(d->dir);
                        if (!d->entry) {
                                r = errno ? -errno : 0;
                                break;
                        }
                }
                r = add_entry(req, d, buf + (size - rem), rem, plus);
                if (r == 0 || (r < 0 && r != -ENOENT))
                        break;
                /* -ENOENT: vanished since readdir, skip it. */
                rem -= r > 0 ? (size_t) r : 0;
                d->offset = d->entry->d_off;
                d->entry = NULL;
        }
        if (r < 0 && rem == size)
                fuse_reply_err(req, -r);
        else if (fuse_reply_buf(req, buf, size - rem) == -ENOENT && plus)
                forget_entries(vpsfs_of(req), buf, size - rem);
}

void vpsfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
        do_readdir(req, size, off, fi, false);
}

void vpsfs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi) {
        do_readdir(req, size, off, fi, true);
}

void vpsfs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        struct dirp *d = dirp_of(fi);

        closedir(d->dir);
        free(d);
        fuse_reply_err(req, 0);
}

void vpsfs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
        int fd = dirfd(dirp_of(fi)->dir);
        int r = datasync ? fdatasync(fd) : fsync(fd);

        fuse_reply_err(req, r < 0 ? errno : 0);
}
