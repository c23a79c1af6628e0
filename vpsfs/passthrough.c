/* FUSE passthrough (Linux 6.9 and later): read, write, splice and mmap of an open regular
 * file go from the kernel straight to the backing file, with no round trip through vpsfs
 * and no second copy of the data in the FUSE page cache. libfuse 3.14 predates it, so
 * vpsfs speaks the two protocol additions itself, in the custom I/O layer its session
 * reads and writes through: the INIT reply accepts FUSE_PASSTHROUGH, and an open or create
 * reply names the backing file registered for the inode. Where the kernel does not offer
 * passthrough, every reply goes out unchanged and files are served through the loop. */
#include <errno.h>
#include <linux/fuse.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "vpsfs/vpsfs.h"

/* The protocol additions of 7.40, missing from this system's <linux/fuse.h>. */
#define INIT_FLAG2_PASSTHROUGH (1u << (37 - 32)) /* FUSE_PASSTHROUGH, in flags2 */
#define OPEN_PASSTHROUGH (1u << 7)               /* FOPEN_PASSTHROUGH */
/* The open flags the kernel accepts beside FOPEN_PASSTHROUGH (FOPEN_PASSTHROUGH_MASK). */
#define OPEN_PASSTHROUGH_ALLOWED (OPEN_PASSTHROUGH | FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES | FOPEN_NOFLUSH)
/* The backing files are plain files of BACKING: one filesystem below the FUSE mount. */
#define MAX_STACK_DEPTH 1

struct backing_map {
        int32_t fd;
        uint32_t flags;
        uint64_t padding;
};
#define DEV_IOC_BACKING_OPEN _IOW(229, 1, struct backing_map)
#define DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* The INIT request and its reply are handled by one worker thread, as is every other
 * request; so is the reply to an open, which the handler writes from within
 * fuse_reply_open(). Thread-local state ties a reply to its request without libfuse's
 * help. */
static __thread uint64_t init_unique;
static __thread bool init_offers_passthrough;
static __thread int reply_backing_id;

static void note_init(const void *buf, size_t n) {
        const struct fuse_in_header *in = buf;
        const struct fuse_init_in *arg = (const void *) (in + 1);

        if (n < sizeof(*in) + sizeof(*arg) || in->opcode != FUSE_INIT)
                return;
        init_unique = in->unique;
        init_offers_passthrough = (arg->flags & FUSE_INIT_EXT) && (arg->flags2 & INIT_FLAG2_PASSTHROUGH);
}

static void patch_init(struct vpsfs *fs, const struct iovec *arg) {
        struct fuse_init_out *out = arg->iov_base;

        /* The kernel refuses passthrough together with the writeback cache. */
        if (!init_offers_passthrough || !fs->passthrough_wanted || fs->writeback ||
            arg->iov_len < sizeof(*out))
                return;
        out->flags |= FUSE_INIT_EXT;
        out->flags2 |= INIT_FLAG2_PASSTHROUGH;
        out->unused[0] = MAX_STACK_DEPTH; /* max_stack_depth, the word after flags2 */
        __atomic_store_n(&fs->passthrough, true, __ATOMIC_RELEASE);
        log_debug("INIT: passthrough on");
}

/* The open reply is the last part of an open's (fuse_open_out) or a create's (fuse_entry_out,
 * then fuse_open_out) argument. */
static void patch_open(const struct iovec *arg, int backing_id) {
        struct fuse_open_out *out;

        if (arg->iov_len < sizeof(*out))
                return;
        out = (struct fuse_open_out *) ((char *) arg->iov_base + arg->iov_len - sizeof(*out));
        out->open_flags = (out->open_flags | OPEN_PASSTHROUGH) & OPEN_PASSTHROUGH_ALLOWED;
        out->padding = (uint32_t) backing_id; /* backing_id since 7.40 */
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata) {
        ssize_t n = read(fd, buf, len);

        if (n > 0 && !__atomic_load_n(&((struct vpsfs *) userdata)->init_done, __ATOMIC_ACQUIRE))
                note_init(buf, (size_t) n);
        return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata) {
        struct vpsfs *fs = userdata;
        const struct fuse_out_header *out = iov[0].iov_base;

        if (count >= 2 && iov[0].iov_len == sizeof(*out) && out->error == 0) {
                if (init_unique != 0 && out->unique == init_unique) {
                        patch_init(fs, &iov[1]);
                        init_unique = 0;
                        __atomic_store_n(&fs->init_done, true, __ATOMIC_RELEASE);
                } else if (reply_backing_id > 0)
                        patch_open(&iov[count - 1], reply_backing_id);
        }
        return writev(fd, iov, count);
}

const struct fuse_custom_io passthrough_io = {
        .read = io_read,
        .writev = io_writev,
};

int passthrough_register(struct vpsfs *fs, int fd) {
        struct backing_map map = { .fd = fd };
        int id;

        if (!__atomic_load_n(&fs->passthrough, __ATOMIC_ACQUIRE))
                return 0;
        id = ioctl(fs->dev_fd, DEV_IOC_BACKING_OPEN, &map);
        if (id <= 0) {
                log_debug_errno(-errno, "cannot register a backing file for passthrough: %m");
                return 0;
        }
        return id;
}

void passthrough_unregister(struct vpsfs *fs, int backing_id) {
        uint32_t id = (uint32_t) backing_id;

        if (backing_id > 0 && ioctl(fs->dev_fd, DEV_IOC_BACKING_CLOSE, &id) < 0)
                log_debug_errno(-errno, "cannot unregister backing file %d: %m", backing_id);
}

int passthrough_reply_open(fuse_req_t req, const struct fuse_file_info *fi, int backing_id) {
        int r;

        reply_backing_id = backing_id;
        r = fuse_reply_open(req, fi);
        reply_backing_id = 0;
        return r;
}

int passthrough_reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi,
                             int backing_id) {
        int r;

        reply_backing_id = backing_id;
        r = fuse_reply_create(req, e, fi);
        reply_backing_id = 0;
        return r;
}
