/* The launcher's reading of a VPS's /etc/group for the tty group: every shape of file a
 * VPS's root could leave there, including the hostile ones (symlinks out of the root, FIFOs,
 * lines split across reads). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/rm-rf.h"
#include "vpsmgr/rootfs.h"

static char dir[64];
static int rootfd = -1;

static void setup(void) {
        strcpy(dir, "/tmp/rootfs-test-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(rootfd, 0);
}

static void teardown(void) {
        if (rootfd >= 0)
                close(rootfd);
        rootfd = -1;
        rm_rf_path(dir);
}

TestSuite(rootfs, .init = setup, .fini = teardown);

static void put_group(const char *text) {
        int etc;

        mkdirat(rootfd, "etc", 0755);
        etc = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(etc, 0);
        unlinkat(etc, "group", 0);
        cr_assert_eq(write_file_atomic_at(etc, "group", text, strlen(text), 0644), 0);
        close(etc);
}

struct group_case {
        const char *text;
        int r;
        uint32_t gid;
};

Test(rootfs, tty_gid_from_the_group_file) {
        static const struct group_case cases[] = {
                { "root:x:0:\ntty:x:5:\n", 0, 5 },
                { "tty:x:7:alice,bob\n", 0, 7 },
                { "root:x:0:\ntty:x:42", 0, 42 },             /* no final newline */
                { "tty::9:\n", 0, 9 },                        /* empty password */
                { "ttyS:x:11:\nxtty:x:12:\ntty:x:13:\n", 0, 13 },
                { "root:x:0:\n", -ENOENT, 0 },
                { "", -ENOENT, 0 },
                { "tty:x:abc:\n", -EINVAL, 0 },
                { "tty:x::\n", -EINVAL, 0 },
                { "tty:x\n", -EINVAL, 0 },
                { "tty:x:4294967295:\n", -EINVAL, 0 },        /* (gid_t) -1 */
                { "tty:x:99999999999:\n", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint32_t gid = 0;
                int r;

                put_group(cases[i].text);
                r = rootfs_tty_gid(rootfd, &gid);
                cr_assert_eq(r, cases[i].r, "case %zu: %d", i, r);
                if (r == 0)
                        cr_assert_eq(gid, cases[i].gid, "case %zu: %u", i, gid);
        }
}

Test(rootfs, tty_line_across_read_boundaries) {
        /* The scanner reads 4 KiB at a time: put the tty line across each boundary. */
        for (size_t pad = 4080; pad < 4100; pad++) {
                char *text = malloc(pad + 32);
                uint32_t gid = 0;

                cr_assert_not_null(text);
                memset(text, 'a', pad);
                text[0] = 'x';
                text[pad - 1] = '\n';
                strcpy(text + pad, "tty:x:1234:\n");
                put_group(text);
                cr_assert_eq(rootfs_tty_gid(rootfd, &gid), 0, "pad %zu", pad);
                cr_assert_eq(gid, 1234u, "pad %zu", pad);
                free(text);
        }
}

Test(rootfs, hostile_group_files) {
        static const char text[] = "tty:x:77:\n";
        uint32_t gid = 0;
        int real;

        cr_assert_eq(mkdirat(rootfd, "real", 0755), 0);
        real = openat(rootfd, "real", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(real, 0);
        cr_assert_eq(write_file_atomic_at(real, "group", text, strlen(text), 0644), 0);
        close(real);

        /* Symlinked directories resolve inside the root: "/real" and "../../real" both mean
         * the root's own real/, which the host does not have. */
        cr_assert_eq(symlinkat("/real", rootfd, "etc"), 0);
        cr_assert_eq(rootfs_tty_gid(rootfd, &gid), 0);
        cr_assert_eq(gid, 77u);
        cr_assert_eq(unlinkat(rootfd, "etc", 0), 0);
        cr_assert_eq(symlinkat("../../../../../../real", rootfd, "etc"), 0);
        gid = 0;
        cr_assert_eq(rootfs_tty_gid(rootfd, &gid), 0);
        cr_assert_eq(gid, 77u);

        /* "etc -> /etc" is the root's etc again: a loop, never the host's /etc/group. */
        cr_assert_eq(unlinkat(rootfd, "etc", 0), 0);
        cr_assert_eq(symlinkat("/etc", rootfd, "etc"), 0);
        cr_assert_eq(rootfs_tty_gid(rootfd, &gid), -ELOOP);

        /* The file itself may not be a symlink at all. */
        cr_assert_eq(unlinkat(rootfd, "etc", 0), 0);
        cr_assert_eq(mkdirat(rootfd, "etc", 0755), 0);
        cr_assert_eq(symlinkat("/real/group", rootfd, "etc/group"), 0);
        cr_assert_eq(rootfs_tty_gid(rootfd, &gid), -ELOOP);

        /* A FIFO would block a plain open for ever. */
        cr_assert_eq(unlinkat(rootfd, "etc/group", 0), 0);
        cr_assert_eq(mkfifoat(rootfd, "etc/group", 0644), 0);
        cr_assert_eq(rootfs_tty_gid(rootfd, &gid), -EBADF);
}
