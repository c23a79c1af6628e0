/* Regular files: open, create, read, write, flush, release, fsync, fallocate, lseek,
 * copy_file_range. fi->fh is the backing descriptor. With passthrough (passthrough.c) the
 * kernel reads and writes the backing file itself; otherwise data moves through read and
 * write here, with splice where libfuse can. The kernel never sends open for fifos, sockets
 * or devices (it serves them itself), so only regular files are opened for I/O here. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vpsfs/vpsfs.h"

/* With the writeback cache the kernel reads pages of write-only files and keeps O_APPEND
 * positions itself. */
static int io_flags(const struct vpsfs *fs, int flags) {
        if (!fs->writeback)
                return flags;
        if ((flags & O_ACCMODE) == O_WRONLY)
                flags = (flags & ~O_ACCMODE) | O_RDWR;
        return flags & ~O_APPEND;
}

static void set_fi(const struct vpsfs *fs, struct fuse_file_info *fi, int fd, int backing_id) {
        fi->fh = (uint64_t) fd;
        /* vpsfs is the only writer, so cached pages stay valid across opens. A passthrough
         * file has no pages of its own (the backing file's are used), and the kernel
         * refuses the flag with it. */
        fi->keep_cache = !(fi->flags & O_DIRECT) && backing_id == 0;
        fi->direct_io = 0;
        /* No FLUSH round trip on every close(): the kernel keeps POSIX locks itself, and a
         * close() on a local backing file has nothing to report. */
        fi->noflush = 1;
}

void vpsfs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        struct vpsfs *fs = vpsfs_of(req);
        struct inode *i;
        int fd, nfd, backing_id;

        if (!vpsfs_acquire_or_reply(req, ino, &i, &fd))
                return;
        nfd = S_ISREG(i->type) ? inode_reopen(fs, i, fd, io_flags(fs, fi->flags)) : -EINVAL;
        /* Counted while the descriptor is still pinned, so it is never evicted under us. */
        if (nfd >= 0)
                inode_opened(fs, ino, 1);
        inode_release(fs, i);
        if (nfd < 0) {
                fuse_reply_err(req, -nfd);
                return;
        }
        backing_id = inode_open_backing(fs, ino, nfd);
        set_fi(fs, fi, nfd, backing_id);
        if (passthrough_reply_open(req, fi, backing_id) == -ENOENT) {
                close(nfd); /* the opener was interrupted: no release will come */
                inode_opened(fs, ino, -1);
        }
}

/* Opens an existing name for create without O_EXCL: not through a symlink, and never
 * blocking on a fifo that someone put there behind vpsfs's back. */
static int open_existing(int pfd, const char *name, int flags) {
        struct stat st;
        int fd;

        fd = openat(pfd, name, (flags & ~O_CREAT) | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EEXIST;
        }
        if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK & ~O_ACCMODE) < 0) {
                close(fd);
                return -errno;
        }
        return fd;
}

static int create_at(struct vpsfs *fs, fuse_req_t req, int pfd, const char *name, mode_t mode, int flags) {
        int fd, r;

        r = idview_begin(fs, req);
        if (r < 0)
                return r;
        flags = io_flags(fs, flags) | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
        /* O_EXCL always: an existing name is opened apart, so a fifo never blocks. */
        fd = openat(pfd, name, flags | O_EXCL, mode);
        r = fd < 0 ? -errno : fd;
        idview_end();
        if (r == -EEXIST && !(flags & O_EXCL))
                r = open_existing(pfd, name, flags);
        return r;
}

void vpsfs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     struct fuse_file_info *fi) {
        struct vpsfs *fs = vpsfs_of(req);
        struct fuse_entry_param e;
        struct inode *p;
        int pfd, fd, backing_id, r;

        r = vpsfs_acquire_named(fs, parent, name, &p, &pfd);
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fd = create_at(fs, req, pfd, name, mode, fi->flags);
        inode_release(fs, p);
        r = fd < 0 ? fd : inode_ref_created(fs, fd, &e);
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                fuse_reply_err(req, -r);
                return;
        }
        backing_id = inode_open_backing(fs, e.ino, fd);
        set_fi(fs, fi, fd, backing_id);
        if (passthrough_reply_create(req, &e, fi, backing_id) == -ENOENT) {
                close(fd); /* the creator was interrupted: no release and no forget will come */
                inode_opened(fs, e.ino, -1);
                inode_forget(fs, e.ino, 1);
        }
}

void vpsfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
        struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

        buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        buf.buf[0].fd = (int) fi->fh;
        buf.buf[0].pos = off;
        fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void vpsfs_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf, off_t off,
                        struct fuse_file_info *fi) {
        struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
        ssize_t n;

        out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        out.buf[0].fd = (int) fi->fh;
        out.buf[0].pos = off;
        n = fuse_buf_copy(&out, in_buf, 0);
        if (n < 0)
                fuse_reply_err(req, (int) -n);
        else
                fuse_reply_write(req, (size_t) n);
}

void vpsfs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        /* close() of a duplicate gives BACKING the close-time semantics (locks, errors). */
        int fd = dup((int) fi->fh);

        fuse_reply_err(req, fd < 0 ? errno : close(fd) < 0 ? errno : 0);
}

void vpsfs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        close((int) fi->fh);
        inode_opened(vpsfs_of(req), ino, -1);
        fuse_reply_err(req, 0);
}

void vpsfs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
        int r = datasync ? fdatasync((int) fi->fh) : fsync((int) fi->fh);

        fuse_reply_err(req, r < 0 ? errno : 0);
}

void vpsfs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                        struct fuse_file_info *fi) {
        fuse_reply_err(req, fallocate((int) fi->fh, mode, offset, length) < 0 ? errno : 0);
}

void vpsfs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi) {
        off_t r = lseek((int) fi->fh, off, whence);

        if (r < 0)
                fuse_reply_err(req, errno);
        else
                fuse_reply_lseek(req, r);
}

void vpsfs_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                              struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
                              struct fuse_file_info *fi_out, size_t len, int flags) {
        ssize_t n = copy_file_range((int) fi_in->fh, &off_in, (int) fi_out->fh, &off_out, len,
                                    (unsigned) flags);

        if (n < 0)
                fuse_reply_err(req, errno);
        else
                fuse_reply_write(req, (size_t) n);
}
