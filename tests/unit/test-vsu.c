/* VSUID encoding (the seed's figures) and the VSU list: membership, file form, atomic save. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/vsu.h"
#include "tmpdir.h"

TestSuite(vsu, .init = test_dir_setup, .fini = test_dir_teardown);

Test(vsu, encoding_matches_the_seed) {
        cr_expect_eq(vsu_uid(1, 0), 0x00010000u);      /* FIG. 11 */
        cr_expect_eq(vsu_uid(1, 1), 65537u);           /* FIG. 4-5 */
        cr_expect_eq(vsu_uid(3, 1), 196609u);
        cr_expect_eq(vsu_uid(3, 1000), 197608u);       /* DESIGN.md: alice of web1 */
        cr_expect_eq(vsu_uid(65534, 65535), 0xfffeffffu);
        cr_expect_eq(vsu_vuid_of(196609), 1);          /* FIG. 7-8, Eq. 2 */
        cr_expect_eq(vsu_vpid_of(196609), 3);
}

static struct vsu_list *parse_ok(const char *text) {
        struct vsu_list *l = NULL;
        char *error = NULL;

        cr_assert_eq(vsu_list_parse(text, "vsu", &l, &error), 0, "'%s': %s", text, error);
        return l;
}

Test(vsu, add_remove_contains) {
        _cleanup_vsu_list_ struct vsu_list *l = vsu_list_new();

        cr_assert_not_null(l);
        cr_expect(vsu_list_contains(l, 0), "vuid 0 is always a VSU");
        cr_expect_eq(vsu_list_add(l, 1000), 1);
        cr_expect_eq(vsu_list_add(l, 5), 1);
        cr_expect_eq(vsu_list_add(l, 65535), 1);
        cr_expect_eq(vsu_list_add(l, 1000), 0);
        cr_expect_eq(vsu_list_add(l, 0), 0);
        cr_expect_eq(vsu_list_add(l, 65536), -ERANGE);
        cr_assert_eq(l->n, 3);
        cr_expect_eq(l->vuids[0], 5);
        cr_expect_eq(l->vuids[1], 1000);
        cr_expect_eq(l->vuids[2], 65535);
        cr_expect(vsu_list_contains(l, 1000));
        cr_expect_not(vsu_list_contains(l, 999));
        cr_expect_eq(vsu_list_remove(l, 0), -EPERM);
        cr_expect_eq(vsu_list_remove(l, 7), 0);
        cr_expect_eq(vsu_list_remove(l, 5), 1);
        cr_expect_not(vsu_list_contains(l, 5));
        cr_expect_eq(l->n, 2);
}

Test(vsu, parse_sorts_and_skips_comments) {
        _cleanup_vsu_list_ struct vsu_list *l = parse_ok("# admins\n1000\n\n  5\t\n# more\n65535");

        cr_assert_eq(l->n, 3);
        cr_expect_eq(l->vuids[0], 5);
        cr_expect_eq(l->vuids[1], 1000);
        cr_expect_eq(l->vuids[2], 65535);
}

struct bad_case {
        const char *text;
        const char *error;
};

Test(vsu, parse_refuses_malformed) {
        static const struct bad_case cases[] = {
                { "0\n", "vsu:1: vuid 0 is always a virtual super-user and is not listed" },
                { "5\nabc\n", "vsu:2: 'abc' is not a vuid in 1..65535" },
                { "-1\n", "vsu:1: '-1' is not a vuid in 1..65535" },
                { "65536\n", "vsu:1: '65536' is not a vuid in 1..65535" },
                { "01\n", "vsu:1: '01' is not a vuid in 1..65535" },
                { "1 2\n", "vsu:1: '1 2' is not a vuid in 1..65535" },
                { "7\n\n7\n", "vsu:3: duplicate vuid 7" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vsu_list *l = NULL;
                char *error = NULL;

                cr_expect_eq(vsu_list_parse(cases[i].text, "vsu", &l, &error), -EINVAL, "'%s'", cases[i].text);
                cr_expect_null(l, "'%s': output written on failure", cases[i].text);
                cr_expect_str_eq(error ?: "(none)", cases[i].error);
                free(error);
        }
}

Test(vsu, long_line_refused) {
        char *text = malloc(5000), *error = NULL;
        struct vsu_list *l = NULL;

        memset(text, '1', 4999);
        text[4999] = '\0';
        cr_expect_eq(vsu_list_parse(text, "vsu", &l, &error), -EINVAL);
        cr_expect_str_eq(error, "vsu:1: line longer than 4096 bytes");
        free(error);
        free(text);
}

Test(vsu, round_trip) {
        _cleanup_vsu_list_ struct vsu_list *a = parse_ok("9\n3\n40000\n");
        _cleanup_vsu_list_ struct vsu_list *b = NULL;
        _cleanup_free_ char *text = NULL;

        cr_assert_eq(vsu_list_format(a, &text), 0);
        b = parse_ok(text);
        cr_assert_eq(a->n, b->n);
        cr_expect_arr_eq(a->vuids, b->vuids, a->n * sizeof(uint32_t));
}

Test(vsu, missing_file_is_empty_and_save_is_atomic) {
        _cleanup_vsu_list_ struct vsu_list *l = NULL, *back = NULL;
        char *error = NULL;
        struct stat st;

        cr_assert_eq(vsu_list_load_at(test_dir_fd, "vsu", &l, &error), 0);
        cr_expect_eq(l->n, 0);
        cr_assert_eq(vsu_list_add(l, 1000), 1);
        cr_assert_eq(vsu_list_save_at(test_dir_fd, "vsu", l), 0);
        cr_assert_eq(vsu_list_add(l, 2000), 1);
        cr_assert_eq(vsu_list_save_at(test_dir_fd, "vsu", l), 0);
        cr_expect_eq(test_count_entries(test_dir_fd), 1, "a temporary file was left behind");
        cr_assert_eq(fstatat(test_dir_fd, "vsu", &st, 0), 0);
        cr_expect_eq(st.st_mode & 07777, 0600);
        cr_assert_eq(vsu_list_load_at(test_dir_fd, "vsu", &back, &error), 0);
        cr_expect_eq(back->n, 2);
        cr_expect(vsu_list_contains(back, 2000));
}

Test(vsu, load_names_the_file) {
        struct vsu_list *l = NULL;
        char *error = NULL;

        test_write("vsu", "12\nx\n");
        cr_expect_eq(vsu_list_load_at(test_dir_fd, "vsu", &l, &error), -EINVAL);
        cr_expect_str_eq(error, "vsu:2: 'x' is not a vuid in 1..65535");
        free(error);
}
