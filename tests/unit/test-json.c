/* The JSON writer: escaping of every kind of string, and separators in nested values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "vpsmgr/json.h"

static char *escaped(const char *s) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        cr_assert_not_null(f);
        json_write_string(f, s);
        fclose(f);
        return buf;
}

struct escape_case {
        const char *in, *out;
};

Test(json, string_escaping_table) {
        static const struct escape_case cases[] = {
                { "", "\"\"" },
                { "web1", "\"web1\"" },
                { "say \"hi\"", "\"say \\\"hi\\\"\"" },
                { "back\\slash", "\"back\\\\slash\"" },
                { "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
                { "\b\f", "\"\\b\\f\"" },
                { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
                { "/etc/passwd", "\"/etc/passwd\"" },
                /* Valid UTF-8 passes as is: é, €, 😀. */
                { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
                /* Invalid bytes become U+FFFD, one per byte: a lone continuation byte, a cut
                 * sequence, an overlong '/', a surrogate, a code point above U+10FFFF. */
                { "a\x80z", "\"a\\ufffdz\"" },
                { "\xe2\x82", "\"\\ufffd\\ufffd\"" },
                { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
                { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
                { "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
                { "\xff", "\"\\ufffd\"" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *out = escaped(cases[i].in);

                cr_expect_str_eq(out, cases[i].out, "case %zu", i);
                free(out);
        }
}

Test(json, nested_values_are_separated) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        struct json j;

        cr_assert_not_null(f);
        json_init(&j, f);
        json_begin_array(&j);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, "web1");
        json_key(&j, "vpid");
        json_uint(&j, 3);
        json_key(&j, "pid");
        json_int(&j, -1);
        json_key(&j, "up");
        json_bool(&j, true);
        json_key(&j, "init");
        json_string(&j, NULL);
        json_key(&j, "list");
        json_begin_array(&j);
        json_uint(&j, 0);
        json_uint(&j, 1000);
        json_end_array(&j);
        json_key(&j, "empty");
        json_begin_object(&j);
        json_end_object(&j);
        json_end_object(&j);
        json_begin_object(&j);
        json_end_object(&j);
        json_end_array(&j);
        cr_assert_eq(json_finish(&j), 0);
        fclose(f);
        cr_expect_str_eq(buf, "[{\"name\":\"web1\",\"vpid\":3,\"pid\":-1,\"up\":true,\"init\":null,"
                              "\"list\":[0,1000],\"empty\":{}},{}]\n");
        free(buf);
}
