/* More inodes than descriptors: with RLIMIT_NOFILE at 256 the daemon must still serve 5,000
 * files that the kernel keeps looked up, because it holds file handles, not descriptors. */
#include <dirent.h>

#include "vpsfs-fixture.h"

#define NOFILE 256
#define FILES 5000

TestSuite(vpsfs_scale, .init = fx_setup_nomount, .fini = fx_teardown, .timeout = 300);

static unsigned open_fds(pid_t pid) {
        char path[64];
        unsigned n = 0;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
        d = opendir(path);
        cr_assert(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n - 2;
}

static void populate(void) {
        cr_assert_eq(mkdir(B("a"), 0755), 0);
        for (int k = 0; k < FILES; k++) {
                char text[32];

                if (k % 500 == 0)
                        cr_assert_eq(mkdir(B("a/%d", k / 500), 0755), 0);
                snprintf(text, sizeof(text), "%d\n", k);
                fx_write_file(B("a/%d/f%d", k / 500, k), text, 0644);
        }
}

static void check_all(void) {
        for (int k = 0; k < FILES; k++) {
                char buf[32], want[32];
                struct stat st;
                ssize_t n;
                int fd;

                cr_assert_eq(stat(M("a/%d/f%d", k / 500, k), &st), 0, "stat f%d: %s", k, strerror(errno));
                fd = open(M("a/%d/f%d", k / 500, k), O_RDONLY | O_CLOEXEC);
                cr_assert_geq(fd, 0, "open f%d: %s", k, strerror(errno));
                n = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                cr_assert_gt(n, 0);
                buf[n] = '\0';
                snprintf(want, sizeof(want), "%d\n", k);
                cr_assert_str_eq(buf, want);
        }
}

Test(vpsfs_scale, more_inodes_than_descriptors) {
        DIR *dirs[10];

        populate();
        fx_mount("hostroot=vsu", NOFILE);
        /* Open directories and stat'ed files keep every inode looked up in the kernel. */
        for (int k = 0; k < 10; k++)
                cr_assert(dirs[k] = opendir(M("a/%d", k)));
        check_all();
        cr_assert_leq(open_fds(fx.pid), NOFILE);
        /* Second pass: most descriptors were evicted and must be reopened from handles. */
        check_all();
        fx_write_file(M("a/0/new"), "new", 0644);
        cr_assert_eq(rename(M("a/0/f0"), M("a/9/f0-moved")), 0);
        cr_assert_eq(unlink(M("a/1/f500")), 0);
        cr_assert_eq(access(B("a/9/f0-moved"), F_OK), 0);
        cr_assert_leq(open_fds(fx.pid), NOFILE);
        for (int k = 0; k < 10; k++)
                closedir(dirs[k]);
}
