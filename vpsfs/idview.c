/* Translation at the FUSE boundary: stored (virtual) IDs become alternative IDs on the way
 * out, callers' alternative IDs become virtual IDs on the way in, in owners and inside POSIX
 * ACL blobs. Also the per-thread identity switch that lets the backing filesystem stamp the
 * owner of a new file atomically. */
#include <errno.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vpsfs/vpsfs.h"

static uint32_t to_alt(const struct vpsfs *fs, enum idmap_kind kind, uint32_t virt) {
        uint32_t alt;

        return idmap_to_alt(fs->idmap, kind, virt, &alt) < 0 ? IDMAP_OVERFLOW_ID : alt;
}

void idview_stat(const struct vpsfs *fs, struct stat *st) {
        st->st_uid = to_alt(fs, IDMAP_UID, st->st_uid);
        st->st_gid = to_alt(fs, IDMAP_GID, st->st_gid);
}

/* With hostroot=vsu, host ID 0 (never in a table) stands for the VPS's root. */
static bool host_root_as_vsu(const struct vpsfs *fs, uint32_t alt) {
        return alt == 0 && fs->hostroot == VPSFS_HOSTROOT_VSU;
}

int idview_uid_to_virt(const struct vpsfs *fs, uid_t alt, uid_t *ret_virt) {
        uint32_t v = 0;

        if (!host_root_as_vsu(fs, alt) && idmap_to_virt(fs->idmap, IDMAP_UID, alt, &v) < 0)
                return -EINVAL;
        *ret_virt = v;
        return 0;
}

int idview_gid_to_virt(const struct vpsfs *fs, gid_t alt, gid_t *ret_virt) {
        uint32_t v = 0;

        if (!host_root_as_vsu(fs, alt) && idmap_to_virt(fs->idmap, IDMAP_GID, alt, &v) < 0)
                return -EINVAL;
        *ret_virt = v;
        return 0;
}

int idview_caps_init(struct vpsfs *fs) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

        if (syscall(SYS_capget, &h, fs->caps) < 0)
                return -errno;
        for (size_t k = 0; k < _LINUX_CAPABILITY_U32S_3; k++)
                fs->caps[k].effective = fs->caps[k].permitted;
        return 0;
}

/* The caller's IDs as stored on disk; host root has none unless hostroot=vsu. A host-root
 * caller keeps its primary group 0 there too. */
static int caller_virt(struct vpsfs *fs, const struct fuse_ctx *ctx, uid_t *ret_uid, gid_t *ret_gid) {
        if (idview_uid_to_virt(fs, ctx->uid, ret_uid) < 0 || idview_gid_to_virt(fs, ctx->gid, ret_gid) < 0)
                return -EPERM;
        return 0;
}

int idview_begin(struct vpsfs *fs, fuse_req_t req) {
        static __thread bool fs_unshared;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        const struct fuse_ctx *ctx = fuse_req_ctx(req);
        uid_t uid;
        gid_t gid;
        int r;

        r = caller_virt(fs, ctx, &uid, &gid);
        if (r < 0)
                return r;
        /* umask lives in fs_struct, shared by the threads: give each worker its own once, so
         * that the backing fs applies the caller's umask exactly when no default ACL does. */
        if (!fs_unshared) {
                if (unshare(CLONE_FS) < 0)
                        return -errno;
                fs_unshared = true;
        }
        umask(ctx->umask);
        /* Raw syscalls: these are per thread in the kernel, and glibc would broadcast setxid
         * calls to every thread. Leaving fsuid 0 drops the fs capabilities from the effective
         * set; raise them again so that the call still acts as root on BACKING. */
        syscall(SYS_setfsgid, gid);
        syscall(SYS_setfsuid, uid);
        if (syscall(SYS_capset, &h, fs->caps) < 0) {
                r = -errno;
                idview_end();
                return r;
        }
        return 0;
}

void idview_end(void) {
        /* Back to fsuid 0 the kernel raises the fs capabilities again by itself. */
        syscall(SYS_setfsuid, 0);
        syscall(SYS_setfsgid, 0);
}

int idview_acl_kind(const char *name) {
        if (strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) == 0)
                return IDVIEW_ACL_ACCESS;
        if (strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT) == 0)
                return IDVIEW_ACL_DEFAULT;
        return 0;
}

bool idview_is_acl(const char *name) {
        return idview_acl_kind(name) != 0;
}

static int acl_map(const struct vpsfs *fs, void *value, size_t size, bool to_virt) {
        struct posix_acl_xattr_header *h = value;
        struct posix_acl_xattr_entry *e = (struct posix_acl_xattr_entry *) (h + 1);
        size_t n;

        if (size < sizeof(*h) || (size - sizeof(*h)) % sizeof(*e) != 0 ||
            h->a_version != POSIX_ACL_XATTR_VERSION)
                return -EINVAL;
        n = (size - sizeof(*h)) / sizeof(*e);
        for (size_t k = 0; k < n; k++) {
                enum idmap_kind kind;
                uint32_t id;

                if (e[k].e_tag == ACL_USER)
                        kind = IDMAP_UID;
                else if (e[k].e_tag == ACL_GROUP)
                        kind = IDMAP_GID;
                else
                        continue;
                if (!to_virt)
                        id = to_alt(fs, kind, e[k].e_id);
                else if (idmap_to_virt(fs->idmap, kind, e[k].e_id, &id) < 0)
                        return -EINVAL;
                e[k].e_id = id;
        }
        return 0;
}

int idview_acl_to_virt(const struct vpsfs *fs, void *value, size_t size) {
        return acl_map(fs, value, size, true);
}

int idview_acl_to_alt(const struct vpsfs *fs, void *value, size_t size) {
        return acl_map(fs, value, size, false);
}
