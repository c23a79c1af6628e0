/* Permissions through vpsfs as real callers see them: host processes with alternative IDs
 * and the VPS's root in a user namespace built from the table. The kernel decides on the IDs
 * vpsfs presents, so the VPS root overrides checks on its own files only. */
#include <sys/time.h>

#include "vpsfs-fixture.h"

TestSuite(vpsfs_perm, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

enum op_kind { OP_READ, OP_WRITE, OP_UNLINK, OP_CHMOD, OP_CHOWN, OP_UTIME_NOW, OP_UTIME_SET, OP_TRUNCATE, OP_APPEND };

struct op {
        enum op_kind kind;
        const char *path;
        unsigned arg;
};

static int do_op(void *arg) {
        const struct op *o = arg;
        struct timespec ts[2] = { { .tv_sec = 1000 }, { .tv_sec = 2000 } };
        char buf[16];
        int fd, r;

        switch (o->kind) {
        case OP_READ:
        case OP_WRITE:
        case OP_APPEND:
                fd = open(o->path, (o->kind == OP_READ ? O_RDONLY : O_WRONLY | (o->kind == OP_APPEND ? O_APPEND : 0)) | O_CLOEXEC);
                if (fd < 0)
                        return errno;
                r = o->kind == OP_READ ? (int) read(fd, buf, sizeof(buf)) : (int) write(fd, "x", 1);
                r = r < 0 ? errno : 0;
                close(fd);
                return r;
        case OP_UNLINK:
                return fx_err(unlink(o->path));
        case OP_CHMOD:
                return fx_err(chmod(o->path, o->arg));
        case OP_CHOWN:
                return fx_err(chown(o->path, o->arg, (gid_t) -1));
        case OP_UTIME_NOW:
                return fx_err(utimensat(AT_FDCWD, o->path, NULL, 0));
        case OP_UTIME_SET:
                return fx_err(utimensat(AT_FDCWD, o->path, ts, 0));
        case OP_TRUNCATE:
                return fx_err(truncate(o->path, o->arg));
        }
        return 99;
}

#define OP(k, p, ...) (&(struct op) { .kind = (k), .path = (p), __VA_ARGS__ })

static mode_t mode_of(const char *path) {
        struct stat st;

        cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
        return st.st_mode & 07777;
}

static const struct fx_cred *host_with_group(uid_t v, gid_t g, gid_t extra) {
        static struct fx_cred c;

        c = (struct fx_cred) { .uid = FX_ALT_OF(v), .gid = FX_ALT_OF(g), .ngroups = 1, .groups = { FX_ALT_OF(extra) } };
        return &c;
}

Test(vpsfs_perm, owner_group_other) {
        fx_backing_file("f", 1000, 2000, 0640);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_READ, M("f"))), 0);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_WRITE, M("f"))), 0);
        cr_assert_eq(fx_run(host_with_group(1001, 1001, 2000), do_op, OP(OP_READ, M("f"))), 0);
        cr_assert_eq(fx_run(host_with_group(1001, 1001, 2000), do_op, OP(OP_WRITE, M("f"))), EACCES);
        cr_assert_eq(fx_run(&(struct fx_cred) { .uid = FX_ALT_OF(1001), .gid = FX_ALT_OF(2000) }, do_op, OP(OP_READ, M("f"))), 0);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_READ, M("f"))), EACCES);
        cr_assert_eq(fx_run(FX_VPS(1001), do_op, OP(OP_READ, M("f"))), EACCES);
        cr_assert_eq(fx_run(FX_VPS(1000), do_op, OP(OP_READ, M("f"))), 0);
}

Test(vpsfs_perm, sticky_directory) {
        cr_assert_eq(mkdir(B("tmp"), 01777), 0);
        cr_assert_eq(chmod(B("tmp"), 01777), 0);
        fx_backing_file("tmp/a", 1000, 1000, 0666);
        fx_backing_file("tmp/b", 1000, 1000, 0666);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_UNLINK, M("tmp/a"))), EPERM);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_UNLINK, M("tmp/a"))), 0);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_UNLINK, M("tmp/b"))), 0);
}

Test(vpsfs_perm, who_may_chmod) {
        fx_backing_file("f", 1000, 1000, 0644);
        fx_backing_file("foreign", 70000, 70000, 0644);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_CHMOD, M("f"), .arg = 0600)), EPERM);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_CHMOD, M("f"), .arg = 0600)), 0);
        cr_assert_eq(mode_of(B("f")), 0600);
        cr_assert_eq(mode_of(M("f")), 0600);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_CHMOD, M("f"), .arg = 0640)), 0);
        cr_assert_eq(mode_of(M("f")), 0640);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_CHMOD, M("foreign"), .arg = 0777)), EPERM);
        cr_assert_eq(mode_of(B("foreign")), 0644);
}

Test(vpsfs_perm, who_may_chown) {
        struct stat st;

        fx_backing_file("f", 1000, 1000, 0644);
        fx_backing_file("foreign", 70000, 70000, 0644);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_CHOWN, M("f"), .arg = FX_ALT_OF(1001))), EPERM);
        cr_assert_eq(fx_run(FX_VPS(1000), do_op, OP(OP_CHOWN, M("f"), .arg = 1001)), EPERM);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_CHOWN, M("f"), .arg = 1001)), 0);
        cr_assert_eq(stat(B("f"), &st), 0);
        cr_assert_eq(st.st_uid, 1001);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_CHOWN, M("foreign"), .arg = 0)), EPERM);
        cr_assert_eq(stat(B("foreign"), &st), 0);
        cr_assert_eq(st.st_uid, 70000);
}

Test(vpsfs_perm, who_may_set_times) {
        struct stat st;

        fx_backing_file("f", 1000, 1000, 0666);
        fx_backing_file("ro", 1000, 1000, 0644);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_UTIME_NOW, M("f"))), 0);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_UTIME_SET, M("f"))), EPERM);
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_UTIME_NOW, M("ro"))), EACCES);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_UTIME_SET, M("ro"))), 0);
        cr_assert_eq(stat(B("ro"), &st), 0);
        cr_assert_eq(st.st_atim.tv_sec, 1000);
        cr_assert_eq(st.st_mtim.tv_sec, 2000);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_UTIME_SET, M("f"))), 0);
}

Test(vpsfs_perm, vps_root_overrides_own_files_only) {
        fx_backing_file("secret", 1000, 1000, 0600);
        fx_backing_file("foreign", 70000, 70000, 0600);
        fx_backing_file("foreign_open", 70000, 70000, 0644);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_READ, M("secret"))), 0);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_WRITE, M("secret"))), 0);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_READ, M("foreign"))), EACCES);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_WRITE, M("foreign_open"))), EACCES);
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_READ, M("foreign_open"))), 0);
        /* The host's view of the VPS root is an ordinary user. */
        cr_assert_eq(fx_run(FX_HOST(0), do_op, OP(OP_READ, M("secret"))), EACCES);
}

/* As on a local filesystem: an unprivileged write or truncate clears set-user-ID, and
 * set-group-ID when group-executable; chown clears both. */
Test(vpsfs_perm, setid_bits_cleared_like_local_fs) {
        fx_backing_file("w", 1000, 1000, 06777);
        fx_backing_file("t", 1000, 1000, 06777);
        fx_backing_file("a", 1000, 1000, 04777);
        fx_backing_file("c", 1000, 1000, 06755);
        fx_backing_file("nx", 1000, 1000, 02766);
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_WRITE, M("w"))), 0);
        cr_assert_eq(mode_of(M("w")), 0777, "write: %o", mode_of(M("w")));
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_TRUNCATE, M("t"), .arg = 1)), 0);
        cr_assert_eq(mode_of(M("t")), 0777, "truncate: %o", mode_of(M("t")));
        cr_assert_eq(fx_run(FX_HOST(1001), do_op, OP(OP_APPEND, M("a"))), 0);
        cr_assert_eq(mode_of(M("a")), 0777, "append by other: %o", mode_of(M("a")));
        cr_assert_eq(fx_run(FX_VPS(0), do_op, OP(OP_CHOWN, M("c"), .arg = 1001)), 0);
        cr_assert_eq(mode_of(M("c")), 0755, "chown: %o", mode_of(M("c")));
        cr_assert_eq(mode_of(B("c")), 0755);
        /* set-group-ID without group execute is a mandatory-locking mark: kept on write. */
        cr_assert_eq(fx_run(FX_HOST(1000), do_op, OP(OP_WRITE, M("nx"))), 0);
        cr_assert_eq(mode_of(M("nx")), 02766, "write, sgid without g+x: %o", mode_of(M("nx")));
        cr_assert_eq(mode_of(B("w")), 0777);
}
