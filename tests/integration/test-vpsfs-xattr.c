/* Extended attributes through vpsfs: plain ones pass through, POSIX ACLs have the IDs
 * inside their blobs translated both ways and are enforced by the kernel. */
#include <linux/posix_acl.h>
#include <linux/capability.h>
#include <linux/posix_acl_xattr.h>
#include <sys/xattr.h>

#include "common/macro.h"
#include "vpsfs-fixture.h"

TestSuite(vpsfs_xattr, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

#define ACCESS "system.posix_acl_access"
#define DEFAULT "system.posix_acl_default"

struct acl {
        struct posix_acl_xattr_header h;
        struct posix_acl_xattr_entry e[8];
};

/* tag/perm/id triples, sorted as the kernel wants them. */
static size_t acl_make(struct acl *a, size_t n, const unsigned (*ents)[3]) {
        a->h.a_version = POSIX_ACL_XATTR_VERSION;
        for (size_t k = 0; k < n; k++)
                a->e[k] = (struct posix_acl_xattr_entry) {
                        .e_tag = (uint16_t) ents[k][0], .e_perm = (uint16_t) ents[k][1], .e_id = ents[k][2],
                };
        return sizeof(a->h) + n * sizeof(a->e[0]);
}

static uint32_t acl_id(const char *path, const char *name, uint16_t tag) {
        struct acl a;
        ssize_t n = getxattr(path, name, &a, sizeof(a));

        cr_assert_gt(n, 0, "getxattr %s %s: %s", path, name, strerror(errno));
        for (size_t k = 0; k < ((size_t) n - sizeof(a.h)) / sizeof(a.e[0]); k++)
                if (a.e[k].e_tag == tag)
                        return a.e[k].e_id;
        cr_assert_fail("no entry with tag %u", tag);
        return 0;
}

Test(vpsfs_xattr, user_xattrs_pass_through) {
        char buf[64];
        ssize_t n;

        fx_backing_file("f", 1000, 1000, 0644);
        cr_assert_eq(setxattr(M("f"), "user.color", "blue", 4, 0), 0);
        n = getxattr(B("f"), "user.color", buf, sizeof(buf));
        cr_assert_eq(n, 4);
        cr_assert_eq(memcmp(buf, "blue", 4), 0);
        cr_assert_eq(getxattr(M("f"), "user.color", NULL, 0), 4);
        n = listxattr(M("f"), buf, sizeof(buf));
        cr_assert_gt(n, 0);
        cr_assert(memmem(buf, (size_t) n, "user.color", 10));
        cr_assert_eq(setxattr(M("f"), "user.color", "red", 3, XATTR_CREATE), -1);
        cr_assert_eq(errno, EEXIST);
        cr_assert_eq(removexattr(M("f"), "user.color"), 0);
        cr_assert_eq(getxattr(B("f"), "user.color", buf, sizeof(buf)), -1);
        cr_assert_eq(errno, ENODATA);
        cr_assert_eq(getxattr(M("f"), "user.color", buf, sizeof(buf)), -1);
        cr_assert_eq(errno, ENODATA);
}

static const unsigned acl_1001_r[][3] = {
        { ACL_USER_OBJ, 6, ACL_UNDEFINED_ID }, { ACL_USER, 4, FX_ALT_OF(1001) },
        { ACL_GROUP_OBJ, 0, ACL_UNDEFINED_ID }, { ACL_GROUP, 4, FX_ALT_OF(2000) },
        { ACL_MASK, 4, ACL_UNDEFINED_ID }, { ACL_OTHER, 0, ACL_UNDEFINED_ID },
};

Test(vpsfs_xattr, acl_translated_both_ways_and_enforced) {
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(acl_1001_r), acl_1001_r);

        fx_backing_file("f", 1000, 1000, 0600);
        cr_assert_eq(setxattr(M("f"), ACCESS, &a, size, 0), 0, "set ACL: %s", strerror(errno));
        cr_assert_eq(acl_id(B("f"), ACCESS, ACL_USER), 1001);
        cr_assert_eq(acl_id(B("f"), ACCESS, ACL_GROUP), 2000);
        cr_assert_eq(acl_id(M("f"), ACCESS, ACL_USER), FX_ALT_OF(1001));
        cr_assert_eq(acl_id(M("f"), ACCESS, ACL_GROUP), FX_ALT_OF(2000));
        cr_assert_eq(fx_run(FX_HOST(1001), fx_open_read, (void *) M("f")), 0);
        cr_assert_eq(fx_run(FX_HOST(1002), fx_open_read, (void *) M("f")), EACCES);
        cr_assert_eq(fx_run(&(struct fx_cred) { .uid = FX_ALT_OF(1003), .gid = FX_ALT_OF(2000) }, fx_open_read, (void *) M("f")), 0);
        cr_assert_eq(fx_run(FX_VPS(1001), fx_open_read, (void *) M("f")), 0);
        cr_assert_eq(fx_run(FX_VPS(1002), fx_open_read, (void *) M("f")), EACCES);
}

Test(vpsfs_xattr, acl_with_unmapped_id_refused) {
        static const unsigned bad[][3] = {
                { ACL_USER_OBJ, 6, ACL_UNDEFINED_ID }, { ACL_USER, 4, 4242 },
                { ACL_GROUP_OBJ, 0, ACL_UNDEFINED_ID }, { ACL_MASK, 4, ACL_UNDEFINED_ID },
                { ACL_OTHER, 0, ACL_UNDEFINED_ID },
        };
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(bad), bad);

        fx_backing_file("f", 1000, 1000, 0600);
        cr_assert_eq(setxattr(M("f"), ACCESS, &a, size, 0), -1);
        cr_assert_eq(errno, EINVAL);
        cr_assert_eq(getxattr(B("f"), ACCESS, NULL, 0), -1);
}

Test(vpsfs_xattr, stored_acl_with_foreign_id_shows_overflow) {
        static const unsigned foreign[][3] = {
                { ACL_USER_OBJ, 6, ACL_UNDEFINED_ID }, { ACL_USER, 4, 70000 },
                { ACL_GROUP_OBJ, 0, ACL_UNDEFINED_ID }, { ACL_MASK, 4, ACL_UNDEFINED_ID },
                { ACL_OTHER, 0, ACL_UNDEFINED_ID },
        };
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(foreign), foreign);

        fx_backing_file("f", 1000, 1000, 0600);
        cr_assert_eq(setxattr(B("f"), ACCESS, &a, size, 0), 0);
        cr_assert_eq(acl_id(M("f"), ACCESS, ACL_USER), 65534);
}

static int create_file(void *arg) {
        int fd;

        umask(077);
        fd = open(arg, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

Test(vpsfs_xattr, default_acl_inherited_and_umask_ignored) {
        static const unsigned dflt[][3] = {
                { ACL_USER_OBJ, 7, ACL_UNDEFINED_ID }, { ACL_USER, 6, FX_ALT_OF(1001) },
                { ACL_GROUP_OBJ, 5, ACL_UNDEFINED_ID }, { ACL_MASK, 6, ACL_UNDEFINED_ID },
                { ACL_OTHER, 4, ACL_UNDEFINED_ID },
        };
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(dflt), dflt);
        struct stat st;

        cr_assert_eq(mkdir(B("d"), 0755), 0);
        cr_assert_eq(chown(B("d"), 1000, 1000), 0);
        cr_assert_eq(setxattr(M("d"), DEFAULT, &a, size, 0), 0, "set default ACL: %s", strerror(errno));
        cr_assert_eq(acl_id(B("d"), DEFAULT, ACL_USER), 1001);
        cr_assert_eq(fx_run(FX_HOST(1000), create_file, (void *) M("d/f")), 0);
        cr_assert_eq(acl_id(B("d/f"), ACCESS, ACL_USER), 1001);
        cr_assert_eq(acl_id(M("d/f"), ACCESS, ACL_USER), FX_ALT_OF(1001));
        cr_assert_eq(stat(B("d/f"), &st), 0);
        /* Default ACL present: the mode comes from it (mask rw-), not from the umask 077. */
        cr_assert_eq(st.st_mode & 0777, 0664, "mode %o", st.st_mode & 0777);
        cr_assert_eq(stat(M("d/f"), &st), 0);
        cr_assert_eq(st.st_mode & 0777, 0664, "mode %o", st.st_mode & 0777);
        cr_assert_eq(fx_run(FX_HOST(1001), fx_open_read, (void *) M("d/f")), 0);
}

/* -o noacl: ACL blobs are still stored and translated, but the kernel does not enforce them. */
Test(vpsfs_xattr, noacl_stores_but_does_not_enforce) {
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(acl_1001_r), acl_1001_r);

        fx_backing_file("f", 1000, 1000, 0600);
        fx_remount("noacl", 0);
        cr_assert_eq(setxattr(M("f"), ACCESS, &a, size, 0), 0, "set ACL: %s", strerror(errno));
        cr_assert_eq(acl_id(B("f"), ACCESS, ACL_USER), 1001);
        cr_assert_eq(acl_id(M("f"), ACCESS, ACL_USER), FX_ALT_OF(1001));
        cr_assert_eq(fx_run(FX_HOST(1001), fx_open_read, (void *) M("f")), EACCES);
}

/* vpsfs remembers that a file has no security.capability (the kernel asks before every
 * write); a capability set later through the mount is seen at once, and the write that
 * removes it again (the kernel kills a file capability on write) is seen too. */
Test(vpsfs_xattr, file_capability_absence_is_not_stale) {
        const struct vfs_cap_data caps = {
                .magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
                .data = { { .permitted = 1u << CAP_NET_BIND_SERVICE } },
        };
        struct vfs_cap_data got;
        int fd;

        fx_backing_file("f", 1000, 1000, 0755);
        cr_assert_eq(getxattr(M("f"), "security.capability", &got, sizeof(got)), -1);
        cr_assert_eq(errno, ENODATA);
        cr_assert_eq(setxattr(M("f"), "security.capability", &caps, XATTR_CAPS_SZ_2, 0), 0, "setxattr: %s", strerror(errno));
        cr_assert_eq(getxattr(M("f"), "security.capability", &got, sizeof(got)), XATTR_CAPS_SZ_2);
        cr_assert_eq(getxattr(B("f"), "security.capability", &got, sizeof(got)), XATTR_CAPS_SZ_2);
        fd = open(M("f"), O_WRONLY | O_CLOEXEC);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, "x", 1), 1);
        close(fd);
        cr_assert_eq(getxattr(B("f"), "security.capability", &got, sizeof(got)), -1, "a write left the capability");
        cr_assert_eq(getxattr(M("f"), "security.capability", &got, sizeof(got)), -1);
        cr_assert_eq(errno, ENODATA);
}

/* The mount's root is an inode whose ACLs the kernel caches (vpsfs/attach.c), so that a path
 * walk by a caller who does not own / costs no request. Seen in the one case where a cached
 * ACL differs from BACKING's: an ACL removed behind vpsfs's back, which the kernel does not
 * ask for again. With the connection's root inode at the top, it asked on every walk. (Only
 * a walk that is allowed: on a refusal the kernel fetches attributes and ACLs again.) */
Test(vpsfs_xattr, root_acl_cached_by_the_kernel) {
        static const unsigned allow_1001[][3] = {
                { ACL_USER_OBJ, 7, ACL_UNDEFINED_ID }, { ACL_USER, 5, FX_ALT_OF(1001) },
                { ACL_GROUP_OBJ, 5, ACL_UNDEFINED_ID }, { ACL_MASK, 5, ACL_UNDEFINED_ID },
                { ACL_OTHER, 0, ACL_UNDEFINED_ID },
        };
        struct acl a;
        size_t size = acl_make(&a, ELEMENTSOF(allow_1001), allow_1001);

        fx_backing_file("f", 1000, 1000, 0644);
        cr_assert_eq(setxattr(fx.mnt, ACCESS, &a, size, 0), 0, "set ACL: %s", strerror(errno));
        cr_assert_eq(fx_run(FX_HOST(1001), fx_open_read, (void *) M("f")), 0);
        cr_assert_eq(fx_run(FX_HOST(1002), fx_open_read, (void *) M("f")), EACCES);
        cr_assert_eq(removexattr(fx.backing, ACCESS), 0, "%s", strerror(errno));
        cr_assert_eq(fx_run(FX_HOST(1001), fx_open_read, (void *) M("f")), 0,
                     "the kernel asked vpsfs for the root's ACL again");
}
