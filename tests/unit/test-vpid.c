/* PID → VPS: which VPS a /proc/PID/cgroup content names, including hostile ones. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/vpid.h"

struct vpid_case {
        const char *in;
        const char *parent;
        int r;
        const char *name;
};

Test(vpid, parse_table) {
        static const struct vpid_case cases[] = {
                { "0::/vps/web1\n", "vps", 0, "web1" },
                { "0::/vps/web1/init.scope\n", "vps", 0, "web1" }, /* a sub-cgroup of the VPS */
                { "0::/vps/web1/a/b/c\n", "vps", 0, "web1" },
                { "0::/vps/web1 (deleted)\n", "vps", 0, "web1" },
                { "0::/vps/web1/x (deleted)\n", "vps", 0, "web1" },
                /* A tenant may name a sub-cgroup anything: it does not change the VPS. */
                { "0::/vps/web1/ (deleted)\n", "vps", 0, "web1" },
                { "0::/vps/web1/..x\n", "vps", 0, "web1" },
                { "0::/vps-test-7/t1\n", "vps-test-7", 0, "t1" },
                { "9:name=systemd:/vps/other\n1:cpu:/\n0::/vps/web1\n", "vps", 0, "web1" },
                /* Not in a VPS. */
                { "0::/\n", "vps", -ENOENT, NULL },
                { "0::/vps\n", "vps", -ENOENT, NULL },
                { "0::/vpsx/foo\n", "vps", -ENOENT, NULL },
                { "0::/vp/foo\n", "vps", -ENOENT, NULL },
                { "0::/user.slice/vps/web1\n", "vps", -ENOENT, NULL },
                { "0::/vps/../x\n", "vps", -ENOENT, NULL },
                { "0::/vps/./x\n", "vps", -ENOENT, NULL },
                { "0::/vps/web1/../../x\n", "vps", -ENOENT, NULL },
                { "0::/../../vps/web1\n", "vps", -ENOENT, NULL }, /* outside our cgroup ns */
                { "0::/vps/web1\n", "web1", -ENOENT, NULL },
                { "4:memory:/vps/web1\n0::/\n", "vps", -ENOENT, NULL }, /* only cgroup2 counts */
                /* Malformed. */
                { "0::/vps//web1\n", "vps", -EBADMSG, NULL },
                { "0::/vps/web1/\n", "vps", -EBADMSG, NULL },
                { "0::/vps/\n", "vps", -EBADMSG, NULL },
                { "0::/vps/a\n0::/vps/b\n", "vps", -EBADMSG, NULL }, /* a name with a newline */
                { "0::/vps/a\nfake\n", "vps", -EBADMSG, NULL },
                { "0::vps/web1\n", "vps", -EBADMSG, NULL },
                { "1:cpu:/vps/web1\n", "vps", -ENOMEDIUM, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *name = (char *) "untouched";
                int r = vpid_parse(cases[i].in, cases[i].parent, &name);

                cr_expect_eq(r, cases[i].r, "case %zu (%s): got %d, want %d", i, cases[i].in, r, cases[i].r);
                if (r == 0 && cases[i].r == 0) {
                        cr_expect_str_eq(name, cases[i].name, "case %zu", i);
                        free(name);
                } else if (r < 0)
                        cr_expect_str_eq(name, "untouched", "case %zu: output written on failure", i);
        }
}

Test(vpid, name_from_path) {
        char *name = NULL;

        cr_expect_eq(vpid_name_from_path("/vps/web1", "vps", &name), 0);
        cr_expect_str_eq(name, "web1");
        free(name);
        cr_expect_eq(vpid_name_from_path("vps/web1", "vps", &name), -EBADMSG);
        cr_expect_eq(vpid_name_from_path("", "vps", &name), -EBADMSG);
        cr_expect_eq(vpid_name_from_path("/vps/a\nb", "vps", &name), -EBADMSG);
}

Test(vpid, of_pid_not_in_a_vps_and_no_such_process) {
        char *name = (char *) "untouched";
        int r = vpid_of_pid(getpid(), "vps-unit-test-no-such-parent", &name);

        /* -ENOMEDIUM where no cgroup2 hierarchy is mounted at all. */
        cr_expect(r == -ENOENT || r == -ENOMEDIUM, "got %d", r);
        cr_expect_eq(vpid_of_pid(0, "vps", &name), -EINVAL);
        cr_expect_eq(vpid_of_pid(-5, "vps", &name), -EINVAL);
        cr_expect_eq(vpid_of_pid(0x3fffffff, "vps", &name), -ESRCH);
        cr_expect_str_eq(name, "untouched");
}
