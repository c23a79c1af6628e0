/* Strict number parsing: the table of accepted and refused inputs. */
#include <criterion/criterion.h>
#include <errno.h>

#include "common/parse.h"

struct u32_case {
        const char *in;
        int r;
        uint32_t v;
};

Test(parse, atou32_table) {
        static const struct u32_case cases[] = {
                { "0", 0, 0 },
                { "1", 0, 1 },
                { "65536", 0, 65536 },
                { "4294967295", 0, 4294967295u },
                { "4294967296", -ERANGE, 0 },
                { "99999999999999999999999", -ERANGE, 0 },
                { "", -EINVAL, 0 },
                { "-1", -EINVAL, 0 },
                { "+1", -EINVAL, 0 },
                { " 1", -EINVAL, 0 },
                { "1 ", -EINVAL, 0 },
                { "01", -EINVAL, 0 },
                { "0x10", -EINVAL, 0 },
                { "12a", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint32_t v = 12345;
                int r = safe_atou32(cases[i].in, &v);

                cr_expect_eq(r, cases[i].r, "'%s': got %d, want %d", cases[i].in, r, cases[i].r);
                if (cases[i].r == 0)
                        cr_expect_eq(v, cases[i].v, "'%s': got %u", cases[i].in, v);
                else
                        cr_expect_eq(v, 12345, "'%s': output written on failure", cases[i].in);
        }
}

Test(parse, atou16_and_atoi) {
        uint16_t u16;
        int i;

        cr_expect_eq(safe_atou16("65535", &u16), 0);
        cr_expect_eq(u16, 65535);
        cr_expect_eq(safe_atou16("65536", &u16), -ERANGE);
        cr_expect_eq(safe_atoi("-1", &i), 0);
        cr_expect_eq(i, -1);
        cr_expect_eq(safe_atoi("-2147483648", &i), 0);
        cr_expect_eq(i, -2147483647 - 1);
        cr_expect_eq(safe_atoi("2147483648", &i), -ERANGE);
        cr_expect_eq(safe_atoi("--1", &i), -EINVAL);
        cr_expect_eq(safe_atoi("-", &i), -EINVAL);
}

Test(parse, atou32_n_stops_at_length) {
        uint32_t v;

        cr_expect_eq(safe_atou32_n("123 456", 3, &v), 0);
        cr_expect_eq(v, 123);
        cr_expect_eq(safe_atou32_n("123 456", 4, &v), -EINVAL);
        cr_expect_eq(safe_atou32_n("5", 0, &v), -EINVAL);
}
