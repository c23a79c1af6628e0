/* rmtree_at() on trees a tenant could have shaped: symlinks to elsewhere are removed, never
 * followed; what they point to stays. (Mount points need root: tests/integration.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "vpsmgr/rmtree.h"

TestSuite(rmtree, .init = test_dir_setup, .fini = test_dir_teardown);

static void mkdir_at(const char *path) {
        cr_assert_eq(mkdirat(test_dir_fd, path, 0755), 0, "mkdir %s", path);
}

Test(rmtree, removes_a_deep_tree_and_follows_no_symlink) {
        char outside[128];

        mkdir_at("outside");
        test_write("outside/keep", "keep");
        snprintf(outside, sizeof(outside), "%s/outside", test_dir);
        mkdir_at("victim");
        mkdir_at("victim/a");
        mkdir_at("victim/a/b");
        mkdir_at("victim/a/b/c");
        test_write("victim/a/b/c/file", "x");
        test_write("victim/top", "y");
        cr_assert_eq(symlinkat(outside, test_dir_fd, "victim/a/to-outside"), 0);
        cr_assert_eq(symlinkat("../../outside", test_dir_fd, "victim/a/b/relative"), 0);
        cr_assert_eq(symlinkat("/", test_dir_fd, "victim/root"), 0);
        cr_assert_eq(mkfifoat(test_dir_fd, "victim/a/fifo", 0600), 0);
        mkdir_at("victim/full");
        test_write("victim/full/inside", "z");

        cr_assert_eq(rmtree_at(test_dir_fd, "victim"), 0);
        cr_expect_neq(faccessat(test_dir_fd, "victim", F_OK, AT_SYMLINK_NOFOLLOW), 0);
        cr_expect_eq(faccessat(test_dir_fd, "outside/keep", F_OK, 0), 0, "a symlink was followed");
}

Test(rmtree, a_symlink_as_the_name_is_removed_not_its_target) {
        char outside[128];

        mkdir_at("outside");
        test_write("outside/keep", "keep");
        snprintf(outside, sizeof(outside), "%s/outside", test_dir);
        cr_assert_eq(symlinkat(outside, test_dir_fd, "link"), 0);
        cr_assert_eq(rmtree_at(test_dir_fd, "link"), 0);
        cr_expect_neq(faccessat(test_dir_fd, "link", F_OK, AT_SYMLINK_NOFOLLOW), 0);
        cr_expect_eq(faccessat(test_dir_fd, "outside/keep", F_OK, 0), 0);
}

Test(rmtree, refusals) {
        cr_expect_eq(rmtree_at(test_dir_fd, "missing"), -ENOENT);
        cr_expect_eq(rmtree_at(test_dir_fd, ""), -EINVAL);
        cr_expect_eq(rmtree_at(test_dir_fd, "."), -EINVAL);
        cr_expect_eq(rmtree_at(test_dir_fd, ".."), -EINVAL);
        cr_expect_eq(rmtree_at(test_dir_fd, "a/b"), -EINVAL);
        test_write("plain", "x");
        cr_expect_eq(rmtree_at(test_dir_fd, "plain"), 0);
}
