/* copytree(): a depth-first walk over directory descriptors; each entry is examined with
 * statx() without following it, created in the destination, and given its owner, extended
 * attributes, mode and times, in that order (chown clears set-ID bits and file capabilities,
 * and a directory's times change while its entries are made). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/copytree.h"
#include "vpsmgr/interrupt.h"
#include "vpsmgr/xattr-copy.h"

#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)
#define STATX_MASK (STATX_BASIC_STATS | STATX_MNT_ID)

/* A file with several names that has been copied once: its other names become links. */
struct link_entry {
        dev_t dev;
        ino_t ino;
        char *path; /* relative to the destination's top */
};

struct copy {
        int dst_top;
        uint64_t mnt_id;     /* the source's mount: nothing on another one is entered */
        dev_t dst_dev;       /* the destination, skipped should it lie inside the source */
        ino_t dst_ino;
        void *links;         /* tsearch() tree of struct link_entry */
        char path[PATH_MAX]; /* of the entry being copied, relative to the source */
        size_t path_len;
        unsigned depth;
        char **ret_error;
};

static dev_t stx_dev(const struct statx *st) {
        return makedev(st->stx_dev_major, st->stx_dev_minor);
}

static int compare_links(const void *a, const void *b) {
        const struct link_entry *x = a, *y = b;

        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return 0;
}

static void free_link(void *p) {
        struct link_entry *e = p;

        free(e->path);
        free(e);
}

/* Records what failed at the current path and returns r. */
_printf_(3, 4) static int fail(struct copy *c, int r, const char *format, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;

        if (!c->ret_error || *c->ret_error)
                return r;
        va_start(ap, format);
        if (vasprintf(&what, format, ap) < 0)
                what = NULL;
        va_end(ap);
        if (asprintf(c->ret_error, "%s: %s: %s", c->path_len ? c->path : ".", what ? what : "?",
                     strerror(-r)) < 0)
                *c->ret_error = NULL;
        return r;
}

static int path_push(struct copy *c, const char *name) {
        size_t len = strlen(name), sep = c->path_len ? 1 : 0;

        if (c->path_len + sep + len >= sizeof(c->path))
                return -ENAMETOOLONG;
        if (sep)
                c->path[c->path_len] = '/';
        memcpy(c->path + c->path_len + sep, name, len + 1);
        c->path_len += sep + len;
        return 0;
}

static void path_pop(struct copy *c, size_t len) {
        c->path_len = len;
        c->path[len] = '\0';
}

/* Owner, extended attributes (those of src_x, if given), mode and times onto the copy: fd, or
 * dirfd/name for what must not be opened. */
static int apply_metadata(struct copy *c, const struct statx *st, int fd, int dirfd, const char *name,
                          const struct xattr_ref *src_x) {
        struct timespec times[2] = {
                { .tv_sec = st->stx_atime.tv_sec, .tv_nsec = st->stx_atime.tv_nsec },
                { .tv_sec = st->stx_mtime.tv_sec, .tv_nsec = st->stx_mtime.tv_nsec },
        };
        struct xattr_ref dst_x;
        const char *failed_name = NULL;
        int r;

        if (fd >= 0)
                r = fchown(fd, st->stx_uid, st->stx_gid);
        else
                r = fchownat(dirfd, name, st->stx_uid, st->stx_gid, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return fail(c, negative_errno(), "cannot set owner %u:%u", st->stx_uid, st->stx_gid);

        if (src_x) {
                if (fd >= 0)
                        xattr_ref_fd(&dst_x, fd);
                else if ((r = xattr_ref_at(&dst_x, dirfd, name)) < 0)
                        return fail(c, r, "cannot name the copy");
                r = xattr_copy(src_x, &dst_x, &failed_name);
                if (r < 0)
                        return fail(c, r, "cannot copy extended attribute '%s'", failed_name ? failed_name : "?");
        }

        /* A symlink has no mode of its own to set. */
        if (!S_ISLNK(st->stx_mode)) {
                if (fd >= 0)
                        r = fchmod(fd, st->stx_mode & 07777);
                else
                        r = fchmodat(dirfd, name, st->stx_mode & 07777, 0);
                if (r < 0)
                        return fail(c, negative_errno(), "cannot set mode %04o", st->stx_mode & 07777);
        }

        if (fd >= 0)
                r = futimens(fd, times);
        else
                r = utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return fail(c, negative_errno(), "cannot set times");
        return 0;
}

/* Copies the data of in to out, leaving holes where in has them. */
static int copy_data(int in, int out, off_t size) {
        off_t pos = 0;

        while (pos < size) {
                off_t data = lseek(in, pos, SEEK_DATA), hole;

                if (data < 0 && errno == ENXIO)
                        break; /* only a hole is left */
                if (data < 0)
                        return negative_errno();
                if (data >= size)
                        break;
                hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0 || hole > size)
                        hole = size;
                for (off_t off_in = data, off_out = data; off_in < hole;) {
                        ssize_t n = copy_file_range(in, &off_in, out, &off_out, (size_t) (hole - off_in), 0);

                        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                                      errno == EOPNOTSUPP)) {
                                char buf[65536];

                                /* Not between these filesystems: read and write. */
                                n = pread(in, buf, (size_t) MIN((off_t) sizeof(buf), hole - off_in), off_in);
                                if (n > 0 && pwrite(out, buf, (size_t) n, off_out) != n)
                                        return errno ? negative_errno() : -EIO;
                                if (n > 0) {
                                        off_in += n;
                                        off_out += n;
                                }
                        }
                        if (n < 0)
                                return negative_errno();
                        if (n == 0)
                                break; /* the file shrank while we copied */
                }
                pos = hole;
        }
        /* Makes a trailing hole, which no write covered. */
        return ftruncate(out, size) < 0 ? negative_errno() : 0;
}

static int copy_regular(struct copy *c, const struct statx *st, int srcdir, int dstdir, const char *name) {
        _cleanup_close_ int in = -1, out = -1;
        struct xattr_ref src_x;
        struct stat opened;
        int r;

        /* O_NONBLOCK: should a FIFO have been swapped in, the open does not hang. */
        in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return fail(c, negative_errno(), "cannot open");
        if (fstat(in, &opened) < 0)
                return fail(c, negative_errno(), "cannot stat");
        if (!S_ISREG(opened.st_mode) || opened.st_ino != st->stx_ino)
                return fail(c, -EAGAIN, "changed while being copied");
        out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return fail(c, negative_errno(), "cannot create");
        r = copy_data(in, out, (off_t) st->stx_size);
        if (r < 0)
                return fail(c, r, "cannot copy data");
        xattr_ref_fd(&src_x, in);
        return apply_metadata(c, st, out, -1, NULL, &src_x);
}

/* Symlinks, FIFOs, sockets and device nodes: made by name, never opened. */
static int copy_special(struct copy *c, const struct statx *st, int srcdir, int dstdir, const char *name) {
        struct xattr_ref src_x;
        int r;

        if (S_ISLNK(st->stx_mode)) {
                _cleanup_free_ char *target = malloc(st->stx_size + 1);
                ssize_t n;

                if (!target)
                        return -ENOMEM;
                n = readlinkat(srcdir, name, target, st->stx_size + 1);
                if (n < 0)
                        return fail(c, negative_errno(), "cannot read symlink");
                if ((uint64_t) n != st->stx_size)
                        return fail(c, -EAGAIN, "changed while being copied");
                target[n] = '\0';
                if (symlinkat(target, dstdir, name) < 0)
                        return fail(c, negative_errno(), "cannot create symlink");
        } else if (mknodat(dstdir, name, (st->stx_mode & S_IFMT) | 0600,
                           makedev(st->stx_rdev_major, st->stx_rdev_minor)) < 0)
                return fail(c, negative_errno(), "cannot create special file");

        r = xattr_ref_at(&src_x, srcdir, name);
        if (r < 0)
                return fail(c, r, "cannot name the file");
        return apply_metadata(c, st, -1, dstdir, name, &src_x);
}

/* A further name of a file already copied becomes a hard link to the copy. Returns 1 if
 * it did, 0 if this is the first name seen (now recorded). */
static int copy_hardlink(struct copy *c, const struct statx *st, int dstdir, const char *name) {
        struct link_entry key = { .dev = stx_dev(st), .ino = st->stx_ino }, *e;
        void *found;

        found = tfind(&key, &c->links, compare_links);
        if (found) {
                e = *(struct link_entry **) found;
                if (linkat(c->dst_top, e->path, dstdir, name, 0) < 0)
                        return fail(c, negative_errno(), "cannot link to '%s'", e->path);
                return 1;
        }
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = key;
        e->path = strdup(c->path);
        if (!e->path || !tsearch(e, &c->links, compare_links)) {
                free_link(e);
                return -ENOMEM;
        }
        return 0;
}

static int copy_dir_contents(struct copy *c, int srcfd, int dstfd);

static int copy_dir(struct copy *c, const struct statx *st, int srcdir, int dstdir, const char *name) {
        _cleanup_close_ int src = -1, dst = -1;
        struct xattr_ref src_x;
        struct statx opened;
        int r;

        if (mkdirat(dstdir, name, 0700) < 0)
                return fail(c, negative_errno(), "cannot create directory");
        dst = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return fail(c, negative_errno(), "cannot open the copy");
        /* A mount point (cp -x): the directory itself, empty, with what stat shows of it. */
        if (st->stx_mnt_id != c->mnt_id)
                return apply_metadata(c, st, dst, -1, NULL, NULL);

        src = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return fail(c, negative_errno(), "cannot open");
        if (statx(src, "", AT_EMPTY_PATH | STATX_FLAGS, STATX_MASK, &opened) < 0)
                return fail(c, negative_errno(), "cannot stat");
        if (opened.stx_ino != st->stx_ino || opened.stx_mnt_id != st->stx_mnt_id)
                return fail(c, -EAGAIN, "changed while being copied");
        r = copy_dir_contents(c, src, dst);
        if (r < 0)
                return r;
        xattr_ref_fd(&src_x, src);
        return apply_metadata(c, st, dst, -1, NULL, &src_x);
}

static int copy_entry(struct copy *c, int srcdir, int dstdir, const char *name) {
        struct statx st;
        int r;

        if (statx(srcdir, name, STATX_FLAGS, STATX_MASK, &st) < 0)
                return errno == ENOENT ? 0 : fail(c, negative_errno(), "cannot stat");
        if (S_ISDIR(st.stx_mode)) {
                if (stx_dev(&st) == c->dst_dev && st.stx_ino == c->dst_ino)
                        return 0; /* the copy itself, when the source contains it */
                return copy_dir(c, &st, srcdir, dstdir, name);
        }
        if (st.stx_nlink > 1u) {
                r = copy_hardlink(c, &st, dstdir, name);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        if (S_ISREG(st.stx_mode))
                return copy_regular(c, &st, srcdir, dstdir, name);
        return copy_special(c, &st, srcdir, dstdir, name);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int copy_dir_contents(struct copy *c, int srcfd, int dstfd) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *e;
        int iter, r;

        if (++c->depth > COPYTREE_MAX_DEPTH)
                return fail(c, -ELOOP, "more than %d directory levels", COPYTREE_MAX_DEPTH);
        iter = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (iter < 0)
                return fail(c, negative_errno(), "cannot open");
        d = fdopendir(iter);
        if (!d) {
                safe_close(iter);
                return fail(c, -ENOMEM, "cannot read directory");
        }
        while ((errno = 0, e = readdir(d))) {
                size_t len = c->path_len;

                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                if (interrupt_pending())
                        return fail(c, -EINTR, "stopped");
                r = path_push(c, e->d_name);
                if (r < 0)
                        return fail(c, r, "cannot copy '%s'", e->d_name);
                r = copy_entry(c, srcfd, dstfd, e->d_name);
                path_pop(c, len);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return fail(c, negative_errno(), "cannot read directory");
        c->depth--;
        return 0;
}

int copytree(int srcfd, int dstfd, char **ret_error) {
        struct copy c = { .dst_top = dstfd, .ret_error = ret_error };
        struct statx top, dst;
        struct xattr_ref src_x;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (statx(srcfd, "", AT_EMPTY_PATH | STATX_FLAGS, STATX_MASK, &top) < 0 ||
            statx(dstfd, "", AT_EMPTY_PATH | STATX_FLAGS, STATX_MASK, &dst) < 0)
                return fail(&c, negative_errno(), "cannot stat");
        c.mnt_id = top.stx_mnt_id;
        c.dst_dev = stx_dev(&dst);
        c.dst_ino = dst.stx_ino;
        r = copy_dir_contents(&c, srcfd, dstfd);
        if (r >= 0) {
                xattr_ref_fd(&src_x, srcfd);
                r = apply_metadata(&c, &top, dstfd, -1, NULL, &src_x);
        }
        tdestroy(c.links, free_link);
        return r;
}
