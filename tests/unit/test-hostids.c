/* The host's passwd, group, subuid and subgid files, reduced to the ID ranges they use. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "common/hostids.h"
#include "tmpdir.h"

TestSuite(hostids, .init = test_dir_setup, .fini = test_dir_teardown);

static void expect_range(const struct id_ranges *r, size_t i, uint32_t start, uint32_t count) {
        cr_assert_lt(i, r->n);
        cr_expect_eq(r->ranges[i].start, start, "range %zu starts at %u", i, r->ranges[i].start);
        cr_expect_eq(r->ranges[i].count, count, "range %zu has %u IDs", i, r->ranges[i].count);
}

Test(hostids, passwd_gives_uids_and_primary_gids) {
        struct id_ranges r = {};
        char *error = NULL;

        cr_assert_eq(hostids_parse_passwd("root:x:0:0:root:/root:/bin/bash\n"
                                          "# a comment\n\n"
                                          "+nis::::::\n"
                                          "alice:x:1000:1001::/home/alice:/bin/sh\n",
                                          "passwd", &r, &error), 0, "%s", error);
        cr_assert_eq(r.n, 4);
        expect_range(&r, 0, 0, 1);
        expect_range(&r, 1, 0, 1);
        expect_range(&r, 2, 1000, 1);
        expect_range(&r, 3, 1001, 1);
        id_ranges_done(&r);
}

Test(hostids, group_and_subid) {
        struct id_ranges r = {};
        char *error = NULL;

        cr_assert_eq(hostids_parse_group("root:x:0:\nusers:x:100:alice,bob\n", "group", &r, &error), 0);
        cr_assert_eq(hostids_parse_subid("alice:100000:65536\n1000:4294901760:65535\n", "subuid", &r, &error), 0);
        cr_assert_eq(r.n, 4);
        expect_range(&r, 1, 100, 1);
        expect_range(&r, 2, 100000, 65536);
        expect_range(&r, 3, 4294901760u, 65535);
        id_ranges_done(&r);
}

enum kind { PASSWD, GROUP, SUBID };

struct bad_case {
        enum kind kind;
        const char *text;
        const char *error;
};

Test(hostids, malformed_files_are_errors) {
        static const struct bad_case cases[] = {
                { PASSWD, "root:x:0:0:root:/root\n", "f:1: expected 7 ':'-separated fields" },
                { PASSWD, "ok:x:1:1:::\nbad:x:1:1::::\n", "f:2: expected 7 ':'-separated fields" },
                { PASSWD, "a:x:one:1:::\n", "f:1: uid 'one' is not a number below 2^32" },
                { PASSWD, "a:x:1:-1:::\n", "f:1: gid '-1' is not a number below 2^32" },
                { PASSWD, "a:x:4294967296:1:::\n", "f:1: uid '4294967296' is not a number below 2^32" },
                { GROUP, "g:x:\n", "f:1: expected 4 ':'-separated fields" },
                { GROUP, "g:x::\n", "f:1: gid '' is not a number below 2^32" },
                { SUBID, "alice:100000\n", "f:1: expected 3 ':'-separated fields" },
                { SUBID, "alice:100000:0\n", "f:1: range 100000+0 is empty or wraps past 2^32" },
                { SUBID, "alice:4294967295:2\n", "f:1: range 4294967295+2 is empty or wraps past 2^32" },
                { SUBID, "alice: 100000:65536\n", "f:1: start ' 100000' is not a number below 2^32" },
                { SUBID, "+alice:1:1\n", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct id_ranges r = {};
                char *error = NULL;
                int ret;

                if (cases[i].kind == PASSWD)
                        ret = hostids_parse_passwd(cases[i].text, "f", &r, &error);
                else if (cases[i].kind == GROUP)
                        ret = hostids_parse_group(cases[i].text, "f", &r, &error);
                else
                        ret = hostids_parse_subid(cases[i].text, "f", &r, &error);
                if (cases[i].error) {
                        cr_expect_eq(ret, -EINVAL, "'%s' accepted", cases[i].text);
                        cr_expect_str_eq(error ?: "(none)", cases[i].error);
                } else
                        cr_expect_eq(ret, 0, "'%s': refused (%s)", cases[i].text, error);
                free(error);
                id_ranges_done(&r);
        }
}

static struct host_id_files files_in_test_dir(char paths[4][128]) {
        static const char *const names[] = { "passwd", "group", "subuid", "subgid" };

        for (int i = 0; i < 4; i++)
                snprintf(paths[i], 128, "%s/%s", test_dir, names[i]);
        return (struct host_id_files) { paths[0], paths[1], paths[2], paths[3] };
}

Test(hostids, load_requires_passwd_and_group_only) {
        char paths[4][128];
        struct host_id_files files = files_in_test_dir(paths);
        struct id_ranges r = {};
        char *error = NULL;

        cr_expect_eq(hostids_load(&files, &r, &error), -ENOENT);
        cr_expect(error && strstr(error, "/passwd: No such file or directory"), "%s", error);
        free(error);
        test_write("passwd", "root:x:0:0:::\n");
        test_write("group", "root:x:0:\n");
        cr_assert_eq(hostids_load(&files, &r, &error), 0);
        cr_expect_eq(r.n, 3);
        id_ranges_done(&r);
        test_write("subgid", "alice:200000:65536\nbroken\n");
        cr_expect_eq(hostids_load(&files, &r, &error), -EINVAL);
        cr_expect(error && strstr(error, "/subgid:2: expected 3 ':'-separated fields"), "%s", error);
        free(error);
}
