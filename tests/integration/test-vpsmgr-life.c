/* The life of a VPS as a user drives it through the built vpsmgr: start, exec, enter, ps,
 * reboot and poweroff inside, stop (also of processes that ignore SIGTERM, and after the
 * monitor or vpsfs was killed), run, destroy, and the errors. Real vpsfs mounts, namespaces
 * and cgroups, on a state directory and cgroup parent of the test's own. */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "life-fixture.h"

TestSuite(vpsmgr_life, .init = life_setup, .fini = life_teardown, .timeout = 120);

/* The base of NAME's ID block (its VSUID), from status --json. */
static long long id_base(const char *name) {
        struct run_result r;

        fx_run(&r, "--json", "status", name);
        cr_assert_eq(r.status, 0, "%s", r.err);
        return json_number(r.out, "id_base");
}

static void expect_out(const struct run_result *r, int status, const char *want) {
        cr_expect_eq(r->status, status, "want status %d, got %d (stderr: %s)", status, r->status, r->err);
        if (want)
                cr_expect(strstr(r->out, want), "stdout lacks '%s': %s", want, r->out);
}

Test(vpsmgr_life, full_life_cycle_on_the_busybox_template) {
        struct run_result r;
        struct stat st;
        pid_t init;

        life_create("web1", NULL);
        life_start("web1");
        cr_expect(life_mounted("web1"));
        cr_expect(life_cgroup_exists("web1"));
        init = life_run_pid("web1", "init.pid");
        cr_assert_gt(init, 0);

        fx_run(&r, "--json", "status", "web1");
        cr_expect(strstr(r.out, "\"state\":\"running\""), "%s", r.out);
        cr_expect_eq(json_number(r.out, "init_pid"), init);

        /* PID 1 inside is vps-init. */
        fx_run(&r, "exec", "web1", "--", "cat", "/proc/1/comm");
        expect_out(&r, 0, "vps-init");
        /* ps inside sees only the VPS: init and ps itself. */
        fx_run(&r, "exec", "web1", "--", "ps", "-o", "pid,comm");
        expect_out(&r, 0, "vps-init");
        {
                size_t lines = 0;

                for (const char *p = r.out; (p = strchr(p, '\n')); p++)
                        lines++;
                cr_expect_eq(lines, 3, "ps inside shows more than the VPS:\n%s", r.out);
        }
        /* id inside says root; the host sees the VSUID. */
        fx_run(&r, "exec", "web1", "--", "id");
        expect_out(&r, 0, "uid=0(root) gid=0(root)");
        cr_expect_eq(life_host_uid(init), id_base("web1"));
        cr_expect_eq(id_base("web1") & 0xffff, 0);

        /* A file made inside is stored with its virtual owner. */
        fx_run(&r, "exec", "web1", "--", "sh", "-c", "echo x > /root/made-inside && chown 1000:1000 /root/made-inside");
        expect_out(&r, 0, NULL);
        cr_assert_eq(stat(fx_path("state/web1/rootfs/root/made-inside"), &st), 0);
        cr_expect_eq(st.st_uid, 1000);
        cr_expect_eq(st.st_gid, 1000);

        fx_run(&r, "stop", "web1");
        expect_ok(&r);
        expect_clean("web1");
        fx_run(&r, "--json", "status", "web1");
        cr_expect(strstr(r.out, "\"state\":\"stopped\""), "%s", r.out);

        /* Again, then destroy. */
        life_start("web1");
        fx_run(&r, "stop", "web1");
        expect_ok(&r);
        fx_run(&r, "destroy", "web1");
        expect_ok(&r);
        expect_clean("web1");
}

/* The "pid" (or another number) of the process running command in NAME, from ps --json. */
static long long ps_number(const char *name, const char *command, const char *key) {
        static struct run_result r;
        char want[128];
        const char *p = NULL;

        /* A background process just started may still be its shell's fork: look again. */
        snprintf(want, sizeof(want), "\"command\":\"%s\"", command);
        cr_assert(life_wait_for((fx_run(&r, "--json", "ps", name), r.status == 0 && (p = strstr(r.out, want))), 5),
                  "no '%s' in %s", command, r.out);
        cr_assert(json_balanced(r.out), "%s", r.out);
        /* The object's start: back to its '{'. */
        while (p > r.out && *p != '{')
                p--;
        return json_number(p, key);
}

/* Starts a sleeper as USER in NAME and returns its host PID. */
static pid_t sleeper(const char *name, const char *user) {
        struct run_result r;

        fx_run(&r, "exec", name, "--user", user, "--", "sh", "-c", "sleep 1000 </dev/null >/dev/null 2>&1 &");
        cr_assert_eq(r.status, 0, "%s", r.err);
        return (pid_t) ps_number(name, "sleep 1000", "pid");
}

Test(vpsmgr_life, the_same_virtual_uid_is_two_host_uids) {
        pid_t a, b;

        life_create("a", NULL);
        life_create("b", NULL);
        life_start("a");
        life_start("b");
        a = sleeper("a", "1000");
        b = sleeper("b", "1000");
        cr_expect_eq(life_host_uid(a), id_base("a") + 1000);
        cr_expect_eq(life_host_uid(b), id_base("b") + 1000);
        cr_expect_neq(life_host_uid(a), life_host_uid(b));
}

Test(vpsmgr_life, a_double_forked_daemon_stays_in_the_vps) {
        struct run_result r;
        char want[64];
        pid_t daemon;

        life_create("d", NULL);
        life_start("d");
        fx_run(&r, "exec", "d", "--", "sh", "-c", "(setsid sleep 999 </dev/null >/dev/null 2>&1 &) ; exit 0");
        cr_assert_eq(r.status, 0, "%s", r.err);
        fx_run(&r, "ps", "d");
        cr_expect(strstr(r.out, "sleep 999"), "ps does not list the daemon: %s", r.out);
        daemon = (pid_t) ps_number("d", "sleep 999", "pid");
        cr_expect_gt(ps_number("d", "sleep 999", "pid_inside"), 1);
        snprintf(want, sizeof(want), "%d", (int) daemon);
        fx_run(&r, "whois", want);
        expect_out(&r, 0, "d");
        /* Inside, it is in the VPS's PID namespace: ps inside lists it. */
        fx_run(&r, "exec", "d", "--", "ps");
        cr_expect(strstr(r.out, "sleep 999"), "%s", r.out);
}

Test(vpsmgr_life, poweroff_inside_cleans_up_everything) {
        struct run_result r;

        life_create("p", NULL);
        life_start("p");
        fx_run(&r, "exec", "p", "--", "poweroff");
        cr_expect(life_wait_for(!life_mounted("p") && !life_cgroup_exists("p") &&
                                        life_run_pid("p", "monitor.pid") == 0, 10),
                  "the VPS was not torn down after poweroff");
        expect_clean("p");
        fx_run(&r, "stop", "p");
        expect_error(&r, "p: not running");
}

Test(vpsmgr_life, reboot_inside_brings_the_vps_back) {
        struct run_result r;
        pid_t old, now = 0;

        life_create("rb", NULL);
        life_start("rb");
        old = life_run_pid("rb", "init.pid");
        fx_run(&r, "exec", "rb", "--", "reboot");
        cr_assert(life_wait_for((now = life_run_pid("rb", "init.pid")) != 0 && now != old, 10),
                  "no new init after reboot");
        fx_run(&r, "exec", "rb", "--", "cat", "/proc/1/comm");
        expect_out(&r, 0, "vps-init");
        fx_run(&r, "--json", "status", "rb");
        cr_expect(strstr(r.out, "\"state\":\"running\""), "%s", r.out);
        cr_expect(life_mounted("rb"));
}

Test(vpsmgr_life, stop_ends_in_time_despite_a_process_ignoring_sigterm) {
        struct run_result r;
        double t0, elapsed;

        life_create("st", NULL);
        life_start("st");
        fx_run(&r, "exec", "st", "--", "sh", "-c", "trap '' TERM; sleep 1000 </dev/null >/dev/null 2>&1 &");
        cr_assert_eq(r.status, 0, "%s", r.err);
        t0 = life_now();
        fx_run(&r, "stop", "st", "--timeout", "1");
        elapsed = life_now() - t0;
        expect_ok(&r);
        cr_expect_lt(elapsed, 3.0, "stop took %.2f s", elapsed);
        expect_clean("st");
}

/* SIGKILL to the process recorded in NAME/run/FILE. */
static void kill_recorded(const char *name, const char *file) {
        pid_t pid = life_run_pid(name, file);

        cr_assert_gt(pid, 1, "no %s recorded", file);
        cr_assert_eq(kill(pid, SIGKILL), 0);
}

Test(vpsmgr_life, killed_vpsfs_is_cleaned_by_stop_and_destroy) {
        struct run_result r;

        life_create("kf", NULL);
        life_start("kf");
        kill_recorded("kf", "vpsfs.pid");
        /* The monitor notices and tears down; stop then finds nothing or finishes it. */
        fx_run(&r, "stop", "kf", "--timeout", "2");
        cr_expect(r.status == 0 || strstr(r.err, "not running"), "%s", r.err);
        fx_run(&r, "destroy", "kf");
        expect_ok(&r);
        expect_clean("kf");
}

Test(vpsmgr_life, killed_monitor_is_cleaned_by_stop_and_destroy) {
        struct run_result r;

        life_create("km", NULL);
        life_start("km");
        kill_recorded("km", "monitor.pid");
        life_reap(200);
        fx_run(&r, "list");
        cr_expect(strstr(r.out, "running"), "%s", r.out);
        fx_run(&r, "stop", "km", "--timeout", "2");
        expect_ok(&r);
        expect_clean("km");

        /* And destroy --force straight away on a VPS whose monitor was killed. */
        life_start("km");
        kill_recorded("km", "monitor.pid");
        fx_run(&r, "destroy", "--force", "km");
        expect_ok(&r);
        cr_expect_not(life_mounted("km"));
        cr_expect_not(life_cgroup_exists("km"));
}

Test(vpsmgr_life, exec_statuses_and_users) {
        struct run_result r;

        life_create("x", NULL);
        life_start("x");
        fx_run(&r, "exec", "x", "--", "true");
        expect_out(&r, 0, NULL);
        fx_run(&r, "exec", "x", "--", "sh", "-c", "exit 3");
        expect_out(&r, 3, NULL);
        fx_run(&r, "exec", "x", "--", "sh", "-c", "kill -9 $$");
        expect_out(&r, 128 + 9, NULL);
        fx_run(&r, "exec", "x", "--", "no-such-command");
        cr_expect_eq(r.status, 127, "%s", r.err);
        cr_expect(strstr(r.err, "no-such-command"), "%s", r.err);

        /* The VSU adds a user the ordinary way: by writing /etc/passwd inside. */
        fx_run(&r, "exec", "x", "--", "sh", "-c",
               "echo 'alice:x:1000:1000:Alice:/home/alice:/bin/sh' >> /etc/passwd && "
               "echo 'alice:x:1000:' >> /etc/group && echo 'staff:x:50:alice' >> /etc/group && "
               "mkdir -p /home/alice && chown 1000:1000 /home/alice");
        expect_out(&r, 0, NULL);
        fx_run(&r, "exec", "x", "--user", "alice", "--", "id");
        expect_out(&r, 0, "uid=1000(alice) gid=1000(alice)");
        cr_expect(strstr(r.out, "50(staff)"), "no supplementary group: %s", r.out);
        fx_run(&r, "exec", "x", "--user", "alice", "--", "sh", "-c", "echo $HOME $USER; cd && pwd");
        expect_out(&r, 0, "/home/alice alice");
        fx_run(&r, "exec", "x", "--user", "1000", "--", "id", "-u");
        expect_out(&r, 0, "1000");
        /* A plain user is no VSU: root's files are not hers. */
        fx_run(&r, "exec", "x", "--user", "alice", "--", "sh", "-c", "echo x > /etc/passwd");
        cr_expect_neq(r.status, 0);
        fx_run(&r, "exec", "x", "--user", "bob", "--", "id");
        expect_error(&r, "x: no such user 'bob'");
        /* ps names the users as the VPS does. */
        sleeper("x", "alice");
        fx_run(&r, "ps", "x");
        cr_expect(strstr(r.out, "alice"), "%s", r.out);
}

Test(vpsmgr_life, enter_relays_a_new_pty) {
        static char out[65536];
        struct run_result r;
        int status;

        life_create("e", NULL);
        life_start("e");
        status = life_drive_pty((const char *[]) { "enter", "e", NULL },
                           "echo h''i; tty; ls -l /proc/self/fd/ | grep -c 'pts/0'; exit\n", out, sizeof(out));
        cr_expect_eq(status, 0, "enter: %d\n%s", status, out);
        cr_expect(strstr(out, "hi"), "no output relayed:\n%s", out);
        cr_expect(strstr(out, "/dev/pts/"), "not on the VPS's pty:\n%s", out);

        fx_run(&r, "exec", "e", "--", "sh", "-c",
               "echo 'bob:x:1001:1001::/:/bin/sh' >> /etc/passwd");
        expect_out(&r, 0, NULL);
        status = life_drive_pty((const char *[]) { "enter", "e", "--user", "bob", NULL }, "id -un; exit 4\n", out,
                           sizeof(out));
        cr_expect_eq(status, 4, "enter as bob: %d\n%s", status, out);
        cr_expect(strstr(out, "bob"), "%s", out);

        status = life_drive_pty((const char *[]) { "exec", "e", "--tty", "--", "sh", "-c", "test -t 0 && echo on-a-tty", NULL },
                           "", out, sizeof(out));
        cr_expect_eq(status, 0, "%s", out);
        cr_expect(strstr(out, "on-a-tty"), "%s", out);
}

/* Runs "vpsmgr ARGS" with stdin and stderr a new pty (INPUT typed on it) and stdout a
 * file; returns its status, the file's bytes in OUT. */
static int drive_pty_stdout_to_file(const char *const *args, const char *input, char *out, size_t size) {
        const char *argv[16] = { "vpsmgr", "--root", fx_state };
        size_t n = 3;
        int master, slave, file, status;
        ssize_t k;
        pid_t pid;

        for (; *args; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        file = memfd_create("stdout", MFD_CLOEXEC);
        cr_assert_geq(file, 0);
        cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                close(master);
                if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(file, 1) < 0 ||
                    dup2(slave, 2) < 0)
                        _exit(126);
                execv(getenv("VPSMGR"), (char **) argv);
                _exit(127);
        }
        close(slave);
        cr_assert_eq(write(master, input, strlen(input)), (ssize_t) strlen(input));
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        close(master);
        k = pread(file, out, size - 1, 0);
        cr_assert_geq(k, 0);
        out[k] = '\0';
        close(file);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether PID holds a terminal (a tty, console or pty slave) among its descriptors. */
static bool holds_a_terminal(pid_t pid, char *what, size_t size) {
        char dir[64], path[128];
        struct dirent *de;
        struct stat st;
        bool found = false;
        DIR *d;

        snprintf(dir, sizeof(dir), "/proc/%d/fd", (int) pid);
        d = opendir(dir);
        cr_assert(d, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(path, sizeof(path), "%s/%.16s", dir, de->d_name);
                        if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
                            (major(st.st_rdev) == 4 || major(st.st_rdev) == 5 ||
                             (major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143))) {
                                snprintf(what, size, "fd %.16s: %u:%u", de->d_name, major(st.st_rdev),
                                         minor(st.st_rdev));
                                found = true;
                        }
                }
        closedir(d);
        return found;
}

/* exec without --tty, its streams our terminal: the command gets pipes that exec relays
 * (input typed, output, the status), and what it leaves running keeps no terminal. */
Test(vpsmgr_life, exec_from_a_terminal_relays_without_passing_it_in) {
        static char out[65536];
        const char *p;
        char what[64] = "";
        int status;
        pid_t left;

        life_create("t", NULL);
        life_start("t");
        status = life_drive_pty((const char *[]) { "exec", "t", "--", "head", "-c", "5", NULL }, "hello\n", out,
                                sizeof(out));
        cr_expect_eq(status, 0, "%d\n%s", status, out);
        /* The terminal echoes what was typed; then head's own copy. */
        p = strstr(out, "hello");
        cr_expect(p && strstr(p + 5, "hello"), "input did not reach the command:\n%s", out);

        status = life_drive_pty(
                (const char *[]) { "exec", "t", "--", "sh", "-c",
                                   "test -t 0 || test -t 1 || test -t 2 || echo no-tty; echo to-err >&2; exit 7", NULL },
                "", out, sizeof(out));
        cr_expect_eq(status, 7, "%d\n%s", status, out);
        cr_expect(strstr(out, "no-tty"), "the command got a terminal:\n%s", out);
        cr_expect(strstr(out, "to-err"), "stderr was not relayed:\n%s", out);

        /* ctrl-D at the start of a line: the command sees EOF. */
        status = life_drive_pty((const char *[]) { "exec", "t", "--", "wc", "-c", NULL }, "abc\n\004", out,
                                sizeof(out));
        cr_expect_eq(status, 0, "%d\n%s", status, out);
        cr_expect(strstr(out, "4"), "wc saw no EOF or not 4 bytes:\n%s", out);

        status = life_drive_pty((const char *[]) { "exec", "t", "--", "sh", "-c", "sleep 1001 & exit 0", NULL }, "",
                                out, sizeof(out));
        cr_expect_eq(status, 0, "%d\n%s", status, out);
        left = (pid_t) ps_number("t", "sleep 1001", "pid");
        cr_assert_gt(left, 0);
        cr_expect_not(holds_a_terminal(left, what, sizeof(what)), "left behind with a terminal: %s", what);
}

/* Only terminals are relayed: stdout to a file reaches the file as the command wrote it. */
Test(vpsmgr_life, exec_to_a_file_passes_it_through_byte_for_byte) {
        char out[4096];
        int status;

        life_create("f", NULL);
        life_start("f");
        status = drive_pty_stdout_to_file(
                (const char *[]) { "exec", "f", "--", "sh", "-c",
                                   "printf 'one\\ntwo\\r\\nthree'; test -f /proc/self/fd/1 && echo ' file'", NULL },
                "", out, sizeof(out));
        cr_expect_eq(status, 0);
        cr_expect_str_eq(out, "one\ntwo\r\nthree file\n");
}

Test(vpsmgr_life, run_returns_the_status_and_leaves_nothing) {
        struct run_result r;

        life_create("rn", NULL);
        fx_run(&r, "run", "rn", "--", "sh", "-c", "echo inside; cat /proc/1/comm; exit 7");
        cr_expect_eq(r.status, 7, "%s", r.err);
        cr_expect(strstr(r.out, "inside\nvps-init"), "%s", r.out);
        expect_clean("rn");
        fx_run(&r, "run", "rn", "--", "true");
        expect_ok(&r);
        expect_clean("rn");

        /* As a user of the VPS, looked up in its files. */
        fx_run(&r, "run", "rn", "--", "sh", "-c", "echo 'carol:x:1002:1002::/tmp:/bin/sh' >> /etc/passwd");
        expect_ok(&r);
        fx_run(&r, "run", "rn", "--user", "carol", "--", "sh", "-c", "id -u; echo $HOME");
        expect_out(&r, 0, "1002\n/tmp\n");
        fx_run(&r, "run", "rn", "--user", "dave", "--", "id");
        expect_error(&r, "rn: no such user 'dave'");
        expect_clean("rn");
}

/* run from a terminal: the workload and the VPS's init get pipes, relayed both ways while
 * the VPS runs; the status is the workload's, and nothing is left behind. */
Test(vpsmgr_life, run_from_a_terminal_relays_without_passing_it_in) {
        static char out[65536];
        const char *p;
        int status;

        life_create("rt", NULL);
        status = life_drive_pty(
                (const char *[]) { "run", "rt", "--", "sh", "-c",
                                   "test -t 0 || test -t 1 || test -t 2 || echo no-tty; "
                                   "for f in /proc/1/fd/*; do if test -c $f && test -t 0 <$f; then echo init-tty; fi; done; "
                                   "head -c 5; exit 3",
                                   NULL },
                "hello\n", out, sizeof(out));
        cr_expect_eq(status, 3, "%d\n%s", status, out);
        cr_expect(strstr(out, "no-tty"), "the workload got a terminal:\n%s", out);
        cr_expect_not(strstr(out, "init-tty"), "the VPS's init holds a terminal:\n%s", out);
        p = strstr(out, "hello");
        cr_expect(p && strstr(p + 5, "hello"), "input did not reach the workload:\n%s", out);
        expect_clean("rt");
}

/* Ctrl-C at the terminal reaches the workload, not vpsfs: the VPS stops in order. */
Test(vpsmgr_life, ctrl_c_during_run_stops_the_workload_not_vpsfs) {
        static char out[65536];
        int status;

        life_create("rc", NULL);
        status = life_drive_pty_after((const char *[]) { "run", "rc", "--", "sleep", "30", NULL }, 1.5, "\003",
                                      out, sizeof(out), NULL);
        cr_expect_neq(status, 255, "run failed instead of stopping:\n%s", out);
        cr_expect_not(strstr(out, "died"), "a part of the VPS died under Ctrl-C:\n%s", out);
        expect_clean("rc");
}

Test(vpsmgr_life, bad_input_gives_one_line_and_changes_nothing) {
        struct run_result r;

        fx_run(&r, "frobnicate");
        expect_error(&r, "unknown verb 'frobnicate'");
        fx_run(&r, "start");
        expect_error(&r, "start: missing NAME");
        fx_run(&r, "start", "Bad!");
        expect_error(&r, "invalid name");
        fx_run(&r, "exec", "nosuch", "--", "true");
        expect_error(&r, "nosuch: no such VPS");
        fx_run(&r, "stop", "nosuch");
        expect_error(&r, "nosuch: no such VPS");

        life_create("bi", NULL);
        fx_run(&r, "stop", "bi");
        expect_error(&r, "bi: not running");
        fx_run(&r, "exec", "bi", "--", "true");
        expect_error(&r, "bi: not running");
        fx_run(&r, "exec", "bi");
        expect_error(&r, "missing -- CMD");
        life_start("bi");
        fx_run(&r, "start", "bi");
        expect_error(&r, "bi: already running");
        fx_run(&r, "run", "bi", "--", "true");
        expect_error(&r, "bi: already running");
        fx_run(&r, "destroy", "bi");
        expect_error(&r, "is running");
        fx_run(&r, "stop", "bi");
        expect_ok(&r);
}

/* A corrupted file: start says which, and nothing is mounted, made or recorded. */
static void corrupt_and_start(const char *name, const char *file, const char *content, const char *what) {
        struct run_result r;
        FILE *f;

        life_create(name, NULL);
        f = fopen(fx_path("state/%s/%s", name, file), "we");
        cr_assert_not_null(f);
        fputs(content, f);
        fclose(f);
        fx_run(&r, "start", name);
        expect_error(&r, what);
        expect_clean(name);
        fx_run(&r, "run", name, "--", "true");
        expect_error(&r, what);
        expect_clean(name);
}

Test(vpsmgr_life, corrupted_config_is_refused) {
        corrupt_and_start("cc", "config", "vpid = 1\nfrobnicate = yes\n", "cc: cannot read its config");
}

Test(vpsmgr_life, corrupted_table_is_refused) {
        corrupt_and_start("ct", "idmap", "u 0 65536\n", "ct: cannot read its translation table");
}

Test(vpsmgr_life, not_root_is_told_so) {
        struct run_result r;

        life_create("nr", NULL);
        for (const char *const *verb = (const char *const[]) { "start", "stop", "ps", NULL }; *verb; verb++) {
                fx_run_as(&r, 65534, (const char *const[]) { *verb, "nr", NULL });
                expect_error(&r, "must be run as root");
        }
        fx_run_as(&r, 65534, (const char *const[]) { "exec", "nr", "--", "id", NULL });
        expect_error(&r, "must be run as root");
}

Test(vpsmgr_life, restart_gives_a_new_init) {
        struct run_result r;
        pid_t old, now;

        life_create("rs", NULL);
        fx_run(&r, "restart", "rs");
        expect_ok(&r); /* a stopped VPS is just started */
        old = life_run_pid("rs", "init.pid");
        fx_run(&r, "restart", "rs", "--timeout", "5");
        expect_ok(&r);
        now = life_run_pid("rs", "init.pid");
        cr_expect(now > 0 && now != old, "init %d before, %d after", (int) old, (int) now);
        fx_run(&r, "exec", "rs", "--", "true");
        expect_ok(&r);
}

Test(vpsmgr_life, concurrent_starts_serialize_on_the_lock) {
        struct run_job a, b, c;
        struct run_result ra, rb, rc;

        life_create("c1", NULL);
        life_create("c2", NULL);
        /* The same VPS twice: one starts it, the other finds it running. */
        fx_start(&a, "start", "c1");
        fx_start(&b, "start", "c1");
        /* Another VPS meanwhile: not held up by c1's lock. */
        fx_start(&c, "start", "c2");
        fx_wait(&a, &ra);
        fx_wait(&b, &rb);
        fx_wait(&c, &rc);
        cr_expect_eq((ra.status == 0) + (rb.status == 0), 1, "a: %d %s / b: %d %s", ra.status, ra.err, rb.status,
                     rb.err);
        cr_expect(strstr(ra.err, "c1: already running") || strstr(rb.err, "c1: already running"), "%s / %s",
                  ra.err, rb.err);
        expect_ok(&rc);
        cr_expect(life_mounted("c1") && life_mounted("c2"));
}

Test(vpsmgr_life, a_failed_start_names_the_step_and_undoes_everything) {
        struct run_result r;

        life_create("f", NULL);
        /* A symlink where the VPS's /proc belongs: the launcher refuses to follow it. */
        cr_assert_eq(rmdir(fx_path("state/f/rootfs/proc")), 0);
        cr_assert_eq(symlink("/etc", fx_path("state/f/rootfs/proc")), 0);
        fx_run(&r, "start", "f");
        expect_error(&r, "cannot start f: mount /proc: Not a directory");
        expect_clean("f");
        fx_run(&r, "run", "f", "--", "true");
        expect_error(&r, "cannot start f: mount /proc");
        expect_clean("f");
}
