/* The translation table: malformed inputs refused with file, line and reason; look-ups both
 * ways; round-trips; the kernel's map form. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"

struct bad_case {
        const char *text;
        const char *error; /* expected message, after "t:" */
};

Test(idmap, malformed_inputs_are_refused_with_line_and_reason) {
        static const struct bad_case cases[] = {
                { "x 0 65536 65536\n", "1: expected 'u' or 'g' at the start of the line" },
                { "u 0 65536\n", "1: expected four fields: u|g VIRTUAL ALTERNATIVE COUNT" },
                { "u 0 65536 1 junk\n", "1: trailing garbage after the count" },
                { "u 0 65536 0\n", "1: count is 0" },
                { "u 0 0 10\n", "1: range maps onto host ID 0 (host root)" },
                { "u 0 4294967286 10\n", "1: range includes the invalid ID 4294967295 ((uid_t)-1)" },
                { "u 0 4294967290 10\n", "1: range wraps past 2^32-1" },
                { "u 4294967290 100 10\n", "1: range wraps past 2^32-1" },
                { "# c\n\nu 0 65536 100\nu 50 70000 10\n", "4: virtual range overlaps an earlier extent" },
                { "u 0 65536 100\nu 100 65600 10\n", "2: alternative range overlaps an earlier extent" },
                { "u -1 65536 1\n", "1: virtual ID '-1' is not a decimal number without sign" },
                { "u +1 65536 1\n", "1: virtual ID '+1' is not a decimal number without sign" },
                { "u 1 065536 1\n", "1: alternative ID '065536' is not a decimal number without sign" },
                { "u 1 65536 4294967296\n", "1: count '4294967296' is not a decimal number below 2^32" },
                { "u 1 65536 1x\n", "1: count '1x' is not a decimal number without sign" },
                { "g 1 65536 1 # comment\n", "1: trailing garbage after the count" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct idmap *m = NULL;
                char *error = NULL, want[256];
                int r = idmap_parse(cases[i].text, "t", &m, &error);

                snprintf(want, sizeof(want), "t:%s", cases[i].error);
                cr_expect_eq(r, -EINVAL, "case %zu: got %d", i, r);
                cr_expect_null(m, "case %zu: table returned on failure", i);
                cr_expect_str_eq(error ? error : "(null)", want, "case %zu", i);
                free(error);
        }
}

Test(idmap, overlong_line_and_too_many_extents) {
        char *text, *error = NULL, *p;
        struct idmap *m = NULL;
        size_t size = 400 * 32;

        text = calloc(1, 5000);
        memset(text, ' ', 4097);
        cr_expect_eq(idmap_parse(text, "f", &m, &error), -EINVAL);
        cr_expect_str_eq(error, "f:1: line longer than 4096 bytes");
        free(error);
        free(text);

        p = text = calloc(1, size);
        for (unsigned i = 0; i < 341; i++)
                p += sprintf(p, "u %u %u 1\n", i, 100000 + i);
        cr_expect_eq(idmap_parse(text, "f", &m, &error), -EINVAL);
        cr_expect_str_eq(error, "f:341: more than 340 extents (the kernel's limit)");
        free(error);
        free(text);
}

Test(idmap, seed_encoding_lookups) {
        struct idmap *m = NULL;
        uint32_t id;

        /* FIG. 4/5: VPID 3, alt = 3 << 16 | vid. */
        cr_assert_eq(idmap_parse("u 0 196608 65536\ng 0 196608 65536\n", "t", &m, NULL), 0);
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 1, &id), 0);
        cr_expect_eq(id, 196609);
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 65535, &id), 0);
        cr_expect_eq(id, 262143);
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 65536, &id), -ENOENT);
        cr_expect_eq(idmap_to_virt(m, IDMAP_GID, 197608, &id), 0);
        cr_expect_eq(id, 1000);
        cr_expect_eq(idmap_to_virt(m, IDMAP_GID, 196607, &id), -ENOENT);
        cr_expect_eq(idmap_to_virt(m, IDMAP_UID, 0, &id), -ENOENT);
        idmap_free(m);
}

Test(idmap, many_extents_both_directions) {
        /* Extents given out of order, alternative order differing from virtual order. */
        static const char text[] =
                "u 1000 300000 10\n"
                "u 0 500000 1\n"
                "u 2000 100000 5\n"
                "g 5 70000 3\n";
        struct idmap *m = NULL;
        uint32_t id;

        cr_assert_eq(idmap_parse(text, "t", &m, NULL), 0);
        for (uint32_t v = 0; v < 3000; v++) {
                int r = idmap_to_alt(m, IDMAP_UID, v, &id);
                uint32_t back;

                if (v == 0 || (v >= 1000 && v < 1010) || (v >= 2000 && v < 2005)) {
                        cr_assert_eq(r, 0, "vuid %u", v);
                        cr_assert_eq(idmap_to_virt(m, IDMAP_UID, id, &back), 0);
                        cr_assert_eq(back, v);
                } else
                        cr_assert_eq(r, -ENOENT, "vuid %u", v);
        }
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 1009, &id), 0);
        cr_expect_eq(id, 300009);
        cr_expect_eq(idmap_to_virt(m, IDMAP_UID, 100004, &id), 0);
        cr_expect_eq(id, 2004);
        cr_expect_eq(idmap_to_virt(m, IDMAP_UID, 100005, &id), -ENOENT);
        cr_expect_eq(idmap_to_alt(m, IDMAP_GID, 1000, &id), -ENOENT);
        cr_expect_eq(idmap_to_alt(m, IDMAP_GID, 7, &id), 0);
        cr_expect_eq(id, 70002);
        idmap_free(m);
}

Test(idmap, round_trip_and_kernel_form) {
        static const char text[] =
                "# VPS web1\n"
                "\n"
                "g 0 196608 65536\n"
                "u\t1000 300000 10  \n"
                "u 0 196608 1000\n";
        struct idmap *m = NULL, *again = NULL;
        char *out = NULL, *kernel = NULL;

        cr_assert_eq(idmap_parse(text, "t", &m, NULL), 0);
        cr_assert_eq(idmap_format(m, &out), 0);
        cr_expect_str_eq(out, "u 0 196608 1000\nu 1000 300000 10\ng 0 196608 65536\n");
        cr_assert_eq(idmap_parse(out, "t", &again, NULL), 0);
        cr_expect(idmap_equal(m, again));
        cr_assert_eq(idmap_kernel_map(m, IDMAP_UID, &kernel), 0);
        cr_expect_str_eq(kernel, "0 196608 1000\n1000 300000 10\n");
        free(kernel);
        cr_assert_eq(idmap_kernel_map(m, IDMAP_GID, &kernel), 0);
        cr_expect_str_eq(kernel, "0 196608 65536\n");
        free(kernel);
        free(out);
        idmap_free(again);
        idmap_free(m);
}

Test(idmap, empty_table_and_no_trailing_newline) {
        struct idmap *m = NULL;
        char *out = NULL;
        uint32_t id;

        cr_assert_eq(idmap_parse("", "t", &m, NULL), 0);
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 0, &id), -ENOENT);
        cr_assert_eq(idmap_format(m, &out), 0);
        cr_expect_str_eq(out, "");
        free(out);
        idmap_free(m);
        cr_assert_eq(idmap_parse("u 0 65536 1", "t", &m, NULL), 0);
        cr_expect_eq(idmap_to_alt(m, IDMAP_UID, 0, &id), 0);
        cr_expect_eq(id, 65536);
        idmap_free(m);
}
