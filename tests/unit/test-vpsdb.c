/* The state directory: names, the per-VPS layout, listing and locks, on a real temporary
 * directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/vpsdb.h"
#include "tmpdir.h"

TestSuite(vpsdb, .init = test_dir_setup, .fini = test_dir_teardown);

struct name_case {
        const char *name;
        const char *reason; /* NULL: valid */
};

Test(vpsdb, name_table) {
        static const struct name_case cases[] = {
                { "a", NULL },
                { "0", NULL },
                { "web1", NULL },
                { "a-b_c.d", NULL },
                { "pool2", NULL },
                { "a.", NULL },
                { "123456789012345678901234567890123456789012345678901234567890123", NULL },
                { "", "name is empty" },
                { "1234567890123456789012345678901234567890123456789012345678901234",
                  "name longer than 63 characters" },
                { ".", "name must start with a lower-case letter or digit" },
                { "..", "name must start with a lower-case letter or digit" },
                { ".hidden", "name must start with a lower-case letter or digit" },
                { "-a", "name must start with a lower-case letter or digit" },
                { "_a", "name must start with a lower-case letter or digit" },
                { "Web", "name must start with a lower-case letter or digit" },
                { "wEb", "character 'E' not allowed (only a-z, 0-9, '_', '.', '-')" },
                { "a/b", "character '/' not allowed (only a-z, 0-9, '_', '.', '-')" },
                { "a b", "byte 0x20 not allowed (only a-z, 0-9, '_', '.', '-')" },
                { "a\n", "byte 0x0a not allowed (only a-z, 0-9, '_', '.', '-')" },
                { "a\xc3\xa9", "byte 0xc3 not allowed (only a-z, 0-9, '_', '.', '-')" },
                { "pool", "name is reserved for a file of the state directory" },
                { "pool.lock", "name is reserved for a file of the state directory" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *reason = "(untouched)";
                int r = vps_name_check(cases[i].name, &reason);

                if (!cases[i].reason) {
                        cr_expect_eq(r, 0, "'%s' refused: %s", cases[i].name, reason);
                        cr_expect_str_eq(reason, "(untouched)");
                } else {
                        cr_expect_eq(r, -EINVAL, "'%s' accepted", cases[i].name);
                        cr_expect_str_eq(reason, cases[i].reason, "'%s'", cases[i].name);
                }
        }
        cr_expect_eq(vps_name_check(NULL, NULL), -EINVAL);
}

static void expect_dir(int dirfd, const char *name, mode_t mode) {
        struct stat st;

        cr_assert_eq(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0, "%s missing", name);
        cr_expect(S_ISDIR(st.st_mode), "%s is not a directory", name);
        cr_expect_eq(st.st_mode & 07777, mode, "%s has mode %o", name, st.st_mode & 07777);
}

Test(vpsdb, open_root_creates_only_when_asked) {
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "%s/root", test_dir);
        cr_expect_eq(vpsdb_open_root(path, false), -ENOENT);
        fd = vpsdb_open_root(path, true);
        cr_assert_geq(fd, 0);
        close(fd);
        expect_dir(test_dir_fd, "root", 0700);
        fd = vpsdb_open_root(path, true);
        cr_expect_geq(fd, 0, "an existing root is opened");
        close(fd);
}

Test(vpsdb, create_makes_the_layout) {
        int fd;
        mode_t old = umask(077);

        fd = vpsdb_create_vps(test_dir_fd, "web1");
        umask(old);
        cr_assert_geq(fd, 0, "%s", strerror(-fd));
        expect_dir(test_dir_fd, "web1", 0700);
        expect_dir(fd, "rootfs", 0755);
        expect_dir(fd, "mnt", 0755);
        expect_dir(fd, "run", 0700);
        close(fd);
        cr_expect_eq(test_count_entries(test_dir_fd), 1, "a temporary directory was left behind");
        cr_expect_eq(vpsdb_create_vps(test_dir_fd, "web1"), -EEXIST);
        cr_expect_eq(vpsdb_create_vps(test_dir_fd, "Web1"), -EINVAL);
        cr_expect_eq(test_count_entries(test_dir_fd), 1, "a failed creation left something behind");
}

Test(vpsdb, open_vps) {
        int fd;

        close(vpsdb_create_vps(test_dir_fd, "web1"));
        fd = vpsdb_open_vps(test_dir_fd, "web1");
        cr_expect_geq(fd, 0);
        close(fd);
        cr_expect_eq(vpsdb_open_vps(test_dir_fd, "web2"), -ENOENT);
        cr_expect_eq(vpsdb_open_vps(test_dir_fd, ".."), -EINVAL);
        cr_assert_eq(symlinkat("web1", test_dir_fd, "alias"), 0);
        cr_expect_lt(vpsdb_open_vps(test_dir_fd, "alias"), 0, "a symlink was followed");
        test_write("file", "");
        cr_expect_eq(vpsdb_open_vps(test_dir_fd, "file"), -ENOTDIR);
}

Test(vpsdb, list_skips_what_is_not_a_vps) {
        char **names = NULL;

        close(vpsdb_create_vps(test_dir_fd, "web2"));
        close(vpsdb_create_vps(test_dir_fd, "a1"));
        close(vpsdb_create_vps(test_dir_fd, "db"));
        test_write("pool", "");
        test_write("pool.lock", "");
        test_write("notadir", "");
        cr_assert_eq(mkdirat(test_dir_fd, "Upper", 0700), 0);
        cr_assert_eq(mkdirat(test_dir_fd, ".new.x.1", 0700), 0);
        cr_assert_eq(symlinkat("web2", test_dir_fd, "link"), 0);

        cr_assert_eq(vpsdb_list(test_dir_fd, &names), 0);
        cr_assert_not_null(names[0]);
        cr_expect_str_eq(names[0], "a1");
        cr_assert_not_null(names[1]);
        cr_expect_str_eq(names[1], "db");
        cr_assert_not_null(names[2]);
        cr_expect_str_eq(names[2], "web2");
        cr_expect_null(names[3]);
        vpsdb_names_free(names);
}

Test(vpsdb, list_of_empty_root) {
        char **names = NULL;

        cr_assert_eq(vpsdb_list(test_dir_fd, &names), 0);
        cr_assert_not_null(names);
        cr_expect_null(names[0]);
        vpsdb_names_free(names);
}

Test(vpsdb, lock_excludes_and_is_released_by_close) {
        int vps_fd, a, b;

        vps_fd = vpsdb_create_vps(test_dir_fd, "web1");
        cr_assert_geq(vps_fd, 0);
        a = vpsdb_lock_vps(vps_fd, false);
        cr_assert_geq(a, 0);
        cr_expect_eq(vpsdb_lock_vps(vps_fd, false), -EBUSY);
        close(a);
        b = vpsdb_lock_vps(vps_fd, false);
        cr_expect_geq(b, 0, "closing the fd did not release the lock");
        close(b);
        close(vps_fd);
}

static void remove_vps(const char *name) {
        int fd = openat(test_dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        cr_assert_geq(fd, 0);
        (void) unlinkat(fd, "run/lock", 0);
        cr_assert_eq(unlinkat(fd, "run", AT_REMOVEDIR), 0);
        cr_assert_eq(unlinkat(fd, "rootfs", AT_REMOVEDIR), 0);
        cr_assert_eq(unlinkat(fd, "mnt", AT_REMOVEDIR), 0);
        cr_assert_eq(unlinkat(test_dir_fd, name, AT_REMOVEDIR), 0);
        close(fd);
}

/* A waiter that gets the lock after a destroy learns that the VPS is gone. */
Test(vpsdb, lock_after_destroy_is_enoent) {
        int vps_fd, lock_fd, status;
        pid_t pid;

        vps_fd = vpsdb_create_vps(test_dir_fd, "web1");
        cr_assert_geq(vps_fd, 0);
        lock_fd = vpsdb_lock_vps(vps_fd, true);
        cr_assert_geq(lock_fd, 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                close(lock_fd); /* an inherited copy would hold the lock for us */
                _exit(vpsdb_lock_vps(vps_fd, true) == -ENOENT ? 0 : 1);
        }
        usleep(200 * 1000); /* let the child block on the lock (it sees ENOENT either way) */
        remove_vps("web1");
        close(lock_fd);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the waiter did not see -ENOENT");
        close(vps_fd);
}
