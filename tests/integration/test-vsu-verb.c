/* vpsmgr vsu as an administrator uses it: list, add and del by name (from the VPS's own
 * /etc/passwd) and by vuid, the messages that say what changed and when it applies, bad
 * input, and a hostile /etc/passwd. */
#include "vpsmgr-fixture.h"

#include "common/fileio.h"

TestSuite(vsu_verb, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

static void create_web1(void) {
        static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                     "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                                     "bob:x:1001:1001::/home/bob:/bin/sh\n"
                                     "far:x:70000:70000::/:/bin/sh\n";
        struct run_result r;
        int etc;

        if (access("/bin/busybox", X_OK) < 0)
                cr_skip_test("needs busybox-static");
        fx_run(&r, "create", "web1");
        expect_ok(&r);
        etc = open(fx_path("state/web1/rootfs/etc"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(etc, 0);
        cr_assert_eq(write_file_atomic_at(etc, "passwd", passwd, sizeof(passwd) - 1, 0644), 0);
        close(etc);
}

/* NAME/vsu without its comment lines. */
static char *vsu_file(void) {
        char *text = NULL, *out, *o;

        if (read_file_at(AT_FDCWD, fx_path("state/web1/vsu"), 4096, &text, NULL) < 0)
                return strdup("(none)");
        out = o = calloc(1, strlen(text) + 1);
        cr_assert_not_null(out);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                if (line[0] != '#')
                        o += sprintf(o, "%s\n", line);
        free(text);
        return out;
}

Test(vsu_verb, add_list_and_del_by_name_and_by_vuid) {
        struct run_result r;
        char *text;

        create_web1();
        fx_run(&r, "vsu", "web1", "list");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "VUID   NAME\n0      root\n");

        fx_run(&r, "vsu", "web1", "add", "alice");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "web1: alice (1000) is now a virtual super-user; processes started as it from "
                                "now on get the VSU capabilities, running ones keep what they have\n");
        fx_run(&r, "vsu", "web1", "add", "4242");
        expect_ok(&r);
        cr_expect(strncmp(r.out, "web1: 4242 is now", 17) == 0, "%s", r.out);
        text = vsu_file();
        cr_expect_str_eq(text, "1000\n4242\n");
        free(text);

        fx_run(&r, "vsu", "web1", "list");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "VUID   NAME\n0      root\n1000   alice\n4242   -\n");
        fx_run(&r, "--json", "vsu", "web1", "list");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "{\"name\":\"web1\",\"vsu\":[{\"vuid\":0,\"user\":\"root\"},"
                                "{\"vuid\":1000,\"user\":\"alice\"},{\"vuid\":4242,\"user\":null}]}\n");
        cr_expect(json_balanced(r.out));

        /* Again, and the VPS's root: nothing changes, and it says so. */
        fx_run(&r, "vsu", "web1", "add", "1000");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "web1: alice (1000) is a virtual super-user already\n");
        fx_run(&r, "vsu", "web1", "add", "root");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "web1: root (0) is a virtual super-user already (vuid 0 always is)\n");

        fx_run(&r, "vsu", "web1", "del", "alice");
        expect_ok(&r);
        cr_expect(strstr(r.out, "alice (1000) is no longer a virtual super-user; processes started as it from now on"),
                  "%s", r.out);
        fx_run(&r, "vsu", "web1", "del", "bob");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "web1: bob (1001) is not on the VSU list; nothing changed\n");
        text = vsu_file();
        cr_expect_str_eq(text, "4242\n");
        free(text);
}

Test(vsu_verb, bad_input_gives_one_line_and_changes_nothing) {
        struct run_result r;
        char *text;

        create_web1();
        fx_run(&r, "vsu", "web1", "add", "alice");
        expect_ok(&r);

        fx_run(&r, "vsu", "web1", "del", "root");
        expect_error(&r, "web1: root (0) is the VPS's root, always a virtual super-user");
        fx_run(&r, "vsu", "web1", "add", "carol");
        expect_error(&r, "web1: no user 'carol' in its /etc/passwd");
        fx_run(&r, "vsu", "web1", "add", "far");
        expect_error(&r, "web1: far (70000) is outside the vuids 0..65535 a VSU list holds");
        fx_run(&r, "vsu", "web1", "add", "65536");
        expect_error(&r, "web1: invalid vuid '65536': expected 0..65535");
        fx_run(&r, "vsu", "web1", "promote", "alice");
        expect_error(&r, "vsu: unknown action 'promote'");
        fx_run(&r, "vsu", "web1", "add");
        expect_error(&r, "vsu: missing USER");
        fx_run(&r, "vsu", "web1");
        expect_error(&r, "vsu: missing NAME and list");
        fx_run(&r, "vsu", "web1", "list", "extra");
        expect_error(&r, "vsu: unexpected argument 'extra'");
        fx_run(&r, "vsu", "nope", "list");
        expect_error(&r, "nope: no such VPS");
        fx_run(&r, "vsu", "Bad/Name", "list");
        expect_error(&r, "Bad/Name: invalid name");
        fx_run_as(&r, 65534, (const char *const[]) { "vsu", "web1", "add", "bob", NULL });
        expect_error(&r, "must be run as root");

        text = vsu_file();
        cr_expect_str_eq(text, "1000\n");
        free(text);
}

/* The VPS's root owns its /etc/passwd: a symlink to the host's is not followed, and the list
 * can still be managed by vuid. */
Test(vsu_verb, a_hostile_passwd_is_not_followed) {
        struct run_result r;

        create_web1();
        cr_assert_eq(unlink(fx_path("state/web1/rootfs/etc/passwd")), 0);
        cr_assert_eq(symlink("/etc/passwd", fx_path("state/web1/rootfs/etc/passwd")), 0);

        fx_run(&r, "vsu", "web1", "add", "root");
        expect_error(&r, "web1: cannot look up 'root': cannot read its /etc/passwd");
        fx_run(&r, "vsu", "web1", "add", "1000");
        expect_ok(&r);
        fx_run(&r, "vsu", "web1", "list");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "VUID   NAME\n0      -\n1000   -\n");

        /* A FIFO there must not hang us. */
        cr_assert_eq(unlink(fx_path("state/web1/rootfs/etc/passwd")), 0);
        cr_assert_eq(mkfifo(fx_path("state/web1/rootfs/etc/passwd"), 0644), 0);
        fx_run(&r, "vsu", "web1", "del", "alice");
        expect_error(&r, "web1: cannot look up 'alice'");
}
