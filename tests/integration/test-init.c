/* vps-init as PID 1 of a real PID namespace, in a busybox-template root with no C library,
 * exec'd through a descriptor as vpsmgr will: reaping, start command, workload status,
 * orderly shutdown with its grace period, and the exit statuses of reboot and poweroff that
 * the monitor decodes with init-protocol.h. Each test's init is SIGKILLed in .fini if still
 * there, which ends every process of its namespace. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "tmp-rootfs.h"
#include "vpsmgr/init-binary.h"
#include "vpsmgr/init-protocol.h"
#include "vpsmgr/template.h"

static int initfd = -1;
static int init_stdin = -1; /* if set, init's stdin */
static pid_t init_pid = -1;

static void setup(void) {
        tmp_rootfs_make();
        if (!getenv(VPS_INIT_ENV))
                cr_skip_test("$" VPS_INIT_ENV " is not set (run through meson test)");
        initfd = init_binary_open();
        cr_assert_geq(initfd, 0, "%s: %s", getenv(VPS_INIT_ENV), strerror(-initfd));
        cr_assert_eq(template_busybox(rootfd, NULL, "init-test"), 0);
}

static void teardown(void) {
        if (init_pid > 0) {
                kill(init_pid, SIGKILL); /* ends every process of its namespace */
                waitpid(init_pid, NULL, 0);
                init_pid = -1;
        }
        tmp_rootfs_remove();
}

TestSuite(init, .init = setup, .fini = teardown, .timeout = 60);

static double now(void) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Child side: PID 1 of the new namespace, in a private mount namespace. */
static _noreturn_ void exec_init(char *const argv[]) {
        char *envp[] = { (char *) "PATH=/bin:/usr/bin:/sbin:/usr/sbin", NULL };
        char root[sizeof(tmp_dir) + sizeof("/rootfs")];

        /* By path, not fchdir(rootfd): that fd's mount belongs to the parent's mount
         * namespace, and mounting on it from this one fails with EINVAL. */
        snprintf(root, sizeof(root), "%s/rootfs", tmp_dir);
        if (init_stdin >= 0 && dup2(init_stdin, STDIN_FILENO) < 0)
                _exit(119);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chdir(root) < 0 ||
            chroot(".") < 0)
                _exit(120);
        /* The namespace's own /proc: busybox's halt waits for it before signalling init. */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                _exit(121);
        /* A /dev with null, as the launcher makes: busybox sh starts background jobs with
         * stdin from /dev/null. */
        if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "size=64k,mode=755") < 0 ||
            mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0 || chmod("/dev/null", 0666) < 0)
                _exit(122);
        execveat(initfd, "", argv, envp, AT_EMPTY_PATH);
        _exit(123);
}

/* Starts vps-init with args (after argv[0]) as PID 1 of a new PID namespace, our child. */
static void start_init(char *const args[]) {
        struct clone_args ca = { .flags = CLONE_NEWPID | CLONE_NEWNS, .exit_signal = SIGCHLD };
        char *argv[32] = { (char *) "vps-init" };
        size_t n = 1;
        long pid;

        for (; args[n - 1]; n++) {
                cr_assert_lt(n, ELEMENTSOF(argv) - 1);
                argv[n] = args[n - 1];
        }
        argv[n] = NULL;
        pid = syscall(SYS_clone3, &ca, sizeof(ca));
        cr_assert_geq(pid, 0, "clone3: %s", strerror(errno));
        if (pid == 0)
                exec_init(argv);
        init_pid = (pid_t) pid;
}

/* Waits up to timeout seconds for init to exit; returns its wait status, or -1. */
static int wait_init(double timeout) {
        double end = now() + timeout;
        int status;

        cr_assert_gt(init_pid, 0, "init is gone already"); /* waitpid(-1) would take any */
        while (now() < end) {
                pid_t r = waitpid(init_pid, &status, WNOHANG);
                cr_assert_geq(r, 0, "waitpid: %s", strerror(errno));
                if (r == init_pid) {
                        init_pid = -1;
                        return status;
                }
                usleep(5000);
        }
        return -1;
}

/* Signals the test's init. Never kill() with a pid <= 0: as root in the host's PID
 * namespace, kill(-1) would reach every process of the machine. */
static void signal_init(int sig) {
        cr_assert_gt(init_pid, 0, "init is gone already");
        cr_assert_eq(kill(init_pid, sig), 0, "kill: %s", strerror(errno));
}

static bool wait_file(const char *path, double timeout) {
        double end = now() + timeout;

        while (now() < end) {
                if (faccessat(rootfd, path, F_OK, 0) == 0)
                        return true;
                usleep(5000);
        }
        return false;
}

static void write_script(const char *path, const char *text) {
        int fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);

        cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
        cr_assert_eq(write_all(fd, text, strlen(text)), 0);
        close(fd);
}

/* Host PIDs whose parent is init: its children, zombies included. */
static int count_init_children(void) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        int n = 0;

        cr_assert_not_null(d);
        while ((e = readdir(d))) {
                char path[300], buf[512], *p;
                int ppid;
                FILE *f;

                if (e->d_name[0] < '0' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                p = fgets(buf, sizeof(buf), f);
                fclose(f);
                /* "pid (comm) S ppid ...": comm may hold anything, so from the last ')'. */
                if (!p || !(p = strrchr(buf, ')')) || sscanf(p + 1, " %*c %d", &ppid) != 1)
                        continue;
                if (ppid == init_pid)
                        n++;
        }
        closedir(d);
        return n;
}

Test(init, reaps_orphans) {
        /* Each "( ... &)" leaves a process whose parent is gone: the kernel hands it to PID 1,
         * and only init's waitpid() can clear its zombie. */
        write_script("tmp/orphans.sh", "#!/bin/sh\n"
                                       "for i in 1 2 3 4 5 6 7 8 9 10; do\n"
                                       "        (sleep 0.3 &)\n"
                                       "        (true &)\n"
                                       "done\n"
                                       "echo > /tmp/spawned\n"
                                       "exec sleep 0.5\n");
        start_init((char *[]) { (char *) "/tmp/orphans.sh", NULL });
        cr_assert(wait_file("tmp/spawned", 5));
        cr_expect_geq(count_init_children(), 2, "the orphaned sleeps are init's now");

        for (double end = now() + 5; now() < end && count_init_children() > 0;)
                usleep(10000);
        cr_expect_eq(count_init_children(), 0, "all orphans and the start command reaped");
        cr_expect_eq(wait_init(0.2), -1, "init keeps running after its command exited");
}

Test(init, runs_start_command) {
        start_init((char *[]) { (char *) "/bin/sh", (char *) "-c",
                                (char *) "echo $$ > /tmp/started", NULL });
        cr_assert(wait_file("tmp/started", 5));
        usleep(100000);
        cr_expect_eq(wait_init(0.2), -1, "init keeps running");

        signal_init(SIGTERM);
        cr_expect_eq(wait_init(2), VPS_INIT_EXIT_STOPPED << 8, "stop from the host: exit 0");
}

Test(init, runs_etc_vps_rc_by_default) {
        write_script("etc/vps/rc", "#!/bin/sh\necho rc > /tmp/rc-ran\n");
        start_init((char *[]) { NULL });
        cr_expect(wait_file("tmp/rc-ran", 5));
        cr_expect_eq(wait_init(0.2), -1);
}

Test(init, no_command_idles) {
        int status;

        start_init((char *[]) { NULL });
        status = wait_init(0.3);
        cr_expect_eq(status, -1, "init exited: %#x", status);
        signal_init(SIGTERM);
        cr_expect_eq(wait_init(2), 0);
}

Test(init, workload_status_passes_through) {
        static const struct {
                const char *script;
                int code;
        } cases[] = {
                { "exit 0", 0 },
                { "exit 3", 3 },
                { "kill -9 $$", 128 + SIGKILL },
                { "sleep 100 & exit 5", 5 }, /* a leftover process does not hold init up */
                { "exec /nonexistent", 127 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                double t0 = now();
                int status;

                start_init((char *[]) { (char *) "--run", (char *) "--", (char *) "/bin/sh",
                                        (char *) "-c", (char *) cases[i].script, NULL });
                status = wait_init(5);
                cr_assert_neq(status, -1, "'%s': init did not exit", cases[i].script);
                cr_expect(WIFEXITED(status), "'%s'", cases[i].script);
                cr_expect_eq(vps_init_status_code(status), cases[i].code, "'%s': code %d",
                             cases[i].script, vps_init_status_code(status));
                cr_expect_eq(vps_init_outcome(status, true), VPS_INIT_OUTCOME_WORKLOAD);
                cr_expect_lt(now() - t0, 2, "'%s': took %.2f s", cases[i].script, now() - t0);
        }
}

Test(init, workload_command_not_found) {
        start_init((char *[]) { (char *) "--run", (char *) "/nonexistent", NULL });
        cr_expect_eq(wait_init(5), 127 << 8);
}

Test(init, bad_command_line) {
        start_init((char *[]) { (char *) "--grace", (char *) "x", (char *) "true", NULL });
        cr_expect_eq(wait_init(5), VPS_INIT_EXIT_FAILURE << 8);
        start_init((char *[]) { (char *) "--run", NULL });
        cr_expect_eq(wait_init(5), VPS_INIT_EXIT_FAILURE << 8);
        /* The VSU set is for a user: root has it all anyway. */
        start_init((char *[]) { (char *) "--vsu", (char *) "--run", (char *) "true", NULL });
        cr_expect_eq(wait_init(5), VPS_INIT_EXIT_FAILURE << 8);
}

/* The controlling terminal (field 7 of /proc/PID/stat, 0 for none) of a command run by init
 * whose stdin is a pseudo-terminal. */
static int tty_of_command(bool workload) {
        char *data = NULL, *pts;
        int master, tty;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        cr_assert_geq(master, 0);
        cr_assert_eq(grantpt(master), 0);
        cr_assert_eq(unlockpt(master), 0);
        pts = ptsname(master);
        cr_assert_not_null(pts);
        init_stdin = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
        cr_assert_geq(init_stdin, 0);

        start_init((char *[]) { (char *) (workload ? "--run" : "--"), (char *) "/bin/sh",
                                (char *) "-c",
                                (char *) "read pid comm state ppid pgrp session tty rest < /proc/self/stat; "
                                         "echo $tty > /tmp/tty.new; mv /tmp/tty.new /tmp/tty",
                                NULL });
        cr_assert(wait_file("tmp/tty", 5));
        cr_assert_eq(read_file_at(rootfd, "tmp/tty", 64, &data, NULL), 0);
        tty = atoi(data);
        free(data);
        close(init_stdin);
        init_stdin = -1;
        close(master);
        return tty;
}

Test(init, workload_gets_terminal_as_controlling_tty) {
        cr_expect_neq(tty_of_command(true), 0, "job control for an interactive workload");
}

Test(init, start_command_gets_no_controlling_tty) {
        cr_expect_eq(tty_of_command(false), 0, "services stay off the console");
}

/* Sets up a TERM-handling process, and (with ignorer) a tree that ignores SIGTERM. */
static void start_stoppable(bool ignorer, bool workload) {
        write_script("tmp/handler.sh", "#!/bin/sh\n"
                                       "trap 'echo term > /tmp/got-term; exit 0' TERM\n"
                                       "echo > /tmp/ready-handler\n"
                                       "while :; do sleep 0.05; done\n");
        write_script("tmp/ignorer.sh", "#!/bin/sh\n"
                                       "trap '' TERM\n"
                                       "echo > /tmp/ready-ignorer\n"
                                       "while :; do sleep 0.05; done\n");
        start_init((char *[]) { (char *) "--grace", (char *) "1",
                                (char *) (workload ? "--run" : "--"), (char *) "/bin/sh",
                                (char *) "-c",
                                (char *) (ignorer ? "/tmp/handler.sh & exec /tmp/ignorer.sh"
                                                  : "/tmp/handler.sh & wait"),
                                NULL });
        cr_assert(wait_file("tmp/ready-handler", 5));
        if (ignorer)
                cr_assert(wait_file("tmp/ready-ignorer", 5));
}

Test(init, sigterm_from_host_stops_promptly) {
        double t0;
        char *data = NULL;

        start_stoppable(false, false);
        t0 = now();
        signal_init(SIGTERM);
        cr_expect_eq(wait_init(5), 0);
        cr_expect_lt(now() - t0, 0.9, "nothing to wait for: %.2f s", now() - t0);
        cr_assert_eq(read_file_at(rootfd, "tmp/got-term", 64, &data, NULL), 0, "handler got SIGTERM");
        cr_expect_str_eq(data, "term\n");
        free(data);
}

Test(init, sigterm_ignorer_gets_sigkill_after_grace) {
        double t0, took;
        int status;

        start_stoppable(true, false);
        t0 = now();
        signal_init(SIGTERM);
        status = wait_init(5);
        took = now() - t0;
        cr_expect_eq(status, 0, "orderly stop: exit 0, got %#x", status);
        cr_expect_geq(took, 1.0, "waited the grace period: %.2f s", took);
        cr_expect_lt(took, 2.0, "exited within grace + 1 s: %.2f s", took);
        cr_expect(faccessat(rootfd, "tmp/got-term", F_OK, 0) == 0, "handler got SIGTERM");
}

Test(init, sigterm_ends_workload_with_its_status) {
        double t0;
        int status;

        start_stoppable(true, true); /* the workload itself ignores SIGTERM */
        t0 = now();
        signal_init(SIGTERM);
        status = wait_init(5);
        cr_expect_eq(vps_init_status_code(status), 128 + SIGKILL, "status %#x", status);
        cr_expect_lt(now() - t0, 2.0);
}

/* What the monitor sees when something inside (or the host) asks for reboot or poweroff. */
Test(init, reboot_and_poweroff_statuses) {
        static const struct {
                const char *script; /* run inside; NULL: the signal comes from the host */
                int host_signal;
                enum vps_init_outcome outcome;
        } cases[] = {
                { "busybox reboot", 0, VPS_INIT_OUTCOME_REBOOT },     /* SIGTERM from inside */
                { "busybox poweroff", 0, VPS_INIT_OUTCOME_POWEROFF }, /* SIGUSR2 */
                { "busybox halt", 0, VPS_INIT_OUTCOME_POWEROFF },     /* SIGUSR1 */
                { "kill -INT 1", 0, VPS_INIT_OUTCOME_REBOOT },
                { "kill -PWR 1", 0, VPS_INIT_OUTCOME_POWEROFF },
                /* reboot(2) itself: the kernel kills init with SIGHUP. The guard keeps it from
                 * ever running outside a PID namespace ($$ is 2 only in one). */
                { "[ $$ -lt 10 ] && busybox reboot -f", 0, VPS_INIT_OUTCOME_REBOOT },
                { "[ $$ -lt 10 ] && busybox poweroff -f", 0, VPS_INIT_OUTCOME_POWEROFF },
                { NULL, SIGTERM, VPS_INIT_OUTCOME_STOPPED },
                { NULL, SIGPWR, VPS_INIT_OUTCOME_STOPPED },
                { NULL, SIGINT, VPS_INIT_OUTCOME_REBOOT },
                { NULL, SIGUSR1, VPS_INIT_OUTCOME_POWEROFF },
                { NULL, SIGUSR2, VPS_INIT_OUTCOME_POWEROFF },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *what = cases[i].script ?: strsignal(cases[i].host_signal);
                int status;

                start_init((char *[]) { (char *) "/bin/sh", (char *) "-c",
                                        (char *) (cases[i].script ?: "echo > /tmp/up; sleep 100"),
                                        NULL });
                if (!cases[i].script) {
                        cr_assert(wait_file("tmp/up", 5));
                        signal_init(cases[i].host_signal);
                }
                status = wait_init(5);
                cr_assert_neq(status, -1, "%s: init did not exit", what);
                cr_expect_eq(vps_init_outcome(status, false), cases[i].outcome,
                             "%s: status %#x", what, status);
                unlinkat(rootfd, "tmp/up", 0);
        }
}

Test(init, sighup_is_ignored) {
        start_init((char *[]) { (char *) "/bin/sh", (char *) "-c",
                                (char *) "echo > /tmp/up; kill -HUP 1; sleep 100", NULL });
        cr_assert(wait_file("tmp/up", 5));
        signal_init(SIGHUP);
        cr_expect_eq(wait_init(0.3), -1, "still running");
}

/* Not PID 1: init refuses before it could kill(-1) anything. Even so it runs as PID 2 of a
 * namespace of its own here, so that a broken check could harm nothing outside. */
Test(init, refuses_unless_pid_1) {
        struct clone_args ca = { .flags = CLONE_NEWPID | CLONE_NEWNS, .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &ca, sizeof(ca));
        int status;

        cr_assert_geq(pid, 0);
        if (pid == 0) {
                pid_t child = fork();
                if (child == 0)
                        exec_init((char *[]) { (char *) "vps-init", (char *) "--run",
                                               (char *) "true", NULL });
                if (child < 0 || waitpid(child, &status, 0) < 0)
                        _exit(123);
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 124);
        }
        init_pid = (pid_t) pid;
        cr_expect_eq(wait_init(5), VPS_INIT_EXIT_FAILURE << 8);
}

/* The launcher's way to the binary: $VPS_INIT, and only a static executable. */
Test(init, binary_must_be_static) {
        cr_assert_eq(setenv(VPS_INIT_ENV, "/bin/sh", 1), 0);
        cr_expect_eq(init_binary_open(), -ENOEXEC, "a dynamic executable");
        cr_assert_eq(setenv(VPS_INIT_ENV, "/etc/passwd", 1), 0);
        cr_expect_eq(init_binary_open(), -ENOEXEC, "not executable");
        cr_assert_eq(setenv(VPS_INIT_ENV, "/nonexistent/vps-init", 1), 0);
        cr_expect_eq(init_binary_open(), -ENOENT);
}
