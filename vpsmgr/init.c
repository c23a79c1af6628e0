/* vps-init: PID 1 of a VPS. It reaps every orphan, runs the VPS's start command (or, in
 * workload mode, the one command the VPS exists for), and turns the host's stop and the VPS's
 * own reboot, poweroff and halt into an orderly shutdown whose reason its exit status tells.
 *
 * The conventions (command line, which signal means what, exit codes) are in
 * init-protocol.h, which the host-side monitor includes. In short: SIGTERM or SIGPWR from
 * the host stops (exit 0); SIGTERM from inside (busybox reboot) or SIGINT reboots (exit 129);
 * SIGUSR1/SIGUSR2 (busybox halt/poweroff) or SIGPWR from inside power off (exit 130); in
 * workload mode the exit status is the workload's.
 *
 * It is linked statically and exec'd through a descriptor, because the VPS's root filesystem
 * may have no C library; it must not need any file at run time. All signals it cares about
 * are blocked and taken synchronously with sigtimedwait(): no handlers, no busy loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "vpsmgr/init-proc.h"
#include "vpsmgr/init-protocol.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define GRACE_MAX_SEC 3600u
/* While processes that are not init's children remain (they joined with setns() and their
 * exit sends init no SIGCHLD), init can only look again: this often. */
#define POLL_NSEC 20000000L

enum request {
        REQUEST_NONE,
        REQUEST_STOP,
        REQUEST_REBOOT,
        REQUEST_POWEROFF,
        REQUEST_WORKLOAD_DONE,
};

struct config {
        bool workload;
        struct init_identity user;  /* who CMD runs as (--user); root if not set */
        unsigned grace_sec;
        char **argv; /* the command, NULL for none */
};

struct state {
        pid_t main_pid;  /* the start command or workload while it runs, else 0 */
        int main_status; /* its wait status once reaped */
        bool main_reaped;
        enum request request;
        struct timespec term_deadline; /* SIGKILL after this */
        struct timespec kill_deadline; /* give up waiting after this */
        bool killed;
};

static char *default_rc_argv[] = { (char *) VPS_INIT_RC, NULL };

static void print_help(void) {
        printf("Usage: vps-init [--grace SEC] [--user UID:GID[:GID,...] [--vsu]] [--] [CMD [ARG...]]\n"
               "       vps-init [--grace SEC] [--user UID:GID[:GID,...] [--vsu]] --run [--] CMD [ARG...]\n"
               "\n"
               "PID 1 of a VPS: reaps orphans, runs CMD (default: " VPS_INIT_RC " if executable)\n"
               "and keeps running; shuts down on SIGTERM/SIGPWR from the host, reboots on\n"
               "SIGTERM from inside or SIGINT, powers off on SIGUSR1/SIGUSR2.\n"
               "\n"
               "  --run        workload mode: when CMD exits, shut down and exit with its status\n"
               "  --grace SEC  time between SIGTERM and SIGKILL at shutdown (default %u)\n"
               "  --user UID:GID[:GID,...]  run CMD as this (virtual) user and groups\n"
               "  --vsu        and with the VSU capability set (a VSU-list user)\n"
               "  -h, --help   this text\n",
               VPS_INIT_GRACE_DEFAULT_SEC);
}

static int parse_argv(int argc, char **argv, struct config *ret) {
        static const struct option options[] = {
                { "run", no_argument, NULL, 'r' },
                { "grace", required_argument, NULL, 'g' },
                { "user", required_argument, NULL, 'u' },
                { "vsu", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct config c = { .grace_sec = VPS_INIT_GRACE_DEFAULT_SEC };
        bool vsu = false;
        uint32_t u;
        int opt;

        /* "+": the first non-option starts CMD, whose own options stay its own. */
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (opt) {
                case 'r':
                        c.workload = true;
                        break;
                case 'g':
                        if (safe_atou32(optarg, &u) < 0 || u > GRACE_MAX_SEC)
                                return log_error_errno(-EINVAL, "invalid --grace '%s' (0..%u)",
                                                       optarg, GRACE_MAX_SEC);
                        c.grace_sec = u;
                        break;
                case 'u':
                        if (init_identity_parse(optarg, &c.user) < 0)
                                return log_error_errno(-EINVAL, "invalid --user '%s' (UID:GID[:GID,...])",
                                                       optarg);
                        break;
                case 'v':
                        vsu = true;
                        break;
                case 'h':
                        print_help();
                        exit(EXIT_SUCCESS);
                default:
                        return -EINVAL;
                }

        if (vsu && !c.user.set)
                return log_error_errno(-EINVAL, "--vsu needs --user");
        c.user.vsu = vsu;

        if (optind < argc)
                c.argv = argv + optind;
        else if (c.workload)
                return log_error_errno(-EINVAL, "--run needs a command");
        else if (access(VPS_INIT_RC, X_OK) == 0)
                c.argv = default_rc_argv;
        *ret = c;
        return 0;
}

/* Which request a signal makes: see the table in init-protocol.h. si_pid is 0 for a sender
 * outside our PID namespace, i.e. the host. */
static enum request request_from_signal(const siginfo_t *si) {
        bool from_host = si->si_pid == 0;

        switch (si->si_signo) {
        case SIGTERM:
                return from_host ? REQUEST_STOP : REQUEST_REBOOT;
        case SIGPWR:
                return from_host ? REQUEST_STOP : REQUEST_POWEROFF;
        case SIGINT:
                return REQUEST_REBOOT;
        case SIGUSR1:
        case SIGUSR2:
                return REQUEST_POWEROFF;
        default:
                return REQUEST_NONE;
        }
}

static struct timespec deadline_after(unsigned sec) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_sec += sec;
        return t;
}

/* Time left until deadline, or false if it has passed. */
static bool time_left(const struct timespec *deadline, struct timespec *ret) {
        struct timespec now;
        long long ns;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ns = (long long) (deadline->tv_sec - now.tv_sec) * 1000000000LL +
             (deadline->tv_nsec - now.tv_nsec);
        if (ns <= 0)
                return false;
        ret->tv_sec = ns / 1000000000LL;
        ret->tv_nsec = ns % 1000000000LL;
        return true;
}

static void begin_shutdown(struct state *s, enum request request, unsigned grace_sec) {
        if (request == REQUEST_NONE || s->request != REQUEST_NONE)
                return; /* not a request (SIGHUP); or the first request decides */
        s->request = request;
        s->term_deadline = deadline_after(grace_sec);
        s->kill_deadline = deadline_after(grace_sec + VPS_INIT_KILL_WAIT_SEC);
        log_debug("shutting down (request %d)", (int) request);
        /* SIGCONT too: a stopped process would not act on SIGTERM until the SIGKILL. */
        (void) kill(-1, SIGTERM);
        (void) kill(-1, SIGCONT);
}

static void reap(struct state *s, const struct config *c) {
        if (init_reap(s->main_pid, &s->main_status) > 0) {
                s->main_pid = 0;
                s->main_reaped = true;
                if (c->workload)
                        begin_shutdown(s, REQUEST_WORKLOAD_DONE, c->grace_sec);
        }
}

/* During shutdown: whether init may exit now; else, in *ret_timeout, how long to wait for
 * the next signal (NULL: until one comes). */
static bool shutdown_step(struct state *s, struct timespec *timeout, struct timespec **ret_timeout) {
        const struct timespec *deadline;
        struct timespec poll = { .tv_nsec = POLL_NSEC };

        if (!init_has_processes())
                return true;
        if (!s->killed && !time_left(&s->term_deadline, timeout)) {
                (void) kill(-1, SIGKILL);
                s->killed = true;
        }
        deadline = s->killed ? &s->kill_deadline : &s->term_deadline;
        if (!time_left(deadline, timeout))
                return true; /* only processes stuck beyond SIGKILL remain */
        if (!init_has_children() && (timeout->tv_sec > 0 || timeout->tv_nsec > POLL_NSEC))
                *timeout = poll;
        *ret_timeout = timeout;
        return false;
}

static int exit_code(const struct state *s, const struct config *c) {
        if (c->workload)
                return s->main_reaped ? vps_init_status_code(s->main_status) : 128 + SIGKILL;
        switch (s->request) {
        case REQUEST_REBOOT:
                return VPS_INIT_EXIT_REBOOT;
        case REQUEST_POWEROFF:
                return VPS_INIT_EXIT_POWEROFF;
        default:
                return VPS_INIT_EXIT_STOPPED;
        }
}

static int run(const struct config *c, const sigset_t *mask) {
        struct state s = {};
        int r;

        if (c->argv) {
                r = init_spawn(c->argv, c->workload, &c->user, &s.main_pid);
                if (r < 0) {
                        log_error_errno(r, "cannot start '%s': %m", c->argv[0]);
                        if (c->workload)
                                return VPS_INIT_EXIT_FAILURE;
                }
        }

        for (;;) {
                struct timespec timeout, *wait_for = NULL;
                siginfo_t si;

                reap(&s, c);
                if (s.request != REQUEST_NONE && shutdown_step(&s, &timeout, &wait_for))
                        break;

                if (sigtimedwait(mask, &si, wait_for) < 0)
                        continue; /* EAGAIN: time to look again; EINTR */
                if (si.si_signo != SIGCHLD)
                        begin_shutdown(&s, request_from_signal(&si), c->grace_sec);
        }
        reap(&s, c);
        return exit_code(&s, c);
}

int main(int argc, char **argv) {
        struct config c = {};
        sigset_t mask;

        log_set_program("vps-init");
        if (parse_argv(argc, argv, &c) < 0)
                return VPS_INIT_EXIT_FAILURE;
        /* Anywhere but PID 1 of a PID namespace, kill(-1) would reach the whole host. */
        if (getpid() != 1) {
                log_error("must run as PID 1 of a PID namespace (this is PID %d)", (int) getpid());
                return VPS_INIT_EXIT_FAILURE;
        }

        sigemptyset(&mask);
        for (const int *sig = (const int[]) { SIGCHLD, SIGTERM, SIGPWR, SIGINT, SIGUSR1,
                                              SIGUSR2, SIGHUP, 0 };
             *sig; sig++)
                sigaddset(&mask, *sig);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                log_error_errno(errno, "cannot block signals: %m");
                return VPS_INIT_EXIT_FAILURE;
        }
        (void) chdir("/");
        if (!getenv("PATH"))
                (void) setenv("PATH", DEFAULT_PATH, 1);

        return run(&c, &mask);
}
