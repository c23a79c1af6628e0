/* The text parsers of common/cgroup: /proc/PID/cgroup, cgroup.events, cgroup.procs,
 * controller lists, and finding the cgroup2 mount in a mountinfo of our own making. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/macro.h"

struct path_case {
        const char *in;
        int r;
        const char *path;
};

Test(cgroup_parse, proc_cgroup_table) {
        static const struct path_case cases[] = {
                { "0::/\n", 0, "/" },
                { "0::/vps/web1\n", 0, "/vps/web1" },
                { "0::/vps/web1", 0, "/vps/web1" }, /* no final newline */
                { "0::/vps/web1 (deleted)\n", 0, "/vps/web1 (deleted)" },
                { "0::/a:b\n", 0, "/a:b" }, /* colons in the path are the path's */
                /* Hybrid: v1 lines around the cgroup2 one. */
                { "9:name=systemd:/\n4:memory:/process_api/1b11\n1:cpu:/\n0::/vps/x/y\n", 0, "/vps/x/y" },
                { "1:cpu:/\n", -ENOMEDIUM, NULL },
                { "", -ENOMEDIUM, NULL },
                /* A newline in a name must not smuggle in a second line. */
                { "0::/vps/a\n0::/vps/b\n", -EBADMSG, NULL },
                { "0::/vps/a\nb\n", -EBADMSG, NULL },
                { "0::/\n\n", -EBADMSG, NULL },
                { "0:memory:/vps/a\n", -EBADMSG, NULL },
                { "0::vps/a\n", -EBADMSG, NULL },
                { "0::\n", -EBADMSG, NULL },
                { "x::/\n", -EBADMSG, NULL },
                { "-1::/\n", -EBADMSG, NULL },
                { "00::/\n", -EBADMSG, NULL },
                { "0:/\n", -EBADMSG, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *path = (char *) "untouched";
                int r = cgroup_parse_proc_cgroup(cases[i].in, &path);

                cr_expect_eq(r, cases[i].r, "case %zu: got %d, want %d", i, r, cases[i].r);
                if (cases[i].r == 0 && r == 0) {
                        cr_expect_str_eq(path, cases[i].path, "case %zu", i);
                        free(path);
                } else if (r < 0)
                        cr_expect_str_eq(path, "untouched", "case %zu: output written on failure", i);
        }
}

struct events_case {
        const char *in;
        const char *key;
        int r;
        bool value;
};

Test(cgroup_parse, events_table) {
        static const struct events_case cases[] = {
                { "populated 0\nfrozen 0\n", "populated", 0, false },
                { "populated 1\nfrozen 0\n", "populated", 0, true },
                { "populated 1\nfrozen 1\n", "frozen", 0, true },
                { "populated 1\nfrozen 1", "frozen", 0, true },
                { "frozen 1\npopulated 0\n", "populated", 0, false },
                { "populated 1\n", "frozen", -ENOKEY, false }, /* kernels before 5.2 */
                { "unpopulated 1\n", "populated", -ENOKEY, false },
                { "populatedx 1\n", "populated", -ENOKEY, false },
                { "", "populated", -ENOKEY, false },
                { "populated 2\n", "populated", -EBADMSG, false },
                { "populated  1\n", "populated", -EBADMSG, false },
                { "populated 10\n", "populated", -EBADMSG, false },
                { "populated \n", "populated", -EBADMSG, false },
                { "populated 0\npopulated 1\n", "populated", -EBADMSG, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool value = !cases[i].value;
                int r = cgroup_parse_events(cases[i].in, cases[i].key, &value);

                cr_expect_eq(r, cases[i].r, "case %zu: got %d, want %d", i, r, cases[i].r);
                if (cases[i].r == 0)
                        cr_expect_eq(value, cases[i].value, "case %zu", i);
                else
                        cr_expect_eq(value, !cases[i].value, "case %zu: output written on failure", i);
        }
}

Test(cgroup_parse, pids) {
        static const struct {
                const char *in;
                int r;
                size_t n;
        } cases[] = {
                { "", 0, 0 },
                { "1\n", 0, 1 },
                { "4711\n1\n2147483647\n", 0, 3 },
                { "4711\n1", 0, 2 },
                { "0\n", -EBADMSG, 0 },
                { "2147483648\n", -EBADMSG, 0 },
                { "-1\n", -EBADMSG, 0 },
                { "12 \n", -EBADMSG, 0 },
                { "1\n\n2\n", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "abc\n", -EBADMSG, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                pid_t *pids = NULL;
                size_t n = 99;
                int r = cgroup_parse_pids(cases[i].in, &pids, &n);

                cr_expect_eq(r, cases[i].r, "case %zu: got %d, want %d", i, r, cases[i].r);
                if (r == 0)
                        cr_expect_eq(n, cases[i].n, "case %zu: got %zu pids", i, n);
                else
                        cr_expect_eq(n, 99, "case %zu: output written on failure", i);
                free(pids);
        }
}

Test(cgroup_parse, pids_values_and_no_limit) {
        size_t count = 100000, n;
        char *text = malloc(count * 8 + 1), *p = text;
        pid_t *pids;

        cr_assert_not_null(text);
        for (size_t i = 1; i <= count; i++)
                p += sprintf(p, "%zu\n", i);
        cr_assert_eq(cgroup_parse_pids(text, &pids, &n), 0);
        cr_assert_eq(n, count);
        for (size_t i = 0; i < count; i++)
                cr_assert_eq(pids[i], (pid_t) (i + 1));
        free(pids);
        free(text);
}

Test(cgroup_parse, controllers) {
        unsigned mask = 12345;

        cr_expect_eq(cgroup_parse_controllers("", &mask), 0);
        cr_expect_eq(mask, 0); /* a hybrid host: everything bound to v1 */
        cr_expect_eq(cgroup_parse_controllers("\n", &mask), 0);
        cr_expect_eq(mask, 0);
        cr_expect_eq(cgroup_parse_controllers("hugetlb\n", &mask), 0);
        cr_expect_eq(mask, CGROUP_MASK(CGROUP_CONTROLLER_HUGETLB));
        cr_expect_eq(cgroup_parse_controllers("cpuset cpu io memory hugetlb pids rdma misc\n", &mask), 0);
        cr_expect_eq(mask, (1u << _CGROUP_CONTROLLER_MAX) - 1);
        cr_expect_eq(cgroup_parse_controllers("cpu newfangled memory averyveryveryveryverylongcontrollername\n", &mask), 0);
        cr_expect_eq(mask, CGROUP_MASK(CGROUP_CONTROLLER_CPU) | CGROUP_MASK(CGROUP_CONTROLLER_MEMORY));
}

Test(cgroup_parse, controller_names_round_trip) {
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                cr_expect_eq(cgroup_controller_from_string(cgroup_controller_to_string(c)), c);
        cr_expect_eq(cgroup_controller_from_string("cpuacct"), -EINVAL);
        cr_expect_eq(cgroup_controller_from_string(""), -EINVAL);
        cr_expect_null(cgroup_controller_to_string(_CGROUP_CONTROLLER_MAX));
}

/* Finds the cgroup2 mount in a mountinfo written to a temporary file. */
static int find_root_in(const char *mountinfo, char **ret_path) {
        char file[] = "/tmp/test-cgroup-mountinfo.XXXXXX";
        int fd = mkstemp(file), r;

        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, mountinfo, strlen(mountinfo)), (ssize_t) strlen(mountinfo));
        close(fd);
        r = cgroup_find_root_from(file, ret_path);
        unlink(file);
        return r;
}

#define MI_SYSFS "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"

Test(cgroup_parse, find_root_hybrid) {
        char *path = NULL;

        cr_assert_eq(find_root_in(MI_SYSFS
                "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
                "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n",
                &path), 0);
        cr_expect_str_eq(path, "/sys/fs/cgroup/unified");
        free(path);
}

Test(cgroup_parse, find_root_pure) {
        char *path = NULL;

        cr_assert_eq(find_root_in(MI_SYSFS
                "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
                &path), 0);
        cr_expect_str_eq(path, "/sys/fs/cgroup");
        free(path);
}

Test(cgroup_parse, find_root_skips_sub_cgroup_bind_mount) {
        char *path = NULL;

        cr_assert_eq(find_root_in(MI_SYSFS
                "30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                "50 22 0:26 /vps/web1 /mnt/web1 rw - cgroup2 cgroup2 rw\n",
                &path), 0);
        cr_expect_str_eq(path, "/sys/fs/cgroup");
        free(path);
}

Test(cgroup_parse, find_root_none) {
        char *path = (char *) "untouched";

        cr_expect_eq(find_root_in(MI_SYSFS
                "32 22 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n", &path), -ENOMEDIUM);
        cr_expect_str_eq(path, "untouched");
}

Test(cgroup_parse, find_root_unescapes_and_last_wins) {
        char *path = NULL;

        cr_assert_eq(cgroup_parse_mountinfo(MI_SYSFS
                "30 22 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n"
                "51 22 0:26 / /run/my\\040cg\\134x rw shared:4 master:1 - cgroup2 none rw\n",
                &path), 0);
        cr_expect_str_eq(path, "/run/my cg\\x");
        free(path);
}

Test(cgroup_parse, find_root_refuses_what_the_kernel_never_writes) {
        static const char *const bad[] = {
                "30 22 0:26 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n", /* no separator */
                "30 22 0:26 /sys/fs/cgroup\n",                         /* too short */
                "30 22 0:26 / /sys/fs/\\04 rw - cgroup2 cgroup2 rw\n", /* short escape */
                "30 22 0:26 / /sys/fs/\\x41 rw - cgroup2 cgroup2 rw\n", /* not octal */
                "30 22 0:26 / sys rw - cgroup2 cgroup2 rw\n",          /* relative mount point */
        };
        char *path;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                path = (char *) "untouched";
                cr_expect_eq(cgroup_parse_mountinfo(bad[i], &path), -EBADMSG, "case %zu", i);
                cr_expect_str_eq(path, "untouched");
        }
        cr_expect_eq(cgroup_parse_mountinfo("", &path), -ENOMEDIUM);
}
