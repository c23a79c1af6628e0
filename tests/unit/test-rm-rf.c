/* rm_rf_at on real trees in a temporary directory: everything below goes, nothing a symlink
 * points at does. (Mount points: tests/integration/test-rm-rf-mounts.c.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rm-rf.h"

static char dir[] = "/tmp/vps-test-rm-rf.XXXXXX";
static int dirfd_ = -1;

static void setup(void) {
        cr_assert_not_null(mkdtemp(dir));
        dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dirfd_, 0);
        /* Outside the tree to remove: must survive every test. */
        cr_assert_eq(mkdirat(dirfd_, "keep", 0755), 0);
        cr_assert_eq(close(openat(dirfd_, "keep/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
}

static void teardown(void) {
        close(dirfd_);
        rm_rf_path(dir);
}

TestSuite(rm_rf, .init = setup, .fini = teardown);

static void make_file(const char *path) {
        int fd = openat(dirfd_, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        cr_assert_geq(fd, 0, "create %s: %s", path, strerror(errno));
        cr_assert_eq(write(fd, "x", 1), 1);
        close(fd);
}

static bool exists(const char *path) {
        struct stat st;

        return fstatat(dirfd_, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Test(rm_rf, removes_tree_but_not_symlink_targets) {
        cr_assert_eq(mkdirat(dirfd_, "t", 0755), 0);
        cr_assert_eq(mkdirat(dirfd_, "t/a", 0755), 0);
        cr_assert_eq(mkdirat(dirfd_, "t/a/b", 0700), 0);
        cr_assert_eq(mkdirat(dirfd_, "t/empty", 0755), 0);
        make_file("t/f");
        make_file("t/a/g");
        cr_assert_eq(symlinkat("../keep", dirfd_, "t/dirlink"), 0);
        cr_assert_eq(symlinkat("../../keep/file", dirfd_, "t/a/filelink"), 0);
        cr_assert_eq(symlinkat("/nonexistent", dirfd_, "t/dangling"), 0);
        cr_assert_eq(mkfifoat(dirfd_, "t/a/fifo", 0600), 0);
        make_file("t/a/b/h");

        cr_expect_eq(rm_rf_at(dirfd_, "t"), 0);
        cr_expect_not(exists("t"));
        cr_expect(exists("keep/file"));
        cr_expect(exists("keep"));
}

Test(rm_rf, single_file_and_symlink) {
        make_file("f");
        cr_assert_eq(symlinkat("keep", dirfd_, "l"), 0);
        cr_expect_eq(rm_rf_at(dirfd_, "f"), 0);
        cr_expect_eq(rm_rf_at(dirfd_, "l"), 0);
        cr_expect_not(exists("f"));
        cr_expect_not(exists("l"));
        cr_expect(exists("keep/file"));
}

Test(rm_rf, deep_tree) {
        char path[4096] = "d";

        cr_assert_eq(mkdirat(dirfd_, "d", 0755), 0);
        for (int i = 0; i < 200; i++) {
                strcat(path, "/s");
                cr_assert_eq(mkdirat(dirfd_, path, 0755), 0);
        }
        cr_expect_eq(rm_rf_at(dirfd_, "d"), 0);
        cr_expect_not(exists("d"));
}

Test(rm_rf, bad_names) {
        static const char *const names[] = { "", ".", "..", "keep/file", "/tmp" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                cr_expect_eq(rm_rf_at(dirfd_, names[i]), -EINVAL, "name '%s'", names[i]);
        cr_expect_eq(rm_rf_at(dirfd_, "missing"), -ENOENT);
        cr_expect(exists("keep/file"));
}

Test(rm_rf, by_path) {
        char path[sizeof(dir) + 8];

        cr_assert_eq(mkdirat(dirfd_, "t", 0755), 0);
        make_file("t/f");
        snprintf(path, sizeof(path), "%s/t", dir);
        cr_expect_eq(rm_rf_path(path), 0);
        cr_expect_not(exists("t"));
        cr_expect(exists("keep/file"));
        cr_expect_eq(rm_rf_path("t"), -EINVAL);
        cr_expect_eq(rm_rf_path("/nonexistent-dir/t"), -ENOENT);
}
