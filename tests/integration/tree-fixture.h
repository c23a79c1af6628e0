/* A small root filesystem tree with everything create --rootfs and --rootfs-tar must keep:
 * virtual owners, set-ID and sticky bits, hard links, a symlink to the host's /etc/passwd,
 * special files, xattrs, POSIX ACLs, a file capability, a sparse file, fixed times; and a
 * comparison of two trees in every piece of metadata a user could observe. */
#pragma once

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#define TREE_TIME 1000000000L /* 2001-09-09 */
#define TREE_SPARSE_SIZE (8 << 20)

/* POSIX ACL in the kernel's xattr form (version 2, entries sorted by tag and id). */
struct acl_entry {
        uint16_t tag, perm;
        uint32_t id;
};

static const struct {
        uint32_t version;
        struct acl_entry e[5];
} __attribute__((packed)) tree_access_acl = {
        2,
        { { 0x01, 6, UINT32_MAX }, { 0x02, 4, 1000 }, { 0x04, 4, UINT32_MAX }, { 0x10, 4, UINT32_MAX },
          { 0x20, 0, UINT32_MAX } },
};

/* A v2 file capability: cap_net_raw (13), permitted and effective. */
static const uint32_t tree_capability[5] = { 0x02000001, 1u << 13, 0, 0, 0 };

static inline void tree_file(int dirfd, const char *name, const char *content, mode_t mode, uid_t uid, gid_t gid) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        cr_assert_geq(fd, 0, "create %s: %s", name, strerror(errno));
        cr_assert_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        cr_assert_eq(fchown(fd, uid, gid), 0);
        cr_assert_eq(fchmod(fd, mode), 0);
        close(fd);
}

static inline void tree_dir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid) {
        cr_assert_eq(mkdirat(dirfd, name, 0700), 0, "mkdir %s: %s", name, strerror(errno));
        cr_assert_eq(fchownat(dirfd, name, uid, gid, 0), 0);
        cr_assert_eq(fchmodat(dirfd, name, mode, 0), 0);
}

static inline void tree_xattr(int dirfd, const char *name, const char *key, const void *value, size_t size) {
        char path[512];

        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
        cr_assert_eq(lsetxattr(path, key, value, size, 0), 0, "setxattr %s %s: %s", name, key, strerror(errno));
}

static inline void tree_times(int dirfd, const char *name) {
        const struct timespec ts[2] = { { TREE_TIME, 111 }, { TREE_TIME + 1, 222222222 } };

        cr_assert_eq(utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW), 0, "utimensat %s: %s", name, strerror(errno));
}

/* Builds the tree in the existing empty directory root. With extras, also a socket (tar
 * cannot carry one) and a directory mnt/ on which the caller mounts something that a copy
 * must not enter (then it calls tree_retime() on it). */
static inline void tree_build(const char *root, bool extras) {
        static const char *const entries[] = {
                "etc/motd", "bin/su", "bin/sg", "bin/mine", "bin/ping", "a", "b/a2", "pw", "fifo",
                "null", "acl-file", "sparse", "etc", "bin", "b", "shared", "tmp",
        };
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sparse;

        cr_assert_geq(fd, 0);
        tree_dir(fd, "etc", 0755, 1000, 1000);
        tree_file(fd, "etc/motd", "hello\n", 0644, 1000, 1000);
        tree_xattr(fd, "etc/motd", "user.x", "x-value", 7);
        tree_dir(fd, "bin", 0755, 0, 0);
        tree_file(fd, "bin/su", "su", 04755, 0, 0);
        tree_file(fd, "bin/sg", "sg", 02755, 0, 50);
        tree_file(fd, "bin/mine", "mine", 04750, 1000, 1000);
        tree_file(fd, "bin/ping", "ping", 0755, 0, 0);
        tree_xattr(fd, "bin/ping", "security.capability", tree_capability, sizeof(tree_capability));
        tree_dir(fd, "tmp", 01777, 0, 0);
        tree_dir(fd, "b", 0750, 1000, 1001);
        tree_file(fd, "a", "linked", 0600, 1000, 1001);
        cr_assert_eq(linkat(fd, "a", fd, "b/a2", 0), 0);
        cr_assert_eq(symlinkat("/etc/passwd", fd, "pw"), 0);
        cr_assert_eq(fchownat(fd, "pw", 1000, 1000, AT_SYMLINK_NOFOLLOW), 0);
        tree_xattr(fd, "pw", "trusted.t", "link", 4);
        cr_assert_eq(mkfifoat(fd, "fifo", 0640), 0);
        cr_assert_eq(fchownat(fd, "fifo", 1000, 1000, 0), 0);
        cr_assert_eq(mknodat(fd, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
        tree_file(fd, "acl-file", "acl", 0640, 1000, 1000);
        tree_xattr(fd, "acl-file", "system.posix_acl_access", &tree_access_acl, sizeof(tree_access_acl));
        tree_dir(fd, "shared", 02775, 1000, 1000);
        tree_xattr(fd, "shared", "system.posix_acl_default", &tree_access_acl, sizeof(tree_access_acl));
        sparse = openat(fd, "sparse", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        cr_assert_geq(sparse, 0);
        cr_assert_eq(ftruncate(sparse, TREE_SPARSE_SIZE), 0);
        cr_assert_eq(pwrite(sparse, "x", 1, TREE_SPARSE_SIZE / 2), 1);
        close(sparse);
        if (extras) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", root);
                cr_assert_eq(bind(s, (struct sockaddr *) &sa, sizeof(sa)), 0, "bind %s: %s", sa.sun_path, strerror(errno));
                close(s);
                tree_dir(fd, "mnt", 0755, 0, 0);
        }
        for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
                tree_times(fd, entries[i]);
        if (extras)
                tree_times(fd, "sock");
        cr_assert_eq(fchown(fd, 0, 0), 0);
        cr_assert_eq(fchmod(fd, 0755), 0);
        tree_times(fd, ".");
        close(fd);
}

/* Sets the fixed times again on a directory changed after tree_build() (a mount point). */
static inline void tree_retime(const char *path) {
        tree_times(AT_FDCWD, path);
}

static inline void tree_compare_xattrs(const char *src, const char *dst) {
        char names[4096], value_s[4096], value_d[4096];
        ssize_t n = llistxattr(src, names, sizeof(names)), n_dst = llistxattr(dst, NULL, 0);

        cr_assert_geq(n, 0, "listxattr %s: %s", src, strerror(errno));
        cr_expect_eq(n, n_dst, "%s: xattr names take %zd bytes, in the copy %zd", src, n, n_dst);
        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(names + i) + 1) {
                ssize_t a = lgetxattr(src, names + i, value_s, sizeof(value_s));
                ssize_t b = lgetxattr(dst, names + i, value_d, sizeof(value_d));

                cr_expect_eq(a, b, "%s: xattr %s: %zd bytes, in the copy %zd", src, names + i, a, b);
                if (a == b && a > 0)
                        cr_expect(memcmp(value_s, value_d, (size_t) a) == 0, "%s: xattr %s differs", src, names + i);
        }
}

static inline void tree_compare_content(const char *src, const char *dst) {
        char a[4096], b[4096];
        int fa = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), fb = open(dst, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        cr_assert(fa >= 0 && fb >= 0, "cannot open %s or %s", src, dst);
        for (;;) {
                ssize_t na = read(fa, a, sizeof(a)), nb = read(fb, b, sizeof(b));

                cr_assert_eq(na, nb, "%s: contents differ in length", src);
                if (na <= 0)
                        break;
                cr_assert(memcmp(a, b, (size_t) na) == 0, "%s: contents differ", src);
        }
        close(fa);
        close(fb);
}

/* dst must be src in type, mode, owner, mtime (to the nanosecond if exact_times), size,
 * content, device number, link target, link count and xattrs, all the way down; a
 * directory on another device than src_dev (a mount point) must be copied empty. */
static inline void tree_compare(const char *src, const char *dst, dev_t src_dev, bool exact_times) {
        struct stat s, d;
        char ls[4096], ld[4096];

        cr_assert_eq(lstat(src, &s), 0, "lstat %s: %s", src, strerror(errno));
        cr_assert_eq(lstat(dst, &d), 0, "%s was not copied: %s", src, strerror(errno));
        cr_expect_eq(s.st_mode, d.st_mode, "%s: mode %o, copy %o", src, s.st_mode, d.st_mode);
        cr_expect_eq(s.st_uid, d.st_uid, "%s: uid %u, copy %u", src, s.st_uid, d.st_uid);
        cr_expect_eq(s.st_gid, d.st_gid, "%s: gid %u, copy %u", src, s.st_gid, d.st_gid);
        cr_expect_eq(s.st_mtim.tv_sec, d.st_mtim.tv_sec, "%s: mtime differs", src);
        if (exact_times)
                cr_expect_eq(s.st_mtim.tv_nsec, d.st_mtim.tv_nsec, "%s: mtime ns differs", src);
        if (!S_ISDIR(s.st_mode)) {
                cr_expect_eq(s.st_nlink, d.st_nlink, "%s: %ju links, copy %ju", src, (uintmax_t) s.st_nlink,
                             (uintmax_t) d.st_nlink);
                cr_expect_eq(s.st_size, d.st_size, "%s: size differs", src);
        }
        if (S_ISCHR(s.st_mode) || S_ISBLK(s.st_mode))
                cr_expect_eq(s.st_rdev, d.st_rdev, "%s: device number differs", src);
        if (S_ISLNK(s.st_mode)) {
                ssize_t a = readlink(src, ls, sizeof(ls) - 1), b = readlink(dst, ld, sizeof(ld) - 1);

                cr_assert(a >= 0 && a == b, "%s: link targets differ", src);
                cr_expect(memcmp(ls, ld, (size_t) a) == 0, "%s: link targets differ", src);
        }
        if (S_ISREG(s.st_mode))
                tree_compare_content(src, dst);
        tree_compare_xattrs(src, dst);

        if (S_ISDIR(s.st_mode)) {
                DIR *dir = opendir(src);
                struct dirent *e;

                cr_assert_not_null(dir);
                if (s.st_dev != src_dev) {
                        DIR *copy = opendir(dst);
                        size_t n = 0;

                        cr_assert_not_null(copy);
                        while ((e = readdir(copy)))
                                n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
                        closedir(copy);
                        cr_expect_eq(n, 0, "%s: a mount point, copied with %zu entries", src, n);
                        closedir(dir);
                        return;
                }
                while ((e = readdir(dir))) {
                        char *cs = NULL, *cd = NULL;

                        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                                continue;
                        cr_assert(asprintf(&cs, "%s/%s", src, e->d_name) > 0 && asprintf(&cd, "%s/%s", dst, e->d_name) > 0);
                        tree_compare(cs, cd, src_dev, exact_times);
                        free(cs);
                        free(cd);
                }
                closedir(dir);
        }
}

/* The entries a copy of the tree has, counted (it must have no more than the source). */
static inline size_t tree_count(const char *path) {
        DIR *dir = opendir(path);
        struct dirent *e;
        size_t n = 0;

        cr_assert_not_null(dir, "opendir %s", path);
        while ((e = readdir(dir))) {
                char *child = NULL;
                struct stat st;

                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                n++;
                cr_assert(asprintf(&child, "%s/%s", path, e->d_name) > 0);
                if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                        n += tree_count(child);
                free(child);
        }
        closedir(dir);
        return n;
}
