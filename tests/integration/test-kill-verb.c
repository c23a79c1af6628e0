/* vpsmgr kill against real VPSs: two VPSs created by `vpsmgr create` (busybox template), each
 * with vps-init launched into its cgroup <cgroup2>/<VPS_CGROUP_PARENT>/NAME on its rootfs, and
 * four sleeps inside: two of root, one of alice (vuid 1000) and one of bob (vuid 1001, gid
 * 100). A host process runs as the host uid of web1's alice. Each test asserts that exactly
 * the right processes died: the others, those of web2 (the same virtual IDs) and the host's
 * survive. */
#include "vpsmgr-fixture.h"

#include <poll.h>
#include <sys/pidfd.h>

#include "common/fileio.h"
#include "common/idmap.h"
#include "common/vpid.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/state.h"

#define WAIT_MS 10000

static const char *const markers[] = { "1001", "1002", "1003", "1004" };
enum { ROOT_A, ROOT_B, ALICE, BOB, N_SLEEPS };

struct test_vps {
        const char *name;
        int cgfd;
        int init_pidfd;
        pid_t sleeps[N_SLEEPS];
        int sleep_fds[N_SLEEPS];
        struct idmap *idmap;
};

static struct test_vps vps[2] = {
        { .name = "web1", .cgfd = -1, .init_pidfd = -1, .sleep_fds = { -1, -1, -1, -1 } },
        { .name = "web2", .cgfd = -1, .init_pidfd = -1, .sleep_fds = { -1, -1, -1, -1 } },
};
static int host_fd = -1;   /* pidfd of the host process with web1's alice's host uid */

static void teardown(void) {
        for (size_t i = 0; i < ELEMENTSOF(vps); i++) {
                siginfo_t si;

                if (vps[i].cgfd >= 0)
                        (void) cgroup_kill(vps[i].cgfd);
                if (vps[i].init_pidfd >= 0) {
                        (void) pidfd_send_signal(vps[i].init_pidfd, SIGKILL, NULL, 0);
                        (void) waitid((idtype_t) P_PIDFD_COMPAT, (id_t) vps[i].init_pidfd, &si, WEXITED);
                }
                if (vps[i].cgfd >= 0)
                        (void) cgroup_wait_empty(vps[i].cgfd, WAIT_MS);
                vps[i].init_pidfd = safe_close(vps[i].init_pidfd);
                vps[i].cgfd = safe_close(vps[i].cgfd);
                for (size_t k = 0; k < N_SLEEPS; k++)
                        vps[i].sleep_fds[k] = safe_close(vps[i].sleep_fds[k]);
                idmap_free(vps[i].idmap);
                vps[i].idmap = NULL;
        }
        host_fd = safe_close(host_fd);
        fx_teardown();
}

/* The argument after "sleep" in /proc/PID/cmdline, or "". */
static void sleep_arg(pid_t pid, char *buf, size_t size) {
        char path[64], cmd[256];
        ssize_t n;
        int fd;

        buf[0] = '\0';
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        n = read(fd, cmd, sizeof(cmd) - 1);
        close(fd);
        if (n <= 0)
                return;
        cmd[n] = '\0';
        if (strcmp(cmd, "sleep") == 0 && (size_t) n > strlen(cmd) + 1)
                snprintf(buf, size, "%s", cmd + strlen(cmd) + 1);
}

/* Waits until the VPS holds exactly its init and the four sleeps, and opens pidfds on them. */
static void find_sleeps(struct test_vps *v) {
        for (int tries = 0; tries < WAIT_MS / 20; tries++, usleep(20000)) {
                pid_t *pids = NULL;
                size_t n = 0, found = 0;

                cr_assert_eq(vpid_get_pids(v->cgfd, &pids, &n), 0);
                for (size_t i = 0; i < n; i++) {
                        char arg[32];

                        sleep_arg(pids[i], arg, sizeof(arg));
                        for (size_t k = 0; k < N_SLEEPS; k++)
                                if (strcmp(arg, markers[k]) == 0) {
                                        v->sleeps[k] = pids[i];
                                        found++;
                                }
                }
                free(pids);
                if (n == N_SLEEPS + 1 && found == N_SLEEPS) {
                        for (size_t k = 0; k < N_SLEEPS; k++) {
                                v->sleep_fds[k] = pidfd_open(v->sleeps[k], 0);
                                cr_assert_geq(v->sleep_fds[k], 0);
                        }
                        return;
                }
        }
        cr_assert_fail("%s: the sleeps did not come up", v->name);
}

static void start_vps(struct test_vps *v) {
        static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                     "alice:x:1000:1000::/tmp:/bin/sh\n"
                                     "bob:x:1001:100::/tmp:/bin/sh\n";
        static const char script[] = "sleep 1001 & sleep 1002 &"
                                     "su alice -s /bin/sh -c 'exec sleep 1003' &"
                                     "su bob -s /bin/sh -c 'exec sleep 1004' &";
        static char *envp[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", NULL };
        char *argv[] = { "vps-init", "--", "/bin/sh", "-c", (char *) script, NULL };
        struct vps_launch_result res = {};
        struct vps_step_error e = {};
        struct run_result r;
        const char *vps_init = getenv("VPS_INIT");
        int etc, init_fd, rc;

        cr_assert_not_null(vps_init, "VPS_INIT must name the built vps-init");
        fx_run(&r, "create", v->name);
        expect_ok(&r);
        etc = open(fx_path("state/%s/rootfs/etc", v->name), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(etc, 0);
        cr_assert_eq(write_file_atomic_at(etc, "passwd", passwd, sizeof(passwd) - 1, 0644), 0);
        close(etc);
        cr_assert_eq(idmap_load_at(AT_FDCWD, fx_path("state/%s/idmap", v->name), &v->idmap, NULL), 0);

        fx_want_cgroups();
        rc = cgroup_create(fx_cg_root, fx_cg_parent, v->name, &v->cgfd);
        cr_assert_eq(rc, 0, "cgroup_create: %s", strerror(-rc));
        snprintf(fx_cgroups[fx_n_cgroups++], sizeof(fx_cgroups[0]), "%s", v->name);

        init_fd = open(vps_init, O_PATH | O_CLOEXEC);
        cr_assert_geq(init_fd, 0);
        rc = vps_launch(&(struct vps_launch) {
                                .name = v->name,
                                .root = fx_path("state/%s/rootfs", v->name),
                                .idmap = v->idmap,
                                .init_fd = init_fd,
                                .init_argv = argv,
                                .init_envp = envp,
                                .cgroup_fd = v->cgfd,
                                .private_network = true,
                        }, &res, &e);
        close(init_fd);
        cr_assert_eq(rc, 0, "vps_launch: %s: %s", e.step, strerror(e.error));
        v->init_pidfd = res.pidfd;
        find_sleeps(v);
}

/* A host process whose uid is web1's alice's host uid: the same owner to the kernel. */
static void start_host_twin(void) {
        uint32_t alt;
        pid_t pid;

        cr_assert_eq(idmap_to_alt(vps[0].idmap, IDMAP_UID, 1000, &alt), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (setresgid(alt, alt, alt) < 0 || setresuid(alt, alt, alt) < 0)
                        _exit(1);
                for (;;)
                        pause();
        }
        fx_helpers[fx_n_helpers++] = pid;
        host_fd = pidfd_open(pid, 0);
        cr_assert_geq(host_fd, 0);
}

static void setup(void) {
        fx_setup();
        skip_unless_userns();
        skip_unless_cgroup2();
        if (access("/bin/busybox", X_OK) < 0)
                cr_skip_test("needs busybox-static");
        start_vps(&vps[0]);
        start_vps(&vps[1]);
        start_host_twin();
}

TestSuite(kill_verb, .init = setup, .fini = teardown, .timeout = 120);

/* Whether the process behind pidfd exits within ms (0: has exited already). */
static bool exits_within(int pidfd, int ms) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        return poll(&p, 1, ms) == 1;
}

/* Exactly the sleeps of web1 in dead (a mask of 1 << index) died, and its init lives or died
 * as init_dies says; everything of web2 and the host lives. */
static void expect_deaths(unsigned dead, bool init_dies) {
        for (size_t k = 0; k < N_SLEEPS; k++)
                if (dead & (1u << k))
                        cr_expect(exits_within(vps[0].sleep_fds[k], WAIT_MS), "web1's sleep %s survived", markers[k]);
        cr_expect_eq(exits_within(vps[0].init_pidfd, init_dies ? WAIT_MS : 0), init_dies, "web1's init %s",
                     init_dies ? "survived" : "died");
        /* Give a wrong signal time to arrive before looking at the survivors. */
        usleep(100000);
        for (size_t k = 0; k < N_SLEEPS; k++)
                if (!(dead & (1u << k)))
                        cr_expect_not(exits_within(vps[0].sleep_fds[k], 0), "web1's sleep %s died", markers[k]);
        for (size_t k = 0; k < N_SLEEPS; k++)
                cr_expect_not(exits_within(vps[1].sleep_fds[k], 0), "web2's sleep %s died", markers[k]);
        cr_expect_not(exits_within(vps[1].init_pidfd, 0), "web2's init died");
        cr_expect_not(exits_within(host_fd, 0), "the host process died");
}

static void expect_thawed(void) {
        char *frozen = NULL;

        cr_assert_eq(read_file_at(vps[0].cgfd, "cgroup.freeze", 16, &frozen, NULL), 0);
        cr_expect_str_eq(frozen, "0\n", "web1 left frozen");
        free(frozen);
}

Test(kill_verb, a_pid_inside_names_one_process_of_that_vps_only) {
        struct run_result r;
        pid_t inside;
        char arg[16];

        /* web2's sleep 1001 most likely has the same PID inside: it must survive. */
        cr_assert_eq(proc_pid_inside(vps[0].sleeps[ROOT_A], &inside), 0);
        snprintf(arg, sizeof(arg), "%d", (int) inside);
        fx_run(&r, "kill", "web1", arg);
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 1 process\n");
        expect_deaths(1u << ROOT_A, false);
}

Test(kill_verb, minus_one_spares_only_the_init) {
        struct run_result r;

        fx_run(&r, "kill", "web1", "-1");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 4 processes\n");
        expect_deaths(0xf, false);
        expect_thawed();
}

Test(kill_verb, minus_one_after_double_dash_too) {
        struct run_result r;

        fx_run(&r, "kill", "web1", "-s", "KILL", "--", "-1");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 4 processes\n");
        expect_deaths(0xf, false);
}

Test(kill_verb, gid_takes_the_processes_of_that_virtual_group) {
        struct run_result r;

        fx_run(&r, "kill", "web1", "--gid", "100");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 1 process\n");
        expect_deaths(1u << BOB, false);
        expect_thawed();
}

Test(kill_verb, user_by_name_and_by_vuid) {
        struct run_result r;

        fx_run(&r, "kill", "web1", "-s", "SIGKILL", "--user", "alice");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 1 process\n");
        fx_run(&r, "--json", "kill", "web1", "-s", "9", "--user", "1001");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "{\"name\":\"web1\",\"signal\":9,\"signal_name\":\"KILL\",\"signalled\":1}\n");
        expect_deaths(1u << ALICE | 1u << BOB, false);
}

Test(kill_verb, all_with_sigkill_ends_the_vps_through_cgroup_kill) {
        struct run_result r;

        fx_run(&r, "--json", "kill", "web1", "-s", "KILL", "--all");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "{\"name\":\"web1\",\"signal\":9,\"signal_name\":\"KILL\",\"signalled\":5}\n");
        expect_deaths(0xf, true);
        cr_expect_eq(cgroup_wait_empty(vps[0].cgfd, WAIT_MS), 0);
}

/* TERM to all, init included: vps-init takes the host's TERM as "stop" and ends the VPS. */
Test(kill_verb, all_with_term_stops_the_vps_through_its_init) {
        struct run_result r;

        fx_run(&r, "kill", "web1", "--all");
        expect_ok(&r);
        cr_expect_str_eq(r.out, "signalled 5 processes\n");
        expect_deaths(0xf, true);
}

/* A process of web1 forking a sleep every 10 ms, joined the way exec joins a VPS. */
static void start_forker(void) {
        pid_t pid = fork();

        cr_assert_geq(pid, 0);
        if (pid == 0) {
                const struct vps_identity root = { .uid = 0, .gid = 0 };
                struct vps_step_error e;
                pid_t child;

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (vps_join(vps[0].init_pidfd, vps[0].cgfd, &e) < 0)
                        _exit(1);
                child = fork();
                if (child == 0) {
                        if (vps_become(&root, &e) < 0)
                                _exit(2);
                        execl("/bin/sh", "sh", "-c", "while :; do sleep 1000 & sleep 0.01; done", (char *) NULL);
                        _exit(3);
                }
                _exit(child > 0 && waitpid(child, NULL, 0) == child ? 0 : 4);
        }
        fx_helpers[fx_n_helpers++] = pid;
}

static size_t web1_count(void) {
        pid_t *pids = NULL;
        size_t n = 0;

        cr_assert_eq(vpid_get_pids(vps[0].cgfd, &pids, &n), 0);
        free(pids);
        return n;
}

/* Frozen while collected and signalled: no child forked in between is left behind. */
Test(kill_verb, a_forking_process_leaves_no_child_behind) {
        struct run_result r;
        size_t n = 0;

        start_forker();
        for (int i = 0; i < WAIT_MS / 20 && web1_count() < 20; i++)
                usleep(20000);
        cr_assert_geq(web1_count(), 20, "the forker did not fork");
        fx_run(&r, "kill", "web1", "-s", "KILL", "-1");
        expect_ok(&r);
        /* Short-lived "sleep 0.01"s come and go: the count is about, not exactly, what was there. */
        cr_expect(sscanf(r.out, "signalled %zu processes", &n) == 1 && n >= 15, "%s", r.out);
        for (int i = 0; i < WAIT_MS / 20 && web1_count() > 1; i++)
                usleep(20000);
        cr_expect_eq(web1_count(), 1, "processes beside the init survived");
        expect_deaths(0xf, false);
        expect_thawed();
}

Test(kill_verb, bad_input_gives_one_line_and_signals_nothing) {
        struct run_result r;
        char self[16];

        fx_run(&r, "create", "web3");
        expect_ok(&r);
        fx_run(&r, "kill", "web3", "-1");
        expect_error(&r, "web3: not running");
        fx_run(&r, "kill", "web1", "4242");
        expect_error(&r, "web1: no process 4242 in this VPS");
        /* A host PID means nothing inside. */
        snprintf(self, sizeof(self), "%d", (int) getpid());
        fx_run(&r, "kill", "web1", self);
        expect_error(&r, "no process");
        fx_run(&r, "kill", "web1", "-s", "FOO", "1");
        expect_error(&r, "kill: invalid signal 'FOO'");
        fx_run(&r, "kill", "web1", "-s", "0", "1");
        expect_error(&r, "kill: invalid signal '0'");
        fx_run(&r, "kill", "web1", "-1", "--all");
        expect_error(&r, "kill: give one of PID, -1, --gid GID, --user USER or --all");
        fx_run(&r, "kill", "web1");
        expect_error(&r, "kill: missing NAME and PID");
        fx_run(&r, "kill", "web1", "0");
        expect_error(&r, "kill: invalid value '0' for PID");
        fx_run(&r, "kill", "web1", "--user", "carol");
        expect_error(&r, "web1: no user 'carol' in its /etc/passwd");
        fx_run(&r, "kill", "web1", "--gid", "70000");
        expect_error(&r, "web1: gid 70000 is not in its translation table");
        fx_run(&r, "kill", "nope", "-1");
        expect_error(&r, "nope: no such VPS");
        fx_run_as(&r, 65534, (const char *const[]) { "kill", "web1", "-1", NULL });
        expect_error(&r, "must be run as root");
        expect_deaths(0, false);
}
