/* A temporary directory holding an empty rootfs/, for tests that build a template in it; the
 * whole of it goes in .fini, through rm_rf_at so that nothing mounted inside is touched. */
#pragma once

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rm-rf.h"
#include "skip.h"
#include "vpsmgr/template.h"

static char tmp_dir[] = "/tmp/vps-test-rootfs.XXXXXX";
static int tmp_dirfd = -1;
static int rootfd = -1;

static inline void tmp_rootfs_make(void) {
        skip_unless_root();
        if (access(TEMPLATE_BUSYBOX_DEFAULT, X_OK) < 0)
                cr_skip_test("needs busybox-static at " TEMPLATE_BUSYBOX_DEFAULT);
        cr_assert_not_null(mkdtemp(tmp_dir));
        tmp_dirfd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(tmp_dirfd, 0);
        cr_assert_eq(mkdirat(tmp_dirfd, "rootfs", 0755), 0);
        rootfd = openat(tmp_dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(rootfd, 0);
}

static inline void tmp_rootfs_remove(void) {
        if (tmp_dirfd < 0)
                return;
        close(rootfd);
        rm_rf_at(tmp_dirfd, "rootfs");
        close(tmp_dirfd);
        rmdir(tmp_dir);
}
