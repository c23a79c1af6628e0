/* Reading a VPS's /etc/passwd from the host: the ordinary file, and every hostile shape a
 * VPS's root could leave there (symlinks out of the root, FIFOs, huge files, junk lines). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "vpsmgr/vps-passwd.h"

static char dir[64];
static char outside[96];
static int rootfd = -1;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void setup(void) {
        char path[128];
        int dirfd;

        strcpy(dir, "/tmp/vps-passwd-test-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/root", dir);
        cr_assert_eq(mkdir(path, 0755), 0);
        rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(rootfd, 0);
        /* A host file the VPS must never get us to read. */
        snprintf(outside, sizeof(outside), "%s/host-passwd", dir);
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dirfd, 0);
        cr_assert_eq(write_file_atomic_at(dirfd, "host-passwd", "hostuser:x:4242:4242::/:/bin/sh\n", 32, 0644), 0);
        close(dirfd);
}

static void teardown(void) {
        if (rootfd >= 0)
                close(rootfd);
        rootfd = -1;
        nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(vps_passwd, .init = setup, .fini = teardown);

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

Test(vps_passwd, names_and_uids_both_ways) {
        struct vps_passwd *p = NULL;
        uint32_t uid = 0;

        put_passwd("root:x:0:0:root:/root:/bin/sh\n"
                   "# a comment\n"
                   "+nis\n"
                   "broken line\n"
                   "bad:x:12x:0::/:/bin/sh\n"
                   "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                   "alice:x:1001:1001:second alice:/:/bin/sh\n"
                   "bob:x:1002:1002::/home/bob:/bin/sh");
        cr_assert_eq(vps_passwd_load_root(rootfd, &p), 0);
        cr_assert_eq(vps_passwd_find_name(p, "alice", &uid), 0);
        cr_expect_eq(uid, 1000, "the first alice wins");
        cr_assert_eq(vps_passwd_find_name(p, "bob", &uid), 0, "a last line without newline counts");
        cr_expect_eq(uid, 1002);
        cr_expect_eq(vps_passwd_find_name(p, "bad", &uid), -ENOENT);
        cr_expect_eq(vps_passwd_find_name(p, "+nis", &uid), -ENOENT);
        cr_expect_str_eq(vps_passwd_name_of(p, 0), "root");
        cr_expect_null(vps_passwd_name_of(p, 4242));

        cr_assert_eq(vps_user_resolve(p, "alice", 65535, &uid), 0);
        cr_expect_eq(uid, 1000);
        cr_assert_eq(vps_user_resolve(p, "4242", 65535, &uid), 0, "a number needs no passwd entry");
        cr_expect_eq(uid, 4242);
        cr_expect_eq(vps_user_resolve(p, "70000", 65535, &uid), -ERANGE);
        cr_expect_eq(vps_user_resolve(p, "carol", 65535, &uid), -ENOENT);
        vps_passwd_free(p);
}

Test(vps_passwd, a_missing_file_is_empty) {
        struct vps_passwd *p = NULL;

        cr_assert_eq(vps_passwd_load_root(rootfd, &p), 0);
        cr_expect_eq(p->n, 0);
        vps_passwd_free(p);
}

Test(vps_passwd, symlinks_stay_inside_the_root) {
        struct vps_passwd *p = NULL;
        uint32_t uid;

        /* etc -> an absolute host path: resolved inside the root, where it does not exist. */
        cr_assert_eq(symlinkat(dir, rootfd, "etc"), 0);
        cr_assert_eq(vps_passwd_load_root(rootfd, &p), 0);
        cr_expect_eq(vps_passwd_find_name(p, "hostuser", &uid), -ENOENT);
        vps_passwd_free(p);
        p = NULL;

        /* etc/passwd itself a symlink to the host file: refused. */
        cr_assert_eq(unlinkat(rootfd, "etc", 0), 0);
        cr_assert_eq(mkdirat(rootfd, "etc", 0755), 0);
        cr_assert_eq(symlinkat(outside, rootfd, "etc/passwd"), 0);
        cr_expect_eq(vps_passwd_load_root(rootfd, &p), -ELOOP);
        cr_expect_null(p);

        /* Through /proc: inside the root there is no /proc to escape by. */
        cr_assert_eq(unlinkat(rootfd, "etc/passwd", 0), 0);
        cr_assert_eq(unlinkat(rootfd, "etc", AT_REMOVEDIR), 0);
        cr_assert_eq(symlinkat("/proc/self/root/etc", rootfd, "etc"), 0);
        cr_assert_eq(vps_passwd_load_root(rootfd, &p), 0);
        cr_expect_eq(p->n, 0);
        vps_passwd_free(p);
}

Test(vps_passwd, a_fifo_does_not_hang_and_a_huge_file_is_refused) {
        struct vps_passwd *p = NULL;
        int fd;

        cr_assert_eq(mkdirat(rootfd, "etc", 0755), 0);
        cr_assert_eq(mkfifoat(rootfd, "etc/passwd", 0644), 0);
        cr_expect_eq(vps_passwd_load_root(rootfd, &p), -EBADF);
        cr_assert_eq(unlinkat(rootfd, "etc/passwd", 0), 0);

        fd = openat(rootfd, "etc/passwd", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        cr_assert_geq(fd, 0);
        cr_assert_eq(ftruncate(fd, VPS_PASSWD_MAX + 1), 0);
        close(fd);
        cr_expect_eq(vps_passwd_load_root(rootfd, &p), -EFBIG);

        static const char nul[] = "root:x:0:0::/:/bin/sh\nn\0:x:1:1::/:/\n";

        put_passwd_n(nul, sizeof(nul) - 1);
        cr_expect_eq(vps_passwd_load_root(rootfd, &p), -EINVAL, "a NUL byte");
        cr_expect_null(p);
}
