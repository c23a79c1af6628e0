/* vpsmgr's state verbs run as a user would run them: create (from a tree and from tarballs,
 * hostile ones included), destroy, list, status, idmap, whois, their --json and their errors,
 * on a state directory and a cgroup parent of the test's own. */
#include <ftw.h>
#include <sys/xattr.h>

#include "tree-fixture.h"
#include "vpsmgr-fixture.h"

TestSuite(vpsmgr_state, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

/* ---- helpers ---- */

/* A small tree (one file) for tests that need some rootfs. */
static const char *tiny_tree(void) {
        static const char *src;

        if (!src)
                src = fx_keep_path(fx_path("tiny"));
        if (access(src, F_OK) != 0) {
                cr_assert_eq(mkdir(src, 0755), 0);
                cr_assert_eq(mkdir(fx_path("tiny/etc"), 0755), 0);
                cr_assert_eq(symlink("/etc/passwd", fx_path("tiny/etc/passwd")), 0);
        }
        return src;
}

/* Creates NAME from the tiny tree and returns its VPID (from create's JSON). */
static long long create_tiny(const char *name) {
        struct run_result r;
        long long vpid;

        fx_run(&r, "--json", "create", name, "--rootfs", tiny_tree());
        expect_ok(&r);
        cr_assert(json_balanced(r.out), "not JSON: %s", r.out);
        vpid = json_number(r.out, "vpid");
        cr_assert_gt(vpid, 0, "no vpid in %s", r.out);
        cr_expect_eq(json_number(r.out, "id_base"), vpid << 16);
        return vpid;
}

static char snapshot_buf[65536];
static size_t snapshot_len;

static int snapshot_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        int n = snprintf(snapshot_buf + snapshot_len, sizeof(snapshot_buf) - snapshot_len, "%s %o %u:%u %jd\n",
                         path + strlen(fx_state), st->st_mode, st->st_uid, st->st_gid,
                         S_ISDIR(st->st_mode) ? 0 : (intmax_t) st->st_size);

        snapshot_len += (size_t) MAX(n, 0);
        return snapshot_len < sizeof(snapshot_buf) ? 0 : 1;
}

/* Every path of the state directory with mode, owner and size, and the pool's content. */
static char *state_snapshot(void) {
        char *pool = NULL, *text = NULL;
        FILE *f;

        snapshot_len = 0;
        snapshot_buf[0] = '\0';
        if (access(fx_state, F_OK) == 0)
                cr_assert_eq(nftw(fx_state, snapshot_one, 16, FTW_PHYS), 0);
        f = fopen(fx_path("state/pool"), "re");
        if (f) {
                size_t n = 0;

                cr_assert_geq(getdelim(&pool, &n, '\0', f), 0);
                fclose(f);
        }
        cr_assert(asprintf(&text, "%s--pool--\n%s", snapshot_buf, pool ?: "") > 0);
        free(pool);
        return text;
}

/* Lines of the pool that are entries (not comments). */
static size_t pool_entries(void) {
        FILE *f = fopen(fx_path("state/pool"), "re");
        char line[256];
        size_t n = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                n += line[0] != '#';
        fclose(f);
        return n;
}

/* ---- create --rootfs ---- */

Test(vpsmgr_state, create_from_a_tree_keeps_all_metadata) {
        const char *src = fx_keep_path(fx_path("src")), *rootfs = fx_keep_path(fx_path("state/w1/rootfs"));
        struct run_result r;
        struct stat st, host_passwd_before, host_passwd_after;
        char value[16];

        cr_assert_eq(mkdir(src, 0755), 0);
        tree_build(src, true);
        fx_mount_tmpfs(fx_path("src/mnt"));
        tree_file(AT_FDCWD, fx_path("src/mnt/inside"), "not to be copied", 0644, 0, 0);
        tree_retime(fx_path("src/mnt"));
        cr_assert_eq(lstat("/etc/passwd", &host_passwd_before), 0);

        fx_run(&r, "create", "w1", "--rootfs", src);
        expect_ok(&r);
        cr_expect(strncmp(r.out, "created w1: VPID ", 17) == 0, "stdout: %s", r.out);

        /* Before anything reads the copy: its access time is the source's. */
        cr_assert_eq(lstat(fx_path("state/w1/rootfs/bin/su"), &st), 0);
        cr_expect_eq(st.st_atim.tv_sec, TREE_TIME);
        cr_expect_eq(st.st_atim.tv_nsec, 111);

        cr_assert_eq(lstat(src, &st), 0);
        tree_compare(src, rootfs, st.st_dev, true);

        /* Hard links stay links; the hole stays a hole. */
        {
                struct stat a, a2, sparse;

                cr_assert_eq(lstat(fx_path("state/w1/rootfs/a"), &a), 0);
                cr_assert_eq(lstat(fx_path("state/w1/rootfs/b/a2"), &a2), 0);
                cr_expect_eq(a.st_ino, a2.st_ino, "a and b/a2 are no longer one file");
                cr_assert_eq(lstat(fx_path("state/w1/rootfs/sparse"), &sparse), 0);
                cr_expect_lt(sparse.st_blocks * 512, 1 << 20, "the sparse file takes %jd blocks",
                             (intmax_t) sparse.st_blocks);
        }
        /* The symlink to the host's passwd was copied as a symlink; the host file is as it was. */
        cr_assert_eq(lstat(fx_path("state/w1/rootfs/pw"), &st), 0);
        cr_expect(S_ISLNK(st.st_mode));
        cr_assert_eq(lstat("/etc/passwd", &host_passwd_after), 0);
        cr_expect_eq(host_passwd_before.st_ctim.tv_sec, host_passwd_after.st_ctim.tv_sec);
        cr_expect_eq(host_passwd_before.st_ctim.tv_nsec, host_passwd_after.st_ctim.tv_nsec);
        cr_expect_lt(lgetxattr("/etc/passwd", "trusted.t", value, sizeof(value)), 0);
        /* The mount point was copied empty (cp -x). */
        cr_expect_neq(access(fx_path("state/w1/rootfs/mnt/inside"), F_OK), 0);
        cr_assert_eq(lstat(fx_path("state/w1/rootfs/sock"), &st), 0);
        cr_expect(S_ISSOCK(st.st_mode));
}

/* ---- create --rootfs-tar ---- */

static void make_tarball(const char *src, const char *file, const char *compression) {
        char *cmd = NULL;

        cr_assert(asprintf(&cmd, "tar --format=posix --numeric-owner --xattrs --xattrs-include='*' --acls %s "
                                 "-C '%s' -cf '%s' . 2>/dev/null", compression, src, file) > 0);
        cr_assert_eq(system(cmd), 0, "%s failed", cmd);
        free(cmd);
}

Test(vpsmgr_state, create_from_tarballs_of_every_compression) {
        static const char *const compressions[] = { "", "--gzip", "--bzip2", "--xz", "--zstd" };
        const char *src = fx_keep_path(fx_path("src"));
        struct stat st;

        cr_assert_eq(mkdir(src, 0755), 0);
        tree_build(src, false);
        cr_assert_eq(lstat(src, &st), 0);
        for (size_t i = 0; i < ELEMENTSOF(compressions); i++) {
                /* The file name says nothing: the content must. */
                const char *tarball = fx_keep_path(fx_path("rootfs-%zu.img", i));
                struct run_result r;
                char name[16];

                make_tarball(src, tarball, compressions[i]);
                snprintf(name, sizeof(name), "t%zu", i);
                fx_run(&r, "create", name, "--rootfs-tar", tarball);
                expect_ok(&r);
                tree_compare(src, fx_path("state/%s/rootfs", name), st.st_dev, true);
                {
                        struct stat a, a2;

                        cr_assert_eq(lstat(fx_path("state/%s/rootfs/a", name), &a), 0);
                        cr_assert_eq(lstat(fx_path("state/%s/rootfs/b/a2", name), &a2), 0);
                        cr_expect_eq(a.st_ino, a2.st_ino, "%s: a and b/a2 are no longer one file", compressions[i]);
                }
                fx_run(&r, "destroy", name);
                expect_ok(&r);
        }
        cr_expect_eq(pool_entries(), 0);
}

Test(vpsmgr_state, hostile_tarballs_stay_inside) {
        char *cmd = NULL, *before, *after;
        const char *stage = fx_path("stage");
        struct run_result r;

        cr_assert_eq(mkdir(stage, 0755), 0);
        cr_assert_eq(mkdir(fx_path("stage/x"), 0755), 0);
        cr_assert_eq(mkdir(fx_path("out"), 0755), 0);
        tree_file(AT_FDCWD, fx_path("stage/f"), "bad", 0644, 0, 0);
        tree_file(AT_FDCWD, fx_path("stage/x/pwned"), "bad", 0644, 0, 0);
        cr_assert_eq(symlink(fx_path("out"), fx_path("stage/evil")), 0);
        /* -P keeps the names as transformed: "../../escape", an absolute one, and a member
         * written through a symlink that points outside. */
        cr_assert(asprintf(&cmd, "cd '%s' && tar -cPf ../dotdot.tar --transform='s,^f$,../../escape,' f && "
                                 "tar -cPf ../abs.tar --transform='s,^f$,%s,' f && "
                                 "tar -cPf ../through.tar --transform='s,^x/,evil/,' evil x/pwned",
                           stage, fx_path("abs-escape")) > 0);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        free(cmd);
        create_tiny("keep");
        before = state_snapshot();

        fx_run(&r, "create", "h1", "--rootfs-tar", fx_path("dotdot.tar"));
        expect_error(&r, "h1: cannot fill rootfs from");
        cr_expect(strstr(r.err, "'..'"), "%s", r.err);
        fx_run(&r, "create", "h3", "--rootfs-tar", fx_path("through.tar"));
        expect_error(&r, "h3: cannot fill rootfs from");
        after = state_snapshot();
        cr_expect_str_eq(before, after, "a failed create left something behind");
        free(after);

        fx_run(&r, "create", "h2", "--rootfs-tar", fx_path("abs.tar"));
        expect_ok(&r);
        cr_expect_eq(access(fx_path("state/h2/rootfs/%s/abs-escape", fx_tmp + 1), F_OK), 0,
                     "the absolute member did not land inside rootfs/");

        cr_expect_neq(access(fx_path("escape"), F_OK), 0);
        cr_expect_neq(access(fx_path("state/escape"), F_OK), 0);
        cr_expect_neq(access(fx_path("abs-escape"), F_OK), 0);
        cr_expect_neq(access(fx_path("out/pwned"), F_OK), 0);
        free(before);
}

/* ---- interruption ---- */

/* A tree of many small files, so that copying or unpacking it takes a while. */
static const char *big_tree(void) {
        const char *src = fx_keep_path(fx_path("big"));
        char name[32];

        cr_assert_eq(mkdir(src, 0755), 0);
        for (int d = 0; d < 40; d++) {
                snprintf(name, sizeof(name), "big/d%d", d);
                cr_assert_eq(mkdir(fx_path("%s", name), 0755), 0);
                for (int f = 0; f < 250; f++)
                        tree_file(AT_FDCWD, fx_path("big/d%d/f%d", d, f), "some content\n", 0644, 1000, 1000);
        }
        return src;
}

/* Whether dir exists and has an entry. */
static bool has_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        bool any = false;

        if (!d)
                return false;
        while (!any && (e = readdir(d)))
                any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
        closedir(d);
        return any;
}

/* Whether the child pid has not exited yet (without reaping it). */
static bool still_running(pid_t pid) {
        siginfo_t info = {};

        cr_assert_eq(waitid(P_PID, (id_t) pid, &info, WEXITED | WNOHANG | WNOWAIT), 0);
        return info.si_pid == 0;
}

/* SIGTERM or Ctrl-C while the backing store fills: create either finished before the signal
 * came, or it leaves nothing at all. */
Test(vpsmgr_state, interrupted_create_leaves_nothing) {
        static const int signals[] = { SIGTERM, SIGINT };
        const char *src = big_tree(), *tarball = fx_keep_path(fx_path("big.tar"));
        char *cmd = NULL, *before, *after;
        unsigned stopped = 0;

        cr_assert(asprintf(&cmd, "tar -C '%s' -cf '%s' .", src, tarball) > 0);
        cr_assert_eq(system(cmd), 0);
        free(cmd);
        create_tiny("keep");
        before = state_snapshot();
        for (int i = 0; i < 4; i++) {
                const char *rootfs = fx_keep_path(fx_path("state/int%d/rootfs", i));
                struct run_job job;
                struct run_result r;
                char name[16];

                snprintf(name, sizeof(name), "int%d", i);
                fx_start(&job, "create", name, i % 2 ? "--rootfs-tar" : "--rootfs", i % 2 ? tarball : src);
                while (!has_entries(rootfs) && still_running(job.pid))
                        usleep(200);
                (void) kill(job.pid, signals[i / 2]);
                fx_wait(&job, &r);
                if (r.status == 0) {
                        cr_log_info("create %s finished before the signal", name);
                        fx_run(&r, "destroy", name);
                        expect_ok(&r);
                        continue;
                }
                stopped++;
                expect_error(&r, "interrupted by SIG");
                after = state_snapshot();
                cr_expect_str_eq(before, after, "an interrupted create of %s left something behind", name);
                free(after);
        }
        cr_expect_gt(stopped, 0, "no create was caught while it filled its rootfs");
        free(before);
}

/* ---- bad input ---- */

struct bad_case {
        const char *args[8];
        const char *message;
};

Test(vpsmgr_state, bad_input_gives_one_line_and_changes_nothing) {
        const char *tiny = tiny_tree(), *file = fx_keep_path(fx_path("plain-file")),
                   *garbage = fx_keep_path(fx_path("garbage.tar"));
        char long_name[70], vpid[16];
        long long web1_vpid;
        char *before, *after;

        memset(long_name, 'a', 64);
        long_name[64] = '\0';
        tree_file(AT_FDCWD, file, "not a directory", 0644, 0, 0);
        tree_file(AT_FDCWD, garbage, "\x1f\x8b this is no gzip stream at all", 0644, 0, 0);
        web1_vpid = create_tiny("web1");
        snprintf(vpid, sizeof(vpid), "%lld", web1_vpid);

        const struct bad_case cases[] = {
                { { "create", "web1", "--rootfs", tiny }, "vpsmgr: web1: already exists" },
                { { "create" }, "create: missing NAME" },
                { { "create", "Web1", "--rootfs", tiny }, "Web1: invalid name" },
                { { "create", "a/b", "--rootfs", tiny }, "a/b: invalid name: character '/' not allowed" },
                { { "create", "pool", "--rootfs", tiny }, "pool: invalid name: name is reserved" },
                { { "create", long_name, "--rootfs", tiny }, "invalid name: name longer than 63 characters" },
                { { "create", "web2", "--rootfs", "/nonexistent" },
                  "web2: cannot use '/nonexistent' as rootfs: No such file or directory" },
                { { "create", "web2", "--rootfs", file }, "as rootfs: not a directory" },
                { { "create", "web2", "--rootfs-tar", tiny }, "as rootfs: a directory, not a tarball" },
                { { "create", "web2", "--rootfs-tar", "/nonexistent" }, "No such file or directory" },
                { { "create", "web2", "--rootfs-tar", garbage }, "web2: cannot fill rootfs from" },
                { { "create", "web2", "--template", "debian" }, "create: unknown template 'debian'" },
                { { "create", "web2", "--rootfs", tiny, "--rootfs-tar", file }, "give only one of" },
                { { "create", "web2", "--vpid", "0" }, "invalid value '0' for --vpid" },
                { { "create", "web2", "--vpid", "65535" }, "invalid value '65535' for --vpid" },
                { { "create", "web2", "--vpid", "abc" }, "invalid value 'abc' for --vpid" },
                { { "create", "web2", "--vpid", vpid, "--rootfs", tiny }, "is taken by another VPS" },
                { { "create", "web_2", "--rootfs", tiny }, "web_2: the name is not a valid host name" },
                { { "create", "web2", "--hostname", "-bad" }, "create: invalid host name '-bad'" },
                { { "create", "web2", "--start-cmd", " x" }, "invalid --start-cmd" },
                { { "create", "web2", "--frobnicate" }, "create: unknown option '--frobnicate'" },
                { { "create", "web2", "-x" }, "create: unknown option '-x'" },
                { { "create", "web2", "--rootfs" }, "create: option '--rootfs' needs a value" },
                { { "create", "web2", "extra", "--rootfs", tiny }, "create: unexpected argument 'extra'" },
                { { "destroy", "nosuch" }, "vpsmgr: nosuch: no such VPS" },
                { { "destroy" }, "destroy: missing NAME" },
                { { "destroy", "web1", "--now" }, "destroy: unknown option '--now'" },
                { { "status", "nosuch" }, "nosuch: no such VPS" },
                { { "status", "-web" }, "status: unknown option '-w'" },
                { { "idmap", "nosuch" }, "nosuch: no such VPS" },
                { { "idmap", "BAD" }, "BAD: invalid name" },
                { { "list", "extra" }, "list: unexpected argument 'extra'" },
                { { "list", "--json" }, "global options go before the verb: vpsmgr --json list" },
                { { "whois" }, "whois: missing PID" },
                { { "whois", "abc" }, "whois: invalid value 'abc' for PID" },
                { { "whois", "0" }, "invalid value '0' for PID" },
                { { "whois", "--uid", "12" }, "uid 12 belongs to no VPS" },
                { { "whois", "--uid", "x" }, "invalid value 'x' for --uid" },
                { { "whois", "--uid", "1", "--gid", "2" }, "whois: give one PID, --uid ALT or --gid ALT" },
                { { "frobnicate" }, "unknown verb 'frobnicate'" },
        };

        before = state_snapshot();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct run_result r;

                fx_run_as(&r, 0, cases[i].args);
                expect_error(&r, cases[i].message);
                after = state_snapshot();
                cr_expect_str_eq(before, after, "'%s %s' changed the state directory", cases[i].args[0],
                                 cases[i].args[1] ?: "");
                free(after);
        }
        free(before);
}

Test(vpsmgr_state, not_root_is_told_so) {
        static const char *const verbs[][3] = {
                { "list" }, { "create", "x", "--rootfs" }, { "destroy", "x" }, { "status", "x" },
                { "idmap", "x" }, { "whois", "1" },
        };

        create_tiny("x");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                const char *args[5] = { verbs[i][0], verbs[i][1], verbs[i][2], NULL, NULL };
                struct run_result r;

                if (args[2])
                        args[3] = tiny_tree();
                fx_run_as(&r, 65534, args);
                expect_error(&r, "vpsmgr: must be run as root");
        }
        cr_expect_eq(access(fx_path("state/x/config"), F_OK), 0);
}

/* ---- destroy ---- */

Test(vpsmgr_state, destroy_frees_the_vpid_and_leaves_nothing) {
        long long a, b, c, d;
        struct run_result r;

        a = create_tiny("a");
        b = create_tiny("b");
        c = create_tiny("c");
        cr_expect(a < b && b < c, "VPIDs %lld %lld %lld", a, b, c);
        fx_run(&r, "destroy", "b");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "destroyed b\n");
        cr_expect_neq(access(fx_path("state/b"), F_OK), 0);
        d = create_tiny("d");
        cr_expect_eq(d, b, "the freed VPID %lld was not taken again (got %lld)", b, d);
        /* Destroy then create the same name again. */
        fx_run(&r, "--json", "destroy", "a");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "{\"name\":\"a\",\"destroyed\":true}\n");
        cr_expect_eq(create_tiny("a"), a);

        for (const char *const *n = (const char *const[]) { "a", "c", "d", NULL }; *n; n++) {
                fx_run(&r, "destroy", *n);
                expect_ok(&r);
        }
        cr_expect_eq(pool_entries(), 0);
        cr_expect_eq(tree_count(fx_state), 2, "want only pool and pool.lock left");
}

Test(vpsmgr_state, create_defaults_to_the_busybox_template) {
        struct run_result r;
        struct stat st;

        fx_run(&r, "create", "bb", "--hostname", "box");
        expect_ok(&r);
        cr_assert_eq(lstat(fx_path("state/bb/rootfs/bin/busybox"), &st), 0);
        cr_expect(S_ISREG(st.st_mode) && (st.st_mode & 0111), "busybox is not an executable file");
        /* Virtual owners in the backing store: root of the VPS is 0, nothing chowned. */
        cr_expect_eq(st.st_uid, 0);
        cr_expect_eq(lstat(fx_path("state/bb/rootfs/bin/sh"), &st), 0);
        cr_expect(S_ISLNK(st.st_mode), "bin/sh is not an applet link");
        cr_expect_eq(lstat(fx_path("state/bb/rootfs/tmp"), &st), 0);
        cr_expect_eq(st.st_mode & 07777, 01777);
        fx_run(&r, "destroy", "bb");
        expect_ok(&r);
}

Test(vpsmgr_state, vpid_can_be_chosen_once) {
        struct run_result r;

        fx_run(&r, "--json", "create", "v", "--vpid", "4000", "--rootfs", tiny_tree());
        expect_ok(&r);
        cr_expect_eq(json_number(r.out, "vpid"), 4000);
        cr_expect_eq(json_number(r.out, "id_base"), 4000LL << 16);
        fx_run(&r, "create", "w", "--vpid", "4000", "--rootfs", tiny_tree());
        expect_error(&r, "w: VPID 4000 is taken by another VPS");
        cr_expect_neq(access(fx_path("state/w"), F_OK), 0);
}

Test(vpsmgr_state, destroy_refuses_a_running_vps_unless_forced) {
        struct run_result r;
        char pidtext[32], want[64];
        long long vpid;
        pid_t pid;
        int status;

        fx_want_cgroups();
        vpid = create_tiny("run1");
        pid = fx_fake_vps_process("run1");
        snprintf(pidtext, sizeof(pidtext), "%d\n", (int) pid);
        tree_file(AT_FDCWD, fx_path("state/run1/run/init.pid"), pidtext, 0644, 0, 0);

        fx_run(&r, "list");
        expect_ok(&r);
        snprintf(want, sizeof(want), "%d", (int) pid);
        cr_expect(strstr(r.out, "running") && strstr(r.out, want), "list: %s", r.out);
        fx_run(&r, "--json", "list");
        expect_ok(&r);
        cr_expect(json_balanced(r.out), "not JSON: %s", r.out);
        cr_expect(strstr(r.out, "\"state\":\"running\""), "%s", r.out);
        cr_expect_eq(json_number(r.out, "init_pid"), pid);
        cr_expect_eq(json_number(r.out, "processes"), 1);
        cr_expect_geq(json_number(r.out, "uptime_seconds"), 0);
        cr_expect_eq(json_number(r.out, "vpid"), vpid);
        fx_run(&r, "status", "run1");
        expect_ok(&r);
        cr_expect(strstr(r.out, "(populated)") && strstr(r.out, "processes:   1"), "status: %s", r.out);

        fx_run(&r, "destroy", "run1");
        expect_error(&r, "run1: is running (1 processes in its cgroup)");
        cr_expect_eq(access(fx_path("state/run1/config"), F_OK), 0);
        cr_expect_eq(waitpid(pid, &status, WNOHANG), 0, "the VPS's process died");

        fx_run(&r, "destroy", "--force", "run1");
        expect_ok(&r);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        cr_expect_neq(access(fx_path("state/run1"), F_OK), 0);
        {
                int fd = -1;

                cr_expect_eq(cgroup_open(fx_cg_root, fx_cg_parent, "run1", &fd), -ENOENT, "the cgroup is left");
        }
        cr_expect_eq(pool_entries(), 0);
}

Test(vpsmgr_state, destroy_refuses_a_mounted_vps_unless_forced) {
        struct run_result r;

        create_tiny("m1");
        fx_mount_tmpfs(fx_path("state/m1/mnt"));
        fx_run(&r, "list");
        expect_ok(&r);
        cr_expect(strstr(r.out, "running"), "list: %s", r.out);
        fx_run(&r, "destroy", "m1");
        expect_error(&r, "m1: its vpsfs is still mounted on mnt/");
        cr_expect_eq(access(fx_path("state/m1/config"), F_OK), 0);
        fx_run(&r, "destroy", "m1", "--force");
        expect_ok(&r);
        cr_expect_neq(access(fx_path("state/m1"), F_OK), 0);
}

Test(vpsmgr_state, destroy_follows_no_symlink_and_crosses_no_mount) {
        struct run_result r;

        create_tiny("s1");
        cr_assert_eq(mkdir(fx_path("outside"), 0755), 0);
        tree_file(AT_FDCWD, fx_path("outside/keep"), "keep", 0644, 0, 0);
        cr_assert_eq(symlink(fx_path("outside"), fx_path("state/s1/rootfs/out")), 0);
        cr_assert_eq(mkdir(fx_path("state/s1/rootfs/m"), 0755), 0);
        fx_mount_tmpfs(fx_path("state/s1/rootfs/m"));
        tree_file(AT_FDCWD, fx_path("state/s1/rootfs/m/kept"), "kept", 0644, 0, 0);

        fx_run(&r, "destroy", "s1");
        expect_error(&r, "s1: cannot remove it all: something is mounted inside");
        cr_expect_eq(access(fx_path("state/s1/rootfs/m/kept"), F_OK), 0, "destroy went into a mount");
        cr_expect_eq(access(fx_path("outside/keep"), F_OK), 0, "destroy followed a symlink");
        /* What is left is still listed and destroy finishes the job. */
        fx_run(&r, "list");
        expect_ok(&r);
        cr_expect(strstr(r.out, "s1"), "list: %s", r.out);
        cr_assert_eq(umount2(fx_path("state/s1/rootfs/m"), 0), 0);
        fx_run(&r, "destroy", "s1");
        expect_ok(&r);
        cr_expect_neq(access(fx_path("state/s1"), F_OK), 0);
        cr_expect_eq(access(fx_path("outside/keep"), F_OK), 0);
        cr_expect_eq(pool_entries(), 0);
}

/* ---- crash leftovers (pool.h's rules) ---- */

Test(vpsmgr_state, stale_pool_entry_of_the_same_name_is_replaced) {
        struct run_result r;

        cr_assert_eq(mkdir(fx_state, 0700), 0);
        /* A destroy of an earlier web1 that crashed after removing the directory. */
        tree_file(AT_FDCWD, fx_path("state/pool"), "300 19660800 65536 web1\n", 0600, 0, 0);
        fx_run(&r, "--json", "create", "web1", "--vpid", "300", "--rootfs", tiny_tree());
        expect_ok(&r);
        cr_expect_eq(json_number(r.out, "vpid"), 300);
        cr_expect_eq(pool_entries(), 1);
}

Test(vpsmgr_state, broken_vps_is_listed_and_destroyable) {
        static const char *const dirs[] = { "state", "state/ghost", "state/ghost/rootfs", "state/ghost/run" };
        struct run_result r;

        /* A create that crashed before allocating: a directory without config or entry. */
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                cr_assert_eq(mkdir(fx_path("%s", dirs[i]), 0700), 0);
        fx_run(&r, "list");
        expect_ok(&r);
        cr_expect(strstr(r.out, "ghost") && strstr(r.out, "broken"), "list: %s", r.out);
        fx_run(&r, "status", "ghost");
        expect_ok(&r);
        cr_expect(strstr(r.out, "problem:"), "status: %s", r.out);
        fx_run(&r, "destroy", "ghost");
        expect_ok(&r);
        cr_expect_neq(access(fx_path("state/ghost"), F_OK), 0);
}

/* Replaces a state file's content, as an admin's editor (or a disk error) might. */
static void overwrite(const char *path, const char *content) {
        char tmp[600];

        snprintf(tmp, sizeof(tmp), "%s.new", path);
        tree_file(AT_FDCWD, tmp, content, 0600, 0, 0);
        cr_assert_eq(rename(tmp, path), 0);
}

Test(vpsmgr_state, corrupted_files_give_clear_errors_and_change_nothing) {
        struct run_result r;
        char *before, *after;

        create_tiny("web1");
        overwrite(fx_path("state/web1/config"), "vpid = 1\nhostname = web1\ncolour = blue\n");
        overwrite(fx_path("state/web1/idmap"), "u 0 0 65536\n");
        before = state_snapshot();

        fx_run(&r, "status", "web1");
        expect_ok(&r);
        cr_expect(strstr(r.out, "state:       broken\n") && strstr(r.out, "config:3: unknown key 'colour'"),
                  "status: %s", r.out);
        fx_run(&r, "idmap", "web1");
        expect_error(&r, "web1: cannot read its translation table: idmap:1:");
        after = state_snapshot();
        cr_expect_str_eq(before, after);
        free(after);

        /* A pool file nobody can trust stops allocation, with the place to fix. */
        overwrite(fx_path("state/pool"), "# VPID BASE COUNT NAME\n7 458752 65536 web1\nseven x y z\n");
        free(before);
        before = state_snapshot();
        fx_run(&r, "create", "web2", "--rootfs", tiny_tree());
        expect_error(&r, "web2: cannot allocate a VPID: pool:3: VPID 'seven' is not a number");
        fx_run(&r, "list");
        expect_error(&r, "cannot read the pool: pool:3:");
        after = state_snapshot();
        cr_expect_str_eq(before, after);
        free(after);
        free(before);

        /* destroy reads neither, so a broken VPS can always go (the pool once repaired). */
        overwrite(fx_path("state/pool"), "7 458752 65536 web1\n");
        fx_run(&r, "destroy", "web1");
        expect_ok(&r);
}

Test(vpsmgr_state, parallel_creates_get_distinct_vpids_and_one_name_once) {
        struct run_job jobs[8];
        struct run_result r;
        long long vpids[8];
        unsigned ok = 0;

        for (int i = 0; i < 8; i++) {
                char name[16];

                snprintf(name, sizeof(name), "p%d", i);
                fx_start(&jobs[i], "--json", "create", fx_keep_path(name), "--rootfs", tiny_tree());
        }
        for (int i = 0; i < 8; i++) {
                fx_wait(&jobs[i], &r);
                expect_ok(&r);
                vpids[i] = json_number(r.out, "vpid");
                for (int k = 0; k < i; k++)
                        cr_expect_neq(vpids[i], vpids[k], "p%d and p%d share VPID %lld", i, k, vpids[i]);
        }
        cr_expect_eq(pool_entries(), 8);

        for (int i = 0; i < 8; i++)
                fx_start(&jobs[i], "create", "same", "--rootfs", tiny_tree());
        for (int i = 0; i < 8; i++) {
                fx_wait(&jobs[i], &r);
                if (r.status == 0)
                        ok++;
                else
                        expect_error(&r, "same: already exists");
        }
        cr_expect_eq(ok, 1, "%u creates of one name succeeded", ok);
        cr_expect_eq(pool_entries(), 9);

        /* Destroys and creates of one name racing: the pool ends up with one entry per VPS
         * directory, never a freed entry of a live VPS. */
        for (int i = 0; i < 8; i++) {
                if (i % 2)
                        fx_start(&jobs[i], "destroy", "same");
                else
                        fx_start(&jobs[i], "create", "same", "--rootfs", tiny_tree());
        }
        for (int i = 0; i < 8; i++)
                fx_wait(&jobs[i], &r);
        fx_run(&r, "list");
        expect_ok(&r);
        cr_expect_eq(pool_entries(), 8 + (access(fx_path("state/same"), F_OK) == 0), "pool and directories disagree");
        cr_expect(!strstr(r.out, "broken"), "list: %s", r.out);
}

/* ---- list, status, idmap, whois ---- */

Test(vpsmgr_state, list_and_status_show_a_stopped_vps) {
        struct run_result r;
        char want[256];
        long long vpid;

        fx_run(&r, "--json", "list");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "[]\n");
        vpid = create_tiny("web1");
        fx_run(&r, "create", "web2", "--hostname", "www.example.org", "--start-cmd", "/bin/sh -c 'echo \"hi\"'",
               "--rootfs", tiny_tree());
        expect_ok(&r);

        fx_run(&r, "list");
        expect_ok(&r);
        cr_expect(strncmp(r.out, "NAME ", 5) == 0, "list: %s", r.out);
        snprintf(want, sizeof(want), "%lld-%lld", vpid << 16, (vpid << 16) + 65535);
        cr_expect(strstr(r.out, "web1") && strstr(r.out, "stopped") && strstr(r.out, want), "list: %s", r.out);

        fx_run(&r, "status", "web2");
        expect_ok(&r);
        cr_expect(strstr(r.out, "hostname:    www.example.org\n"), "status: %s", r.out);
        cr_expect(strstr(r.out, "start_cmd:   /bin/sh -c 'echo \"hi\"'\n"), "status: %s", r.out);
        cr_expect(strstr(r.out, "network:     private\n"), "status: %s", r.out);
        snprintf(want, sizeof(want), "rootfs:      %s/web2/rootfs\n", fx_state);
        cr_expect(strstr(r.out, want), "status: %s", r.out);

        fx_run(&r, "--json", "status", "web2");
        expect_ok(&r);
        cr_expect(json_balanced(r.out), "not JSON: %s", r.out);
        cr_expect(strstr(r.out, "\"start_cmd\":\"/bin/sh -c 'echo \\\"hi\\\"'\""), "status: %s", r.out);
        cr_expect(strstr(r.out, "\"state\":\"stopped\""), "%s", r.out);
        cr_expect(strstr(r.out, "\"mounted\":false"), "%s", r.out);
}

Test(vpsmgr_state, idmap_shows_the_translation_table) {
        struct run_result r;
        char want[128];
        long long vpid = create_tiny("web1");

        fx_run(&r, "idmap", "web1");
        expect_ok(&r);
        snprintf(want, sizeof(want), "u 0 %lld 65536\ng 0 %lld 65536\n", vpid << 16, vpid << 16);
        cr_expect(strstr(r.out, want), "idmap: %s", r.out);
        fx_run(&r, "--json", "idmap", "web1");
        expect_ok(&r);
        cr_expect(json_balanced(r.out), "not JSON: %s", r.out);
        cr_expect_eq(json_number(r.out, "alt"), vpid << 16);
        cr_expect(strstr(r.out, "\"gid\":[{\"virtual\":0,"), "%s", r.out);
}

Test(vpsmgr_state, whois_an_alternative_uid_or_gid) {
        struct run_result r;
        char alt[32];
        long long vpid = create_tiny("web1");

        snprintf(alt, sizeof(alt), "%lld", vpid << 16 | 1000);
        fx_run(&r, "whois", "--uid", alt);
        expect_ok(&r);
        cr_expect(strstr(r.out, "vps:          web1\n") && strstr(r.out, "virtual uid:  1000\n"), "whois: %s", r.out);
        fx_run(&r, "--json", "whois", "--gid", alt);
        expect_ok(&r);
        cr_expect(json_balanced(r.out), "not JSON: %s", r.out);
        cr_expect_eq(json_number(r.out, "virtual_gid"), 1000);
        cr_expect_eq(json_number(r.out, "vpid"), vpid);
        cr_expect(strstr(r.out, "\"name\":\"web1\""), "%s", r.out);
        /* The VSUID: root of the VPS. */
        snprintf(alt, sizeof(alt), "%lld", vpid << 16);
        fx_run(&r, "--json", "whois", "--uid", alt);
        expect_ok(&r);
        cr_expect_eq(json_number(r.out, "virtual_uid"), 0);
}

Test(vpsmgr_state, whois_a_process_of_a_vps) {
        struct run_result r;
        char pidtext[32];
        long long vpid;
        pid_t pid;

        fx_want_cgroups();
        vpid = create_tiny("web1");
        pid = fx_fake_vps_process("web1");
        snprintf(pidtext, sizeof(pidtext), "%d", (int) pid);
        fx_run(&r, "whois", pidtext);
        expect_ok(&r);
        cr_expect(strstr(r.out, "vps:         web1\n"), "whois: %s", r.out);
        fx_run(&r, "--json", "whois", pidtext);
        expect_ok(&r);
        cr_expect(json_balanced(r.out), "not JSON: %s", r.out);
        cr_expect_eq(json_number(r.out, "vpid"), vpid);
        cr_expect_eq(json_number(r.out, "pid"), pid);
        /* No PID namespace in this fake VPS: its PID inside is its host PID. */
        cr_expect_eq(json_number(r.out, "pid_inside"), pid);

        snprintf(pidtext, sizeof(pidtext), "%d", (int) getpid());
        fx_run(&r, "whois", pidtext);
        expect_error(&r, "is in no VPS");
}

/* ---- help ---- */

Test(vpsmgr_state, help_of_every_verb) {
        static const char *const verbs[] = { "create", "destroy", "list",    "status", "idmap", "whois",
                                             "start",  "stop",    "restart", "run",    "exec",  "enter", "ps" };
        struct run_result r, h;

        fx_run(&r, "--help");
        expect_ok(&r);
        cr_expect_null(strstr(r.out, "__monitor"), "the monitor's verb is for vpsmgr only: %s", r.out);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char want[64];

                snprintf(want, sizeof(want), "\n  %s ", verbs[i]);
                cr_expect(strstr(r.out, want), "--help lacks %s", verbs[i]);
                fx_run(&h, verbs[i], "--help");
                expect_ok(&h);
                cr_expect(strstr(h.out, "Usage: vpsmgr") == h.out, "%s --help: %s", verbs[i], h.out);
                cr_expect(strstr(h.out, verbs[i]), "%s --help: %s", verbs[i], h.out);
                fx_run(&r, "help", verbs[i]);
                expect_ok(&r);
                cr_expect_str_eq(r.out, h.out);
                fx_run(&r, "--help");
        }
}
