/* rm_rf_at and mount points: a tmpfs or a bind mount inside the tree is neither entered nor
 * removed, and a mount point given as the tree itself is refused untouched. Mounts are made
 * in a private mount namespace of the test process, and unmounted in .fini all the same. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rm-rf.h"
#include "skip.h"

static char dir[] = "/tmp/vps-test-rm-rf-mounts.XXXXXX";
static int dirfd_ = -1;
static char mounted[3][4096];

static void setup(void) {
        skip_unless_root();
        /* Own mount namespace: whatever happens, no mount outlives the test process. */
        cr_assert_eq(unshare(CLONE_NEWNS), 0);
        cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        cr_assert_not_null(mkdtemp(dir));
        dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dirfd_, 0);
}

static void teardown(void) {
        if (dirfd_ < 0)
                return;
        for (size_t i = 0; i < 3; i++)
                if (mounted[i][0])
                        umount2(mounted[i], MNT_DETACH);
        rm_rf_at(dirfd_, "t");
        rm_rf_at(dirfd_, "elsewhere");
        close(dirfd_);
        rmdir(dir);
}

TestSuite(rm_rf_mounts, .init = setup, .fini = teardown);

static void mkdir_in(const char *path) {
        cr_assert_eq(mkdirat(dirfd_, path, 0755), 0, "%s: %s", path, strerror(errno));
}

static void make_file(const char *path) {
        int fd = openat(dirfd_, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

        cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
        close(fd);
}

static bool exists(const char *path) {
        struct stat st;

        return fstatat(dirfd_, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Mounts (tmpfs, or a bind of dir/source) on dir/path and remembers it for .fini. */
static void mount_at(size_t slot, const char *source, const char *path) {
        char src[4096];

        snprintf(mounted[slot], sizeof(mounted[slot]), "%s/%s", dir, path);
        if (source) {
                snprintf(src, sizeof(src), "%s/%s", dir, source);
                cr_assert_eq(mount(src, mounted[slot], NULL, MS_BIND, NULL), 0, "%s", strerror(errno));
        } else
                cr_assert_eq(mount("tmpfs", mounted[slot], "tmpfs", 0, "size=1m"), 0, "%s",
                             strerror(errno));
}

Test(rm_rf_mounts, tmpfs_inside_is_not_entered) {
        mkdir_in("t");
        mkdir_in("t/a");
        mkdir_in("t/a/mnt");
        make_file("t/a/f");
        make_file("t/g");
        mount_at(0, NULL, "t/a/mnt");
        make_file("t/a/mnt/precious");

        cr_expect_eq(rm_rf_at(dirfd_, "t"), -EXDEV);
        cr_expect(exists("t/a/mnt/precious"), "the mounted filesystem is untouched");
        cr_expect_not(exists("t/g"), "the rest is removed");
        cr_expect_not(exists("t/a/f"));

        cr_assert_eq(umount2(mounted[0], 0), 0);
        mounted[0][0] = 0;
        cr_expect_eq(rm_rf_at(dirfd_, "t"), 0, "unmounted, the rest goes");
        cr_expect_not(exists("t"));
}

Test(rm_rf_mounts, bind_mount_of_same_filesystem_is_not_entered) {
        mkdir_in("elsewhere");
        make_file("elsewhere/precious");
        mkdir_in("t");
        mkdir_in("t/bind");
        mount_at(1, "elsewhere", "t/bind");

        cr_expect_eq(rm_rf_at(dirfd_, "t"), -EXDEV);
        cr_expect(exists("elsewhere/precious"));
}

Test(rm_rf_mounts, mount_point_as_tree_is_refused) {
        mkdir_in("t");
        mount_at(2, NULL, "t");
        make_file("t/precious");

        cr_expect_eq(rm_rf_at(dirfd_, "t"), -EXDEV);
        cr_expect(exists("t/precious"));
}
