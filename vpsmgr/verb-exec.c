/* vpsmgr exec / enter: a command, or a login shell on a new pty, inside a running VPS as
 * one of its users (exec-spawn.h), its exit status ours. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/vsu.h"
#include "vpsmgr/args.h"
#include "vpsmgr/exec-spawn.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/pty-relay.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/stdio-relay.h"
#include "vpsmgr/vps-open.h"

struct exec_options {
        const char *user;
        bool tty;
        char *const *argv;  /* NULL for enter */
};

static int parse(const char *verb, int argc, char **argv, struct exec_options *o) {
        static const struct option options[] = {
                { "user", required_argument, NULL, 'u' },
                { "tty", no_argument, NULL, 't' },
                {},
        };
        bool enter = strcmp(verb, "enter") == 0;
        int c;

        args_reset();
        while ((c = args_next(verb, argc, argv, enter ? "u:" : "u:t", options)) != -1) {
                if (c == 'u')
                        o->user = optarg;
                else if (c == 't' && !enter)
                        o->tty = true;
                else {
                        if (c == 't')
                                log_error("%s: unknown option '--tty'", verb);
                        return c < 0 ? c : -EINVAL;
                }
        }
        return 0;
}

static int report_failure(const char *name, const struct exec_options *o, const struct vps_step_error *e) {
        int r = -e->error;

        if (strcmp(e->step, "look up user") == 0 && r == -ESRCH)
                return log_error_errno(r, "%s: no such user '%s'", name, o->user);
        if (strcmp(e->step, "exec") == 0) {
                log_error_errno(r, "%s: cannot run '%s': %m", name, o->argv ? o->argv[0] : "the login shell");
                return r == -ENOENT ? 127 : 126;
        }
        return log_error_errno(r, "%s: cannot exec: %s: %m", name, e->step);
}

static int exec_or_enter(const struct vpsmgr_context *ctx, const char *verb, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1, vps_fd = -1, init_pidfd = -1, cgfd = -1;
        _cleanup_vsu_list_ struct vsu_list *vsu = NULL;
        _cleanup_free_ char *error = NULL;
        struct exec_options o = {};
        struct vps_step_error e = {};
        struct exec_child child = { .pidfd = -1, .master_fd = -1, .stdio_fds = { -1, -1, -1 } };
        struct vps_handle h = {};
        struct winsize ws;
        const char *name;
        int dd = args_find_dashdash(argc, argv), r, code;

        if (strcmp(verb, "exec") == 0) {
                if (dd >= argc - 1) {
                        log_error("exec: missing -- CMD");
                        return -EINVAL;
                }
                o.argv = argv + dd + 1;
        } else if (dd < argc) {
                log_error("enter: unexpected argument '--' (enter runs the user's login shell)");
                return -EINVAL;
        }
        r = parse(verb, dd, argv, &o);
        if (r >= 0)
                r = vps_open_from_args(ctx, verb, dd, argv, &name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        if (!o.argv)
                o.tty = true;

        r = vps_handle_init(&h, ctx, name, vps_fd);
        if (r < 0)
                return log_error_errno(r, "%s: cannot find its paths or cgroup: %m", name);
        /* The recorded init, if it is still that process and in the VPS's cgroup. */
        r = runstate_pidfd(vps_fd, RUN_INIT, h.cgroup_parent, name, &init_pidfd, NULL);
        if (r >= 0)
                r = vps_handle_cgroup(&h, &cgfd);
        vps_handle_done(&h);
        if (r < 0) {
                log_error("%s: not running", name);
                return -ESRCH;
        }

        /* Read here, on the host, for B inside, where USER's uid becomes known. Root needs
         * no list: it has every capability of the VPS anyway. */
        r = o.user ? vsu_list_load_at(vps_fd, "vsu", &vsu, &error) : 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its VSU list: %s", name, error ?: strerror(-r));

        struct exec_request req = {
                .init_pidfd = init_pidfd,
                .cgroup_fd = cgfd,
                .user = o.user,
                .vsu = vsu,
                .argv = o.argv,
                .pty = o.tty,
                .winsize = o.tty && pty_relay_winsize(&ws) ? &ws : NULL,
                .term = getenv("TERM"),
                /* Our terminal never goes in: what the command (or one it leaves behind)
                 * could read from it or write to it would not end with exec. */
                .pipe_stdio = { isatty(STDIN_FILENO), isatty(STDOUT_FILENO), isatty(STDERR_FILENO) },
        };
        r = exec_spawn(&req, &child, &e);
        if (r < 0)
                return report_failure(name, &o, &e);
        if (child.master_fd >= 0) {
                r = pty_relay(child.master_fd, child.pidfd);
                if (r < 0)
                        log_warning_errno(r, "%s: terminal relay: %m", name);
                child.master_fd = safe_close(child.master_fd);
        } else if (child.stdio_fds[0] >= 0 || child.stdio_fds[1] >= 0 || child.stdio_fds[2] >= 0) {
                r = stdio_relay(child.stdio_fds, child.pidfd);
                if (r < 0)
                        log_warning_errno(r, "%s: terminal relay: %m", name);
        }
        code = exec_wait(&child);
        return code;
}

static int exec_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        return exec_or_enter(ctx, "exec", argc, argv);
}

static int enter_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        return exec_or_enter(ctx, "enter", argc, argv);
}

const struct verb verb_exec = {
        .name = "exec",
        .summary = "run a command inside a running VPS",
        .usage =
                "Usage: vpsmgr exec NAME [--user USER] [--tty] -- CMD [ARG...]\n"
                "\n"
                "Runs CMD inside the running VPS NAME: in its cgroup and all its namespaces, as\n"
                "USER (a name or a number; default root) as the VPS's own /etc/passwd and\n"
                "/etc/group say (uid, gid, supplementary groups, HOME, shell), with the\n"
                "environment PATH, HOME, USER, LOGNAME, SHELL and the caller's TERM. CMD is\n"
                "searched in PATH inside the VPS. Standard streams that are files or pipes pass\n"
                "through as they are; one that is a terminal does not enter the VPS: CMD gets a\n"
                "pipe, which exec relays to and from the terminal (in its usual mode, line\n"
                "editing and ctrl-C as ever) until CMD exits, then closes. A process CMD leaves\n"
                "running keeps only that closed pipe. The exit status is CMD's (128+N if a\n"
                "signal N ended it; 127 if it was not found).\n"
                "A USER on the VPS's VSU list (vpsmgr vsu) keeps its uid and gets the VSU\n"
                "capability set; root has all of the VPS's; anyone else none.\n"
                "\n"
                "Options:\n"
                "  -u, --user USER  the user to run as\n"
                "  -t, --tty        give CMD a new terminal (a pty of the VPS), relayed to ours\n"
                "  -h, --help       this text\n"
                "\n"
                "Needs root.\n",
        .run = exec_run,
};

const struct verb verb_enter = {
        .name = "enter",
        .summary = "a login shell inside a running VPS",
        .usage =
                "Usage: vpsmgr enter NAME [--user USER]\n"
                "\n"
                "Runs USER's login shell (default root's) inside the running VPS NAME on a new\n"
                "terminal from the VPS's own devpts, relayed to ours in raw mode, window size\n"
                "changes included. The VPS never gets a descriptor of our terminal. Exits with\n"
                "the shell's status.\n"
                "A USER on the VPS's VSU list gets the VSU capabilities, as with exec.\n"
                "\n"
                "Options:\n"
                "  -u, --user USER  the user (a name or a number in the VPS's /etc/passwd)\n"
                "  -h, --help       this text\n"
                "\n"
                "Needs root.\n",
        .run = enter_run,
};
