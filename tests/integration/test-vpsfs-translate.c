/* vpsfs ID translation both ways: what the host and a VPS see through the mount, what is
 * stored in BACKING, unmapped IDs, chown limits, the owner and mode of new files. */
#include <dirent.h>

#include "vpsfs-fixture.h"

TestSuite(vpsfs_translate, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

static void backing_dir(const char *rel, uid_t uid, gid_t gid, mode_t mode) {
        cr_assert_eq(mkdir(B("%s", rel), mode), 0);
        cr_assert_eq(chown(B("%s", rel), uid, gid), 0);
        cr_assert_eq(chmod(B("%s", rel), mode), 0);
}

static void assert_owner(const char *path, uid_t uid, gid_t gid) {
        struct stat st;

        cr_assert_eq(lstat(path, &st), 0, "stat %s: %s", path, strerror(errno));
        cr_assert_eq(st.st_uid, uid, "%s: uid %u, expected %u", path, st.st_uid, uid);
        cr_assert_eq(st.st_gid, gid, "%s: gid %u, expected %u", path, st.st_gid, gid);
}

Test(vpsfs_translate, host_sees_alternative_ids) {
        fx_backing_file("f", 1000, 1001, 0644);
        backing_dir("d", 0, 0, 0755);
        assert_owner(M("f"), FX_ALT_OF(1000), FX_ALT_OF(1001));
        assert_owner(M("d"), FX_ALT, FX_ALT);
        assert_owner(M("."), FX_ALT, FX_ALT);
}

Test(vpsfs_translate, unmapped_ids_show_as_overflow) {
        fx_backing_file("foreign", 70000, 100000, 0644);
        assert_owner(M("foreign"), 65534, 65534);
}

static int stat_is_virtual(void *arg) {
        struct stat st;

        if (stat(arg, &st) < 0)
                return errno;
        return st.st_uid == 1000 && st.st_gid == 1001 ? 0 : 99;
}

Test(vpsfs_translate, vps_sees_virtual_ids) {
        fx_backing_file("f", 1000, 1001, 0644);
        cr_assert_eq(fx_run(FX_VPS(0), stat_is_virtual, (void *) M("f")), 0);
        cr_assert_eq(fx_run(FX_VPS(1000), stat_is_virtual, (void *) M("f")), 0);
}

struct mk {
        const char *path;
        mode_t mode;
        mode_t umask;
        bool dir;
};

static int make(void *arg) {
        struct mk *m = arg;
        int fd;

        umask(m->umask);
        if (m->dir)
                return fx_err(mkdir(m->path, m->mode));
        fd = open(m->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, m->mode);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

Test(vpsfs_translate, new_files_store_virtual_ids) {
        backing_dir("home", 1000, 1000, 0755);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("home/f"), 0666, 022, false }), 0);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("home/d"), 0777, 022, true }), 0);
        cr_assert_eq(fx_run(FX_VPS(1000), make, &(struct mk) { M("home/g"), 0600, 022, false }), 0);
        assert_owner(B("home/f"), 1000, 1000);
        assert_owner(B("home/d"), 1000, 1000);
        assert_owner(B("home/g"), 1000, 1000);
        assert_owner(M("home/f"), FX_ALT_OF(1000), FX_ALT_OF(1000));
        assert_owner(M("home/d"), FX_ALT_OF(1000), FX_ALT_OF(1000));
}

Test(vpsfs_translate, umask_applies) {
        struct stat st;

        backing_dir("home", 1000, 1000, 0755);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("home/f"), 0666, 027, false }), 0);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("home/d"), 0777, 077, true }), 0);
        cr_assert_eq(stat(B("home/f"), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
        cr_assert_eq(stat(B("home/d"), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0700, "mode %o", st.st_mode & 07777);
}

Test(vpsfs_translate, setgid_directory_rule) {
        struct stat st;

        backing_dir("shared", 0, 2000, 02777);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("shared/f"), 0644, 022, false }), 0);
        cr_assert_eq(fx_run(FX_HOST(1000), make, &(struct mk) { M("shared/d"), 0755, 022, true }), 0);
        assert_owner(B("shared/f"), 1000, 2000);
        assert_owner(B("shared/d"), 1000, 2000);
        cr_assert_eq(stat(B("shared/d"), &st), 0);
        cr_assert(st.st_mode & S_ISGID, "new directory did not inherit the set-group-ID bit");
        cr_assert_eq(stat(M("shared/d"), &st), 0);
        cr_assert(st.st_mode & S_ISGID);
        cr_assert_eq(st.st_gid, FX_ALT_OF(2000));
}

Test(vpsfs_translate, host_root_may_not_create) {
        cr_assert_eq(open(M("x"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644), -1);
        cr_assert_eq(errno, EPERM);
        cr_assert_eq(mkdir(M("d"), 0755), -1);
        cr_assert_eq(errno, EPERM);
        cr_assert_eq(symlink("t", M("l")), -1);
        cr_assert_eq(errno, EPERM);
}

Test(vpsfs_translate, caller_outside_table_may_not_create) {
        backing_dir("pub", 0, 0, 0777);
        cr_assert_eq(fx_run(&(struct fx_cred) { .uid = 5000, .gid = 5000 }, make,
                            &(struct mk) { M("pub/f"), 0644, 022, false }),
                     EPERM);
}

Test(vpsfs_translate, chown_translates_and_refuses_unmapped) {
        fx_backing_file("f", 0, 0, 0644);
        cr_assert_eq(chown(M("f"), FX_ALT_OF(5), FX_ALT_OF(6)), 0);
        assert_owner(B("f"), 5, 6);
        assert_owner(M("f"), FX_ALT_OF(5), FX_ALT_OF(6));
        cr_assert_eq(chown(M("f"), 1234, (gid_t) -1), -1);
        cr_assert_eq(errno, EINVAL);
        cr_assert_eq(chown(M("f"), (uid_t) -1, 0), -1);
        cr_assert_eq(errno, EINVAL);
        assert_owner(B("f"), 5, 6);
}

/* A creator makes files as vuid 1000 while an observer watches BACKING: no file may ever
 * be seen with another owner or mode. */
static int create_many(void *arg) {
        char path[PATH_MAX];

        umask(022);
        for (int k = 0; k < 1500; k++) {
                int fd;

                snprintf(path, sizeof(path), "%s/f%d", (const char *) arg, k);
                fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0640);
                if (fd < 0)
                        return errno;
                close(fd);
                snprintf(path, sizeof(path), "%s/d%d", (const char *) arg, k);
                if (k % 10 == 0 && mkdir(path, 0750) < 0)
                        return errno;
        }
        return 0;
}

Test(vpsfs_translate, new_files_never_seen_with_wrong_owner_or_mode) {
        unsigned seen = 0, bad = 0;
        int status;
        pid_t pid;

        backing_dir("home", 1000, 1000, 0755);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0)
                _exit(fx_run(FX_HOST(1000), create_many, (void *) M("home")));
        for (;;) {
                DIR *d = opendir(B("home"));
                struct dirent *de;
                bool done = waitpid(pid, &status, WNOHANG) == pid;

                cr_assert(d);
                while ((de = readdir(d))) {
                        struct stat st;

                        if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        seen++;
                        if (st.st_uid != 1000 || st.st_gid != 1000 || (st.st_mode & 07777) != (S_ISDIR(st.st_mode) ? 0750u : 0640u))
                                bad++;
                }
                closedir(d);
                if (done)
                        break;
        }
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "creator failed: %d", WEXITSTATUS(status));
        cr_assert_gt(seen, 1650);
        cr_assert_eq(bad, 0, "%u of %u observations had a wrong owner or mode", bad, seen);
}

Test(vpsfs_translate, hostroot_vsu_option) {
        fx_remount("hostroot=vsu", 0);
        fx_write_file(M("x"), "x", 0644);
        assert_owner(B("x"), 0, 0);
        assert_owner(M("x"), FX_ALT, FX_ALT);
        cr_assert_eq(chown(M("x"), FX_ALT_OF(7), FX_ALT_OF(7)), 0);
        cr_assert_eq(chown(M("x"), 0, 0), 0); /* host root's ID: the VPS's root */
        assert_owner(B("x"), 0, 0);
        cr_assert_eq(chown(M("x"), 1234, 1234), -1);
        cr_assert_eq(errno, EINVAL);
}

/* What a VPS's root does all day, inside its user namespace: every step must behave as on a
 * local filesystem. Returns 0, or 100 + the number of the step that failed. */
static int vps_root_routine(void *arg) {
        const char *d = arg;
        char p[PATH_MAX], q[PATH_MAX];
        struct stat st;
        int fd, step = 0;

#define STEP(cond) do { step++; if (!(cond)) return 100 + step; } while (0)
        snprintf(p, sizeof(p), "%s/etc", d);
        STEP(mkdir(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/etc/passwd", d);
        STEP((fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) >= 0);
        STEP(write(fd, "root:x:0:0\n", 11) == 11 && close(fd) == 0);
        STEP(stat(p, &st) == 0 && st.st_uid == 0 && st.st_gid == 0 && st.st_size == 11);
        STEP(chown(p, 65534, 65534) == 0 && stat(p, &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534);
        STEP(chown(p, 0, 0) == 0 && chmod(p, 0600) == 0 && stat(p, &st) == 0 && (st.st_mode & 07777) == 0600);
        snprintf(q, sizeof(q), "%s/etc/passwd-", d);
        STEP(link(p, q) == 0 && stat(p, &st) == 0 && st.st_nlink == 2);
        STEP(rename(q, p) == 0 && stat(p, &st) == 0 && st.st_nlink == 2); /* same inode: no-op */
        STEP(unlink(q) == 0 && stat(p, &st) == 0 && st.st_nlink == 1);
        STEP(truncate(p, 3) == 0 && stat(p, &st) == 0 && st.st_size == 3);
        snprintf(q, sizeof(q), "%s/etc/fifo", d);
        STEP(mkfifo(q, 0600) == 0 && lstat(q, &st) == 0 && S_ISFIFO(st.st_mode));
        STEP(mknod(q, S_IFCHR | 0600, 0x0103) < 0 && errno == EEXIST);
        snprintf(q, sizeof(q), "%s/etc/mtab", d);
        STEP(symlink("/proc/self/mounts", q) == 0 && lstat(q, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid == 0);
        STEP(lchown(q, 1000, 1000) == 0 && lstat(q, &st) == 0 && st.st_uid == 1000);
        snprintf(q, sizeof(q), "%s/etc/new", d);
        STEP(rename(p, q) == 0 && access(p, F_OK) < 0 && access(q, R_OK | W_OK) == 0);
        STEP(chown(q, 70000, -1) < 0 && errno == EINVAL); /* not mapped in the namespace */
#undef STEP
        return 0;
}

Test(vpsfs_translate, vps_root_routine) {
        struct stat st;

        cr_assert_eq(chown(B("."), 0, 0), 0);
        cr_assert_eq(fx_run(FX_VPS(0), vps_root_routine, (void *) fx.mnt), 0);
        cr_assert_eq(stat(B("etc/new"), &st), 0);
        cr_assert_eq(st.st_uid, 0);
        cr_assert_eq(st.st_size, 3);
        cr_assert_eq(lstat(B("etc/mtab"), &st), 0);
        cr_assert_eq(st.st_uid, 1000);
}
