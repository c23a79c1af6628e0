/* The VSU list as a user of the built vpsmgr meets it: a process that exec, enter or run
 * starts as a listed user keeps its uid and holds the VSU set (ambient and effective), so it
 * reads root's 0600 files inside; once the user is off the list, the next one holds nothing
 * and is refused. vuid 0 stays the VPS's full root, a plain user holds nothing. */
#include "life-fixture.h"
#include "vpsmgr/vsu-caps.h"

TestSuite(vsu_life, .init = life_setup, .fini = life_teardown, .timeout = 120);

/* The hex value of key ("CapEff:") in /proc/self/status text. */
static unsigned long long status_hex(const char *status, const char *key) {
        const char *p = strstr(status, key);

        cr_assert_not_null(p, "no %s in:\n%s", key, status);
        return strtoull(p + strlen(key), NULL, 16);
}

static unsigned long status_uid(const char *status) {
        const char *p = strstr(status, "Uid:");

        cr_assert_not_null(p, "no Uid: in:\n%s", status);
        return strtoul(p + 4, NULL, 10);
}

/* What a listed user's process must show: uid 1000, the set ambient and effective. */
static void expect_vsu(const char *status, const char *how) {
        unsigned long long want = vsu_caps_mask();

        cr_expect_eq(status_uid(status), 1000, "%s: uid changed:\n%s", how, status);
        cr_expect_eq(status_hex(status, "CapAmb:"), want, "%s: CapAmb %llx, want %llx", how,
                     status_hex(status, "CapAmb:"), want);
        cr_expect_eq(status_hex(status, "CapEff:"), want, "%s: CapEff %llx, want %llx", how,
                     status_hex(status, "CapEff:"), want);
}

static void expect_plain(const char *status, const char *how) {
        cr_expect_eq(status_uid(status), 1000, "%s:\n%s", how, status);
        cr_expect_eq(status_hex(status, "CapAmb:"), 0, "%s: CapAmb not 0:\n%s", how, status);
        cr_expect_eq(status_hex(status, "CapEff:"), 0, "%s: CapEff not 0:\n%s", how, status);
        cr_expect_eq(status_hex(status, "CapPrm:"), 0, "%s: CapPrm not 0:\n%s", how, status);
}

/* NAME from the busybox template, with alice (1000) in /etc/passwd and a 0600 /etc/shadow of
 * root's, both written inside as the VPS's root would; running if start. */
static void make_vps(const char *name, bool start) {
        struct run_result *r = life_result();

        life_create(name, NULL);
        life_start(name);
        fx_run(r, "exec", name, "--", "sh", "-c",
               "echo alice:x:1000:1000::/home/alice:/bin/sh >> /etc/passwd && "
               "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && chown 0:0 /etc/shadow && "
               "chmod 600 /etc/shadow");
        cr_assert_eq(r->status, 0, "%s", r->err);
        if (!start) {
                fx_run(r, "stop", name);
                cr_assert_eq(r->status, 0, "stop: %s", r->err);
        }
}

static void vsu(const char *name, const char *action, const char *user) {
        struct run_result *r = life_result();

        fx_run(r, "vsu", name, action, user);
        cr_assert_eq(r->status, 0, "vsu %s %s: %s", action, user, r->err);
}

/* VERB (exec or run) NAME --user alice: her status and whether she reads /etc/shadow, as a
 * listed user or not. */
static void expect_alice(const char *verb, const char *name, bool listed) {
        struct run_result *r = life_result();

        fx_run(r, verb, name, "--user", "alice", "--", "cat", "/proc/self/status");
        cr_assert_eq(r->status, 0, "%s: %s", verb, r->err);
        if (listed)
                expect_vsu(r->out, verb);
        else
                expect_plain(r->out, verb);
        fx_run(r, verb, name, "--user", "alice", "--", "cat", "/etc/shadow");
        if (listed) {
                cr_expect_eq(r->status, 0, "%s: a VSU cannot read /etc/shadow: %s", verb, r->err);
                cr_expect(strstr(r->out, "root:*:"), "%s: %s", verb, r->out);
        } else {
                cr_expect_neq(r->status, 0, "%s: a plain user reads /etc/shadow", verb);
                cr_expect(strstr(r->err, "Permission denied"), "%s: %s", verb, r->err);
                cr_expect_not(strstr(r->out, "root:*:"), "%s: %s", verb, r->out);
        }
}

Test(vsu_life, exec_gives_a_listed_user_the_set_and_takes_it_after_del) {
        struct run_result *r = life_result();
        unsigned long long eff, mask = vsu_caps_mask();

        make_vps("v", true);
        vsu("v", "add", "alice");
        expect_alice("exec", "v", true);

        /* vuid 0 stays the VPS's root: more than the VSU set, none of it ambient. */
        fx_run(r, "exec", "v", "--", "cat", "/proc/self/status");
        cr_assert_eq(r->status, 0, "%s", r->err);
        eff = status_hex(r->out, "CapEff:");
        cr_expect_eq(status_uid(r->out), 0);
        cr_expect_eq(eff & mask, mask, "root lacks VSU caps: %llx", eff);
        cr_expect_neq(eff, mask, "root holds only the VSU set");
        cr_expect_eq(status_hex(r->out, "CapAmb:"), 0);

        /* A user not on the list holds nothing, in /etc/passwd or not. */
        fx_run(r, "exec", "v", "--user", "1001", "--", "cat", "/proc/self/status");
        cr_assert_eq(r->status, 0, "%s", r->err);
        cr_expect_eq(status_hex(r->out, "CapEff:"), 0);
        cr_expect_eq(status_hex(r->out, "CapAmb:"), 0);

        vsu("v", "del", "alice");
        expect_alice("exec", "v", false);
}

/* The same through enter's pty: the shell's exit status is cat's of /etc/shadow. */
static void expect_alice_enter(const char *name, bool listed) {
        static char out[65536];
        int status;

        status = life_drive_pty((const char *[]) { "enter", name, "--user", "alice", NULL },
                                "cat /proc/self/status; cat /etc/shadow; exit\n", out, sizeof(out));
        cr_expect_eq(status, listed ? 0 : 1, "enter: %d\n%s", status, out);
        if (listed)
                expect_vsu(out, "enter");
        else
                expect_plain(out, "enter");
        cr_expect(strstr(out, listed ? "root:*:" : "Permission denied"), "enter:\n%s", out);
}

Test(vsu_life, enter_gives_a_listed_user_the_set) {
        make_vps("en", true);
        vsu("en", "add", "alice");
        expect_alice_enter("en", true);
        vsu("en", "del", "alice");
        expect_alice_enter("en", false);
}

Test(vsu_life, run_gives_a_listed_user_the_set_through_vps_init) {
        make_vps("rv", false);
        vsu("rv", "add", "alice");
        expect_alice("run", "rv", true);
        expect_clean("rv");
        vsu("rv", "del", "alice");
        expect_alice("run", "rv", false);
        expect_clean("rv");
}
