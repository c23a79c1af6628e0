/* The operations table and connection set-up: which kernel features vpsfs asks for, and
 * why. Handlers live in ops-entry.c, ops-attr.c, ops-dir.c, ops-file.c and ops-xattr.c. */
#include "vpsfs/vpsfs.h"

/* With the request header, 1 MiB does not fit a pipe of the default maximum size, and
 * libfuse then copies instead of splicing: 512 KiB measured faster here with splice
 * (sequential write 240/191/321 MB/s against 164/82/254 MB/s with 1 MiB, same runs), and
 * as fast without (372/373 against 324/310 MB/s). */
#define MAX_WRITE (512 * 1024)

static void want(struct fuse_conn_info *conn, unsigned cap) {
        if (conn->capable & cap)
                conn->want |= cap;
}

void vpsfs_op_init(void *userdata, struct fuse_conn_info *conn) {
        struct vpsfs *fs = userdata;

        /* The kernel enforces ACLs and hands us the caller's umask, which the backing fs
         * applies exactly when no default ACL replaces it (see idview_begin). */
        if (fs->acl)
                want(conn, FUSE_CAP_POSIX_ACL);
        want(conn, FUSE_CAP_DONT_MASK);
        /* Off by default (measured on 6.18: sequential writes 132 MB/s with it, 204 MB/s
         * without, native 300), and with it every close() invalidates st_blocks, so a warm
         * stat after a create costs a GETATTR round trip. */
        if (fs->writeback && !fs->readonly)
                want(conn, FUSE_CAP_WRITEBACK_CACHE);
        fs->writeback = conn->want & FUSE_CAP_WRITEBACK_CACHE;
        /* Splice both ways. Receiving small requests by splice costs a second syscall, but
         * turning it off measured no better here (metadata rows within noise; sequential
         * writes 273/291 MB/s without against 329/310 MB/s with, same runs). */
        want(conn, FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
        want(conn, FUSE_CAP_CACHE_SYMLINKS);
        want(conn, FUSE_CAP_PARALLEL_DIROPS);
        want(conn, FUSE_CAP_ATOMIC_O_TRUNC);
        /* The kernel clears set-user-ID/set-group-ID bits on write, truncate and chown the
         * way a local filesystem does, as a SETATTR with the new mode, judged by the caller's
         * credentials; the daemon, acting with CAP_FSETID, must not be the one to decide.
         * (On 6.18 the setid tests pass with HANDLE_KILLPRIV requested too; off is the safe
         * side.) */
        conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
        conn->max_write = MAX_WRITE;
        conn->max_read = VPSFS_MAX_READ; /* must match the max_read mount option */
        /* The kernel takes the smaller of this and the bdi's window, which main.c widened
         * before INIT (see set_readahead). */
        conn->max_readahead = 2 * MAX_WRITE;
        conn->max_background = 64;
        conn->congestion_threshold = 48;
        conn->time_gran = 1;
}

const struct fuse_lowlevel_ops vpsfs_ops = {
        .init = vpsfs_op_init,
        .lookup = vpsfs_op_lookup,
        .forget = vpsfs_op_forget,
        .forget_multi = vpsfs_op_forget_multi,
        .getattr = vpsfs_op_getattr,
        .setattr = vpsfs_op_setattr,
        .readlink = vpsfs_op_readlink,
        .mknod = vpsfs_op_mknod,
        .mkdir = vpsfs_op_mkdir,
        .unlink = vpsfs_op_unlink,
        .rmdir = vpsfs_op_rmdir,
        .symlink = vpsfs_op_symlink,
        .rename = vpsfs_op_rename,
        .link = vpsfs_op_link,
        .open = vpsfs_op_open,
        .read = vpsfs_op_read,
        .write_buf = vpsfs_op_write_buf,
        .flush = vpsfs_op_flush,
        .release = vpsfs_op_release,
        .fsync = vpsfs_op_fsync,
        .opendir = vpsfs_op_opendir,
        .readdir = vpsfs_op_readdir,
        .readdirplus = vpsfs_op_readdirplus,
        .releasedir = vpsfs_op_releasedir,
        .fsyncdir = vpsfs_op_fsyncdir,
        .statfs = vpsfs_op_statfs,
        .setxattr = vpsfs_op_setxattr,
        .getxattr = vpsfs_op_getxattr,
        .listxattr = vpsfs_op_listxattr,
        .removexattr = vpsfs_op_removexattr,
        .access = vpsfs_op_access,
        .create = vpsfs_op_create,
        .fallocate = vpsfs_op_fallocate,
        .lseek = vpsfs_op_lseek,
        .copy_file_range = vpsfs_op_copy_file_range,
};
