/* create's command line parsed into its record: the accepted forms and the refused ones (whose
 * one-line messages go to stderr), and the small formatters the verbs share. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vpsmgr/untar.h"
#include "vpsmgr/verb-create.h"
#include "vpsmgr/vps-info.h"

#define ARGV(...) ((char *[]) { "create", __VA_ARGS__, NULL })
#define ARGC(...) ((int) (sizeof((char *[]) { "create", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(ret, ...) create_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (ret))

Test(args, create_defaults) {
        struct create_options o;

        cr_assert_eq(PARSE(&o, "web1"), 0);
        cr_expect_str_eq(o.name, "web1");
        cr_expect_eq(o.source, ROOTFS_TEMPLATE_BUSYBOX);
        cr_expect_null(o.hostname);
        cr_expect_null(o.start_cmd);
        cr_expect_eq(o.vpid, 0);
}

Test(args, create_options_before_and_after_the_name) {
        struct create_options o;

        cr_assert_eq(PARSE(&o, "--rootfs", "/srv/deb", "web1", "--hostname", "www.example.org", "--vpid", "42",
                           "--start-cmd", "/sbin/init 3"), 0);
        cr_expect_str_eq(o.name, "web1");
        cr_expect_eq(o.source, ROOTFS_TREE);
        cr_expect_str_eq(o.source_path, "/srv/deb");
        cr_expect_str_eq(o.hostname, "www.example.org");
        cr_expect_str_eq(o.start_cmd, "/sbin/init 3");
        cr_expect_eq(o.vpid, 42);
        cr_assert_eq(PARSE(&o, "web2", "--rootfs-tar=/tmp/r.tar.zst", "--start-cmd="), 0);
        cr_expect_eq(o.source, ROOTFS_TARBALL);
        cr_expect_str_eq(o.source_path, "/tmp/r.tar.zst");
        cr_expect_str_eq(o.start_cmd, "");
        cr_assert_eq(PARSE(&o, "web3", "--template", "busybox"), 0);
        cr_expect_eq(o.source, ROOTFS_TEMPLATE_BUSYBOX);
}

Test(args, create_refusals) {
        struct create_options o;

        cr_expect_eq(create_parse(1, (char *[]) { "create", NULL }, &o), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "web2"), -EINVAL);
        cr_expect_eq(PARSE(&o, "Web1"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web_1"), -EINVAL, "not a host name, and no --hostname");
        cr_expect_eq(PARSE(&o, "web_1", "--hostname", "web-1"), 0);
        cr_expect_eq(PARSE(&o, "web1", "--rootfs", "a", "--rootfs-tar", "b"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--template", "busybox", "--rootfs", "a"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--template", "alpine"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--vpid", "0"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--vpid", "65535"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--vpid", "-1"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--vpid", "1x"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--hostname", "a..b"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--start-cmd", "a\nb"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--start-cmd", "trailing "), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--bogus"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "-q"), -EINVAL);
        cr_expect_eq(PARSE(&o, "web1", "--rootfs"), -EINVAL);
        /* After a refusal the parser starts afresh. */
        cr_expect_eq(PARSE(&o, "web1"), 0);
}

struct magic_case {
        const char *head;
        size_t size;
        const char *option;
};

Test(args, tarball_compression_by_content) {
        static const struct magic_case cases[] = {
                { "\x1f\x8b\x08\x00", 4, "--gzip" },
                { "BZh91AY", 7, "--bzip2" },
                { "\xfd" "7zXZ\0\0", 7, "--xz" },
                { "\x28\xb5\x2f\xfd\x00", 5, "--zstd" },
                { "./\0\0\0\0", 6, NULL },
                { "\x1f", 1, NULL },
                { "", 0, NULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *got = untar_compression_option((const unsigned char *) cases[i].head, cases[i].size);

                if (cases[i].option)
                        cr_expect(got && strcmp(got, cases[i].option) == 0, "case %zu: %s", i, got ?: "(none)");
                else
                        cr_expect_null(got, "case %zu: %s", i, got);
        }
}

Test(args, durations) {
        static const struct {
                int64_t s;
                const char *text;
        } cases[] = {
                { -1, "-" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m00s" }, { 3599, "59m59s" },
                { 3600, "1h00m" }, { 86399, "23h59m" }, { 86400, "1d00h" }, { 3 * 86400 + 7200, "3d02h" },
        };
        char buf[32];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                format_duration(cases[i].s, buf, sizeof(buf));
                cr_expect_str_eq(buf, cases[i].text);
        }
}
