/* fuse-floor: a FUSE filesystem that does (next to) no work, to measure what the FUSE
 * protocol alone costs a create on this machine. It is mounted as vpsfs is (allow_other,
 * default_permissions, the same long timeouts, libfuse's multithreaded loop) but keeps no
 * files: every LOOKUP is a cached negative entry, CREATE hands out a fresh inode number,
 * GETATTR, RELEASE and UNLINK answer at once. A create through it costs the same requests a
 * create through vpsfs costs (GETATTR of the directory, LOOKUP, CREATE, RELEASE), with no
 * system call in the daemon but the read and the reply. So its time is the least any FUSE
 * filesystem mounted that way can take here.
 *
 * With --backing DIR, CREATE and UNLINK also do the one thing a real filesystem cannot skip:
 * create (and close) or unlink the name in DIR. That is the least a FUSE filesystem that
 * keeps its files on a local filesystem can take. run-fsbench runs both beside vpsfs. */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIMEOUT_S 86400.0
#define MAX_THREADS 16

static atomic_ulong next_ino = FUSE_ROOT_ID + 1;
static int backing_fd = -1; /* --backing: where CREATE and UNLINK do their work */

static void fill_attr(fuse_ino_t ino, struct stat *st) {
        memset(st, 0, sizeof(*st));
        st->st_ino = ino;
        if (ino == FUSE_ROOT_ID) {
                st->st_mode = S_IFDIR | 01777;
                st->st_nlink = 2;
        } else {
                st->st_mode = S_IFREG | 0644;
                st->st_nlink = 1;
        }
}

static void floor_init(void *userdata, struct fuse_conn_info *conn) {
        (void) userdata;
        conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
        struct fuse_entry_param e = { .ino = 0, .entry_timeout = TIMEOUT_S };

        (void) parent;
        (void) name;
        fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        struct stat st;

        (void) fi;
        fill_attr(ino, &st);
        fuse_reply_attr(req, &st, TIMEOUT_S);
}

static void floor_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                         struct fuse_file_info *fi) {
        const struct fuse_ctx *ctx = fuse_req_ctx(req);
        struct fuse_entry_param e = { .attr_timeout = TIMEOUT_S, .entry_timeout = TIMEOUT_S };

        (void) parent;
        if (backing_fd >= 0) {
                int fd = openat(backing_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

                if (fd < 0) {
                        fuse_reply_err(req, errno);
                        return;
                }
                close(fd);
        }
        e.ino = atomic_fetch_add(&next_ino, 1);
        fill_attr(e.ino, &e.attr);
        e.attr.st_uid = ctx->uid;
        e.attr.st_gid = ctx->gid;
        fi->fh = 0;
        fi->noflush = 1;
        fuse_reply_create(req, &e, fi);
}

static void floor_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        (void) ino;
        (void) fi;
        fuse_reply_err(req, 0);
}

static void floor_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
        (void) parent;
        fuse_reply_err(req, backing_fd >= 0 && unlinkat(backing_fd, name, 0) < 0 ? errno : 0);
}

static void floor_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
        (void) ino;
        (void) nlookup;
        fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops floor_ops = {
        .init = floor_init,
        .lookup = floor_lookup,
        .getattr = floor_getattr,
        .create = floor_create,
        .release = floor_release,
        .unlink = floor_unlink,
        .forget = floor_forget,
};

int main(int argc, char *argv[]) {
        char *fuse_argv[] = { argv[0], "-o", "allow_other,default_permissions,fsname=fuse-floor", NULL };
        struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
        struct fuse_loop_config *cfg;
        struct fuse_session *se;
        int r = 1;

        if (argc == 4 && strcmp(argv[1], "--backing") == 0) {
                backing_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (backing_fd < 0) {
                        fprintf(stderr, "fuse-floor: cannot open %s: %s\n", argv[2], strerror(errno));
                        return 1;
                }
                argv += 2;
                argc -= 2;
        }
        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "Usage: fuse-floor [--backing DIR] MOUNTPOINT (stays in the foreground; "
                                "fusermount3 -u MOUNTPOINT ends it)\n");
                return 2;
        }
        se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
        if (!se)
                return 1;
        if (fuse_set_signal_handlers(se) == 0) {
                if (fuse_session_mount(se, argv[1]) == 0) {
                        cfg = fuse_loop_cfg_create();
                        fuse_loop_cfg_set_max_threads(cfg, MAX_THREADS);
                        fuse_loop_cfg_set_idle_threads(cfg, MAX_THREADS);
                        r = fuse_session_loop_mt(se, cfg) < 0;
                        fuse_loop_cfg_destroy(cfg);
                        fuse_session_unmount(se);
                }
                fuse_remove_signal_handlers(se);
        }
        fuse_session_destroy(se);
        return r;
}
