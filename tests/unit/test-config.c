/* The config file of a VPS: the key table, malformed lines, round-trips, atomic saves. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/config.h"
#include "tmpdir.h"

TestSuite(config, .init = test_dir_setup, .fini = test_dir_teardown);

static struct vps_config *parse_ok(const char *text) {
        struct vps_config *c = NULL;
        char *error = NULL;

        cr_assert_eq(vps_config_parse(text, "config", &c, &error), 0, "'%s': %s", text, error);
        return c;
}

Test(config, defaults) {
        _cleanup_vps_config_ struct vps_config *c = parse_ok("# nothing set\n\n");

        cr_expect_eq(c->vpid, 0);
        cr_expect_null(c->hostname);
        cr_expect_null(c->start_cmd);
        cr_expect_eq(c->network, VPS_NETWORK_PRIVATE);
        cr_expect_eq(c->memory_max, VPS_LIMIT_MAX);
        cr_expect_eq(c->pids_max, VPS_LIMIT_MAX);
}

Test(config, full_example) {
        _cleanup_vps_config_ struct vps_config *c = parse_ok(
                "# web server\n"
                "vpid = 3\n"
                "  hostname=web1.example.com  \n"
                "start_cmd = /bin/sh -c 'exec sshd -D # not a comment'\n"
                "network\t=\thost\n"
                "memory_max = 1073741824\n"
                "pids_max = 512\n");

        cr_expect_eq(c->vpid, 3);
        cr_expect_str_eq(c->hostname, "web1.example.com");
        cr_expect_str_eq(c->start_cmd, "/bin/sh -c 'exec sshd -D # not a comment'");
        cr_expect_eq(c->network, VPS_NETWORK_HOST);
        cr_expect_eq(c->memory_max, 1073741824u);
        cr_expect_eq(c->pids_max, 512);
}

struct value_case {
        const char *line;
        const char *error; /* NULL: accepted */
};

Test(config, value_table) {
        static const struct value_case cases[] = {
                { "vpid = 1", NULL },
                { "vpid = 65534", NULL },
                { "vpid = 0", "config:1: invalid vpid '0': not a number in 1..65534" },
                { "vpid = 65535", "config:1: invalid vpid '65535': not a number in 1..65534" },
                { "vpid = -1", "config:1: invalid vpid '-1': not a number in 1..65534" },
                { "vpid = 01", "config:1: invalid vpid '01': not a number in 1..65534" },
                { "vpid = 3 4", "config:1: invalid vpid '3 4': not a number in 1..65534" },
                { "vpid =", "config:1: invalid vpid '': not a number in 1..65534" },
                { "hostname = a", NULL },
                { "hostname = Web-1.example", NULL },
                { "hostname = 123456789012345678901234567890123456789012345678901234567890123", NULL },
                { "hostname = 1234567890123456789012345678901234567890123456789012345678901234", "" },
                { "hostname = 123456789012345678901234567890.123456789012345678901234567890123", NULL },
                { "hostname = 123456789012345678901234567890.1234567890123456789012345678901234", "" },
                { "hostname = -a", "" },
                { "hostname = a-", "" },
                { "hostname = a..b", "" },
                { "hostname = .a", "" },
                { "hostname = a_b", "" },
                { "hostname =", "" },
                { "start_cmd =", NULL },
                { "start_cmd = /sbin/init", NULL },
                { "network = private", NULL },
                { "network = host", NULL },
                { "network = none", "config:1: invalid network 'none': expected 'private' or 'host'" },
                { "network = Private", "" },
                { "memory_max = max", NULL },
                { "memory_max = 0", NULL },
                { "memory_max = 18446744073709551615", NULL },
                { "memory_max = 18446744073709551616", "config:1: invalid memory_max '18446744073709551616': expected a number or 'max'" },
                { "memory_max = 1G", "" },
                { "pids_max = 100", NULL },
                { "pids_max = MAX", "" },
                { "pids_max = -5", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vps_config *c = NULL;
                char *error = NULL;
                int r = vps_config_parse(cases[i].line, "config", &c, &error);

                if (!cases[i].error) {
                        cr_expect_eq(r, 0, "'%s' refused: %s", cases[i].line, error);
                } else {
                        cr_expect_eq(r, -EINVAL, "'%s' accepted", cases[i].line);
                        cr_expect_null(c);
                        if (*cases[i].error)
                                cr_expect_str_eq(error ?: "(none)", cases[i].error);
                        else
                                cr_expect(error && strncmp(error, "config:1: invalid ", 18) == 0,
                                          "'%s': %s", cases[i].line, error);
                }
                vps_config_free(c);
                free(error);
        }
}

Test(config, malformed_lines) {
        static const struct value_case cases[] = {
                { "foo = 1\n", "config:1: unknown key 'foo'" },
                { "# c\nVPID = 1\n", "config:2: unknown key 'VPID'" },
                { "vpid = 1\n\nvpid = 2\n", "config:3: duplicate key 'vpid' (first set on line 1)" },
                { "vpid 1\n", "config:1: expected 'key = value'" },
                { "= 1\n", "config:1: unknown key ''" },
                { "pids_max = 1\nhostname = x y\n", "config:2: invalid hostname 'x y': not a host name "
                  "(at most 64 characters; labels of letters, digits and '-', separated by '.')" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vps_config *c = NULL;
                char *error = NULL;

                cr_expect_eq(vps_config_parse(cases[i].line, "config", &c, &error), -EINVAL, "'%s'", cases[i].line);
                cr_expect_str_eq(error ?: "(none)", cases[i].error);
                free(error);
        }
}

static void expect_round_trip(const struct vps_config *a) {
        _cleanup_vps_config_ struct vps_config *b = NULL;
        _cleanup_free_ char *text = NULL;

        cr_assert_eq(vps_config_format(a, &text), 0);
        b = parse_ok(text);
        cr_expect(vps_config_equal(a, b), "round trip changed:\n%s", text);
}

Test(config, round_trips) {
        static const char *const texts[] = {
                "",
                "vpid = 7\n",
                "start_cmd =\n",
                "vpid = 65534\nhostname = h\nstart_cmd = a  b\nnetwork = host\nmemory_max = 0\npids_max = 18446744073709551614\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                _cleanup_vps_config_ struct vps_config *c = parse_ok(texts[i]);

                expect_round_trip(c);
        }
}

Test(config, format_writes_set_keys_in_table_order) {
        _cleanup_vps_config_ struct vps_config *c = parse_ok("pids_max = 10\nvpid = 2\nstart_cmd =\n");
        _cleanup_free_ char *text = NULL;

        cr_assert_eq(vps_config_format(c, &text), 0);
        cr_expect_str_eq(text, "vpid = 2\nstart_cmd =\nnetwork = private\nmemory_max = max\npids_max = 10\n");
}

Test(config, format_refuses_what_would_not_parse_back) {
        _cleanup_vps_config_ struct vps_config *c = vps_config_new();
        char *text = NULL;

        cr_assert_not_null(c);
        c->vpid = 70000;
        cr_expect_eq(vps_config_format(c, &text), -EINVAL);
        c->vpid = 1;
        c->start_cmd = strdup("a\nb");
        cr_expect_eq(vps_config_format(c, &text), -EINVAL);
        free(c->start_cmd);
        c->start_cmd = strdup(" leading");
        cr_expect_eq(vps_config_format(c, &text), -EINVAL);
        free(c->start_cmd);
        c->start_cmd = NULL;
        c->hostname = strdup("bad_host");
        cr_expect_eq(vps_config_format(c, &text), -EINVAL);
        cr_expect_null(text);
}

Test(config, save_load_atomic) {
        _cleanup_vps_config_ struct vps_config *c = parse_ok("vpid = 3\nhostname = web1\n");
        _cleanup_vps_config_ struct vps_config *back = NULL;
        char *error = NULL;
        struct stat st;

        cr_assert_eq(vps_config_save_at(test_dir_fd, "config", c), 0);
        c->pids_max = 64;
        cr_assert_eq(vps_config_save_at(test_dir_fd, "config", c), 0);
        cr_expect_eq(test_count_entries(test_dir_fd), 1, "a temporary file was left behind");
        cr_assert_eq(fstatat(test_dir_fd, "config", &st, 0), 0);
        cr_expect_eq(st.st_mode & 07777, 0600);
        cr_assert_eq(vps_config_load_at(test_dir_fd, "config", &back, &error), 0, "%s", error);
        cr_expect(vps_config_equal(c, back));
}

Test(config, load_errors_name_the_file) {
        struct vps_config *c = NULL;
        char *error = NULL;

        cr_expect_eq(vps_config_load_at(test_dir_fd, "config", &c, &error), -ENOENT);
        cr_expect_str_eq(error, "config: No such file or directory");
        free(error);
        test_write("config", "vpid = 1\nfoo = bar\n");
        cr_expect_eq(vps_config_load_at(test_dir_fd, "config", &c, &error), -EINVAL);
        cr_expect_str_eq(error, "config:2: unknown key 'foo'");
        free(error);
}
