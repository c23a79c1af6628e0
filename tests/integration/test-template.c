/* The busybox template, built for real in a temporary directory: layout, modes, virtual-root
 * owners, a shell that runs in a chroot with no C library, and removal with rm_rf_at. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/rm-rf.h"
#include "tmp-rootfs.h"
#include "vpsmgr/template.h"

TestSuite(template, .init = tmp_rootfs_make, .fini = tmp_rootfs_remove, .timeout = 60);

static void expect_node(const char *path, mode_t type, mode_t mode) {
        struct stat st;

        cr_assert_eq(fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW), 0, "%s: %s", path,
                     strerror(errno));
        cr_expect_eq(st.st_mode & S_IFMT, type, "%s: type %o", path, st.st_mode & S_IFMT);
        if (type != S_IFLNK)
                cr_expect_eq(st.st_mode & 07777, mode, "%s: mode %o, want %o", path,
                             st.st_mode & 07777, mode);
        cr_expect_eq(st.st_uid, 0, "%s: uid %d", path, (int) st.st_uid);
        cr_expect_eq(st.st_gid, 0, "%s: gid %d", path, (int) st.st_gid);
}

static void expect_content(const char *path, const char *want) {
        char *data = NULL;
        size_t size;

        cr_assert_eq(read_file_at(rootfd, path, 65536, &data, &size), 0, "%s", path);
        cr_expect_str_eq(data, want, "%s", path);
        free(data);
}

/* Runs argv (a command in the chroot) and returns its stdout. */
static char *run_chroot(char *const argv[]) {
        static char out[4096];
        int pipefd[2], status;
        size_t size = 0;
        ssize_t n;
        pid_t pid;

        cr_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                if (dup2(pipefd[1], STDOUT_FILENO) < 0 || fchdir(rootfd) < 0 || chroot(".") < 0)
                        _exit(126);
                /* The rootfs has no C library: only a static binary can run in it. */
                execve(argv[0], argv, (char *[]) { (char *) "PATH=/bin:/usr/bin", NULL });
                _exit(127);
        }
        close(pipefd[1]);
        while ((n = read(pipefd[0], out + size, sizeof(out) - 1 - size)) > 0)
                size += (size_t) n;
        out[size] = 0;
        close(pipefd[0]);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
        return out;
}

Test(template, layout_modes_owners) {
        static const struct {
                const char *path;
                mode_t type, mode;
        } nodes[] = {
                { "bin", S_IFDIR, 0755 },          { "bin/busybox", S_IFREG, 0755 },
                { "bin/sh", S_IFLNK, 0 },          { "usr/bin/awk", S_IFLNK, 0 },
                { "dev", S_IFDIR, 0755 },          { "etc", S_IFDIR, 0755 },
                { "etc/group", S_IFREG, 0644 },    { "etc/hostname", S_IFREG, 0644 },
                { "etc/hosts", S_IFREG, 0644 },    { "etc/passwd", S_IFREG, 0644 },
                { "etc/shadow", S_IFREG, 0600 },   { "etc/vps", S_IFDIR, 0755 },
                { "home", S_IFDIR, 0755 },         { "proc", S_IFDIR, 0555 },
                { "root", S_IFDIR, 0700 },         { "run", S_IFDIR, 0755 },
                { "sys", S_IFDIR, 0555 },          { "tmp", S_IFDIR, 01777 },
                { "usr/sbin", S_IFDIR, 0755 },     { "var/log", S_IFDIR, 0755 },
                { "var/tmp", S_IFDIR, 01777 },
        };
        char target[256];
        ssize_t n;

        umask(0077); /* the template's modes must not depend on the caller's umask */
        cr_assert_eq(template_busybox(rootfd, NULL, "web1"), 0);
        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
                expect_node(nodes[i].path, nodes[i].type, nodes[i].mode);

        n = readlinkat(rootfd, "usr/bin/awk", target, sizeof(target) - 1);
        cr_assert_gt(n, 0);
        target[n] = 0;
        cr_expect_str_eq(target, "../../bin/busybox", "relative link, resolves in any root");
        cr_expect_eq(faccessat(rootfd, "etc/vps/rc", F_OK, 0), -1, "no default rc");

        expect_content("etc/hostname", "web1\n");
        expect_content("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        expect_content("etc/group", "root:x:0:\nnogroup:x:65534:\n");
        expect_content("etc/shadow", "root:!:::::::\nnobody:!:::::::\n");
}

Test(template, shell_runs_in_chroot) {
        cr_assert_eq(template_busybox(rootfd, NULL, "web1"), 0);
        cr_expect_str_eq(run_chroot((char *[]) { (char *) "/bin/sh", (char *) "-c",
                                                 (char *) "echo ok; id -u; id -un; cat /etc/hostname",
                                                 NULL }),
                         "ok\n0\nroot\nweb1\n");
        cr_expect_str_eq(run_chroot((char *[]) { (char *) "/usr/bin/awk", (char *) "BEGIN { print 6 * 7 }",
                                                 NULL }),
                         "42\n");
}

Test(template, removed_by_rm_rf) {
        cr_assert_eq(template_busybox(rootfd, NULL, "web1"), 0);
        cr_expect_eq(rm_rf_at(tmp_dirfd, "rootfs"), 0);
        cr_expect_eq(faccessat(tmp_dirfd, "rootfs", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        cr_expect_eq(access(TEMPLATE_BUSYBOX_DEFAULT, X_OK), 0, "host busybox untouched");
}

Test(template, refuses_non_empty_target) {
        cr_assert_eq(mkdirat(rootfd, "x", 0755), 0);
        cr_expect_eq(template_busybox(rootfd, NULL, "web1"), -ENOTEMPTY);
        cr_expect_eq(unlinkat(rootfd, "x", AT_REMOVEDIR), 0, "left as it was");
}

Test(template, refuses_dynamic_or_missing_busybox) {
        cr_expect_eq(template_busybox(rootfd, "/bin/sh", "web1"), -ENOEXEC);
        cr_expect_eq(template_busybox(rootfd, "/etc/passwd", "web1"), -ENOEXEC);
        cr_expect_eq(template_busybox(rootfd, "/nonexistent/busybox", "web1"), -ENOENT);
        cr_expect_eq(template_busybox(rootfd, "/tmp", "web1"), -ENOEXEC);
}

Test(template, refuses_bad_hostname) {
        static const char *const bad[] = {
                "", "-x", ".x", "a b", "a/b", "x\n",
                "0123456789012345678901234567890123456789012345678901234567890123456789",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_expect_eq(template_busybox(rootfd, NULL, bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_expect_eq(template_busybox(rootfd, NULL, NULL), -EINVAL);
}
