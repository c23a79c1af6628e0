/* A VPS's /etc/passwd and /etc/group (passwd.h): names, uids and groups from the text, and,
 * read from the host, every hostile shape a VPS's root could leave there (symlinks out of the
 * root, FIFOs, huge files, NUL bytes, junk and overlong lines). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/textfile.h"
#include "tmpdir.h"
#include "vpsmgr/passwd.h"

/* test_dir stands for the VPS's directory, test_dir/root for its root. */
static char outside[96];
static int rootfd = -1;

static void setup(void) {
        test_dir_setup();
        cr_assert_eq(mkdirat(test_dir_fd, "root", 0755), 0);
        rootfd = openat(test_dir_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(rootfd, 0);
        /* A host file the VPS must never get us to read. */
        snprintf(outside, sizeof(outside), "%s/host-passwd", test_dir);
        cr_assert_eq(write_file_atomic_at(test_dir_fd, "host-passwd", "hostuser:x:4242:4242::/:/bin/sh\n", 32, 0644), 0);
}

static void teardown(void) {
        if (rootfd >= 0)
                close(rootfd);
        rootfd = -1;
        test_dir_teardown();
}

TestSuite(passwd, .init = setup, .fini = teardown);

static void put_passwd_n(const char *text, size_t n) {
        int etc;

        (void) mkdirat(rootfd, "etc", 0755);
        etc = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(etc, 0);
        cr_assert_eq(write_file_atomic_at(etc, "passwd", text, n, 0644), 0);
        close(etc);
}

static void put_passwd(const char *text) {
        put_passwd_n(text, strlen(text));
}

/* passwd_read_below() of etc/passwd into *ret (freed by the caller). */
static int load(char **ret) {
        *ret = NULL;
        return passwd_read_below(rootfd, "etc/passwd", ret);
}

static const char users[] = "root:x:0:0:root:/root:/bin/sh\n"
                            "# a comment\n"
                            "+nis\n"
                            "+plus:x:7:7::/:/bin/sh\n"
                            "-minus:x:8:8::/:/bin/sh\n"
                            ":x:9:9::/:/bin/sh\n"
                            "broken line\n"
                            "bad:x:12x:0::/:/bin/sh\n"
                            "badgid:x:13:x::/:/bin/sh\n"
                            "nobody:x:4294967295:0::/:/bin/sh\n"
                            "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                            "alice:x:1001:1001:second alice:/:/bin/sh\n"
                            "rel:x:1003:1003::home:\n"
                            "bob:x:1002:1002::/home/bob:/bin/sh";

Test(passwd, names_and_uids_both_ways) {
        _cleanup_free_ char *text = NULL;
        struct vps_user u;
        char name[PASSWD_FIELD_MAX];
        uid_t uid = 0;

        put_passwd(users);
        cr_assert_eq(load(&text), 0);
        cr_assert_eq(passwd_find(text, "alice", &u), 0);
        cr_expect_eq(u.uid, 1000, "the first alice wins");
        cr_expect_eq(u.gid, 1000);
        cr_expect_str_eq(u.home, "/home/alice");
        cr_expect_str_eq(u.shell, "/bin/sh");
        cr_assert_eq(passwd_find(text, "bob", &u), 0, "a last line without newline counts");
        cr_expect_eq(u.uid, 1002);
        cr_assert_eq(passwd_find(text, "rel", &u), 0);
        cr_expect_str_eq(u.home, "/", "a relative home is no home");
        cr_expect_str_eq(u.shell, "/bin/sh", "an empty shell is the default one");
        cr_assert_eq(passwd_find(text, "1001", &u), 0, "a uid finds its entry");
        cr_expect_str_eq(u.name, "alice");

        cr_expect_eq(passwd_name_of(text, 0, name, sizeof(name)), 0);
        cr_expect_str_eq(name, "root");
        cr_expect_eq(passwd_name_of(text, 1001, name, sizeof(name)), 0);
        cr_expect_str_eq(name, "alice");
        cr_expect_eq(passwd_name_of(text, 4242, name, sizeof(name)), -ESRCH);

        cr_assert_eq(passwd_uid_of(text, "alice", 65535, &uid), 0);
        cr_expect_eq(uid, 1000);
        cr_assert_eq(passwd_uid_of(text, "4242", 65535, &uid), 0, "a number needs no passwd entry");
        cr_expect_eq(uid, 4242);
        cr_expect_eq(passwd_uid_of(text, "70000", 65535, &uid), -ERANGE);
        cr_expect_eq(passwd_uid_of(text, "99999999999", UINT32_MAX - 1, &uid), -ERANGE);
        cr_expect_eq(passwd_uid_of(text, "0100", 65535, &uid), -ERANGE, "no octal, no name of digits");
        cr_expect_eq(passwd_uid_of(text, "carol", 65535, &uid), -ESRCH);
        cr_expect_eq(passwd_uid_of(text, "a:b", 65535, &uid), -ESRCH);
}

/* Lines no user may be taken from: each name is nobody, each uid unnamed. */
Test(passwd, malformed_lines_name_nobody) {
        static const char *const nobody[] = { "bad", "badgid", "+nis", "+plus", "-minus", "nobody", "broken line" };
        static const uid_t unnamed[] = { 7, 8, 9, 12, 13, 4294967295u };
        _cleanup_free_ char *text = NULL;
        char name[PASSWD_FIELD_MAX];
        struct vps_user u;
        uid_t uid;

        put_passwd(users);
        cr_assert_eq(load(&text), 0);
        for (size_t i = 0; i < ELEMENTSOF(nobody); i++) {
                cr_expect_eq(passwd_find(text, nobody[i], &u), -ESRCH, "%s", nobody[i]);
                cr_expect_eq(passwd_uid_of(text, nobody[i], 65535, &uid), -ESRCH, "%s", nobody[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(unnamed); i++)
                cr_expect_eq(passwd_name_of(text, unnamed[i], name, sizeof(name)), -ESRCH, "%u", unnamed[i]);
        cr_expect_eq(passwd_find(text, "4294967295", &u), -EINVAL, "(uid_t) -1 is nobody's uid");
        cr_expect_eq(passwd_find(text, "", &u), -EINVAL);
}

/* A line over the reader's limit is skipped, and the lines after it still count. */
Test(passwd, an_overlong_line_is_skipped) {
        _cleanup_free_ char *text = NULL, *big = NULL;
        char name[PASSWD_FIELD_MAX];
        size_t n = 3 * TEXTFILE_MAX_LINE;
        struct vps_user u;

        big = malloc(n + 64);
        cr_assert_not_null(big);
        memset(big, 'x', n);
        strcpy(big + n, ":x:5:5::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\n");
        put_passwd(big);
        cr_assert_eq(load(&text), 0);
        cr_assert_eq(passwd_find(text, "alice", &u), 0);
        cr_expect_eq(u.uid, 1000);
        cr_expect_eq(passwd_name_of(text, 5, name, sizeof(name)), -ESRCH);
}

Test(passwd, numbers_without_entries_and_groups) {
        static const char group[] = "root:x:0:\n"
                                    "wheel:x:10:root,alice\n"
                                    "staff:x:50:bob, alice\n"
                                    "junk\n"
                                    "video:x:44:alice\n"
                                    "users:x:1000:alice\n";
        struct vps_user u;

        cr_assert_eq(passwd_find(users, "4242", &u), 0);
        cr_expect_eq(u.uid, 4242);
        cr_expect_eq(u.gid, 4242);
        cr_expect_str_eq(u.name, "4242");
        cr_expect_str_eq(u.home, "/");
        cr_assert_eq(passwd_find(users, "alice", &u), 0);
        passwd_add_groups(group, &u);
        cr_assert_eq(u.n_groups, 3, "primary, wheel, video; ' alice' is no member");
        cr_expect_eq(u.groups[0], 1000);
        cr_expect_eq(u.groups[1], 10);
        cr_expect_eq(u.groups[2], 44);
}

Test(passwd, a_missing_file_is_empty) {
        _cleanup_free_ char *text = NULL;
        struct vps_user u;

        cr_assert_eq(load(&text), 0);
        cr_expect_str_eq(text, "");
        cr_expect_eq(passwd_lookup_below(rootfd, NULL, &u), 0, "root needs no entry");
        cr_expect_eq(u.uid, 0);
        cr_expect_eq(passwd_lookup_below(rootfd, "alice", &u), -ESRCH);
}

Test(passwd, a_vps_directory_reads_its_rootfs) {
        _cleanup_free_ char *text = NULL;
        char name[PASSWD_FIELD_MAX];
        int vps_fd;

        put_passwd("alice:x:1000:1000::/:/bin/sh\n");
        vps_fd = open(test_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(vps_fd, 0);
        cr_expect_eq(passwd_read_vps(vps_fd, &text), -ENOENT, "no rootfs yet");
        cr_assert_eq(symlinkat("root", vps_fd, "rootfs"), 0);
        cr_expect_eq(passwd_read_vps(vps_fd, &text), -ENOTDIR, "rootfs a symlink: not followed");
        cr_assert_eq(unlinkat(vps_fd, "rootfs", 0), 0);
        cr_assert_eq(renameat(vps_fd, "root", vps_fd, "rootfs"), 0);
        cr_assert_eq(passwd_read_vps(vps_fd, &text), 0);
        cr_expect_eq(passwd_name_of(text, 1000, name, sizeof(name)), 0);
        cr_expect_str_eq(name, "alice");
        cr_assert_eq(renameat(vps_fd, "rootfs", vps_fd, "root"), 0);
        close(vps_fd);
}

Test(passwd, symlinks_stay_inside_the_root) {
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL;
        struct vps_user u;

        /* etc -> an absolute host path: resolved inside the root, where it does not exist. */
        cr_assert_eq(symlinkat(test_dir, rootfd, "etc"), 0);
        cr_assert_eq(load(&t1), 0);
        cr_expect_eq(passwd_find(t1, "hostuser", &u), -ESRCH);
        cr_expect_eq(passwd_lookup_below(rootfd, "hostuser", &u), -ESRCH);

        /* etc/passwd itself a symlink to the host file: refused. */
        cr_assert_eq(unlinkat(rootfd, "etc", 0), 0);
        cr_assert_eq(mkdirat(rootfd, "etc", 0755), 0);
        cr_assert_eq(symlinkat(outside, rootfd, "etc/passwd"), 0);
        cr_expect_eq(load(&t2), -ELOOP);
        cr_expect_null(t2);
        cr_expect_eq(passwd_lookup_below(rootfd, "hostuser", &u), -ELOOP);

        /* Through /proc: inside the root there is no /proc to escape by. */
        cr_assert_eq(unlinkat(rootfd, "etc/passwd", 0), 0);
        cr_assert_eq(unlinkat(rootfd, "etc", AT_REMOVEDIR), 0);
        cr_assert_eq(symlinkat("/proc/self/root/etc", rootfd, "etc"), 0);
        cr_assert_eq(load(&t3), 0);
        cr_expect_str_eq(t3, "");
}

Test(passwd, a_fifo_does_not_hang_and_a_huge_file_is_refused) {
        char *text = NULL;
        int fd;

        cr_assert_eq(mkdirat(rootfd, "etc", 0755), 0);
        cr_assert_eq(mkfifoat(rootfd, "etc/passwd", 0644), 0);
        cr_expect_eq(load(&text), -EBADF);
        cr_assert_eq(unlinkat(rootfd, "etc/passwd", 0), 0);

        fd = openat(rootfd, "etc/passwd", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        cr_assert_geq(fd, 0);
        cr_assert_eq(ftruncate(fd, PASSWD_FILE_MAX + 1), 0);
        close(fd);
        cr_expect_eq(load(&text), -EFBIG);

        static const char nul[] = "root:x:0:0::/:/bin/sh\nn\0:x:1:1::/:/\n";

        put_passwd_n(nul, sizeof(nul) - 1);
        cr_expect_eq(load(&text), -EINVAL, "a NUL byte");
        cr_expect_null(text);
}
