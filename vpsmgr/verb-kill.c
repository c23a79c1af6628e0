/* vpsmgr kill: signals processes of a VPS from the host (DESIGN.md, FIG. 13), chosen through
 * the VPID table (the VPS's cgroup), never by a host PID: a process outside the VPS cannot be
 * named, and no signal is ever sent with kill(2) (whose 0 and negative PIDs mean groups and
 * everyone), only through pidfds of processes proven to be the VPS's (vps-procs.c).
 *
 * Several processes are signalled with the cgroup frozen: between collecting them and
 * signalling them nothing can fork, so no child escapes by being born in between. SIGKILL to
 * all goes through cgroup.kill, which the kernel makes atomic with respect to fork itself. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>

#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/idmap.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/signal-name.h"
#include "vpsmgr/state.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"
#include "vpsmgr/vps-procs.h"

#define FREEZE_TIMEOUT_MS 5000

enum kill_mode {
        KILL_PID,        /* one process, by its PID inside */
        KILL_ALL_BUT_INIT, /* -1 */
        KILL_GID,        /* real gid */
        KILL_USER,       /* real uid */
        KILL_ALL,        /* init included */
};

struct kill_request {
        const char *name;
        enum kill_mode mode;
        int sig;
        pid_t vpid;       /* KILL_PID */
        const char *id;   /* KILL_GID, KILL_USER: as given */
        uint32_t alt;     /* the host ID it stands for */
};

static bool kill_matches(const struct kill_request *k, const struct vps_proc *p) {
        switch (k->mode) {
        case KILL_PID:
                return p->vpid == k->vpid;
        case KILL_ALL_BUT_INIT:
                return p->vpid != 1;
        case KILL_GID:
                return p->gid == k->alt;
        case KILL_USER:
                return p->uid == k->alt;
        case KILL_ALL:
                return true;
        }
        return false;
}

/* Signals every matching process; *ret_n counts those that were still there to get it. */
static int kill_matching(const struct kill_request *k, const struct vps_procs *procs, size_t *ret_n) {
        size_t n = 0;

        for (size_t i = 0; i < procs->n; i++) {
                if (!kill_matches(k, &procs->procs[i]))
                        continue;
                if (pidfd_send_signal(procs->procs[i].pidfd, k->sig, NULL, 0) < 0) {
                        if (errno == ESRCH)
                                continue; /* died meanwhile */
                        return log_error_errno(negative_errno(), "%s: cannot signal process %d: %m", k->name,
                                               (int) procs->procs[i].pid);
                }
                n++;
        }
        *ret_n = n;
        return 0;
}

static int kill_one(const struct kill_request *k, int cgfd, const char *parent, size_t *ret_n) {
        struct vps_procs procs = {};
        bool found = false;
        int r;

        r = vps_procs_collect(cgfd, parent, k->name, &procs);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list its processes: %m", k->name);
        for (size_t i = 0; i < procs.n; i++)
                found = found || kill_matches(k, &procs.procs[i]);
        if (!found) {
                vps_procs_done(&procs);
                log_error("%s: no process %d in this VPS", k->name, (int) k->vpid);
                return -ESRCH;
        }
        r = kill_matching(k, &procs, ret_n);
        vps_procs_done(&procs);
        if (r >= 0 && *ret_n == 0) {
                log_error("%s: no process %d in this VPS (it has just exited)", k->name, (int) k->vpid);
                return -ESRCH;
        }
        return r;
}

static int kill_frozen(const struct kill_request *k, int vps_fd, int cgfd, const char *parent,
                       size_t *ret_n) {
        _cleanup_free_ char *frozen = NULL;
        _cleanup_close_ int lock_fd = -1;
        struct vps_procs procs = {};
        bool thaw = false;
        int r, q;

        /* Two kills must not thaw each other's freeze. Not the VPS's lock: a stop may hold
         * that for its whole timeout, and a kill is what one sends to a stop that hangs. */
        lock_fd = vpsdb_lock_at(vps_fd, "run/kill.lock", true);
        if (lock_fd < 0)
                return log_error_errno(lock_fd, "%s: cannot take run/kill.lock: %m", k->name);
        /* Someone froze it on purpose: leave it frozen (signals wait for the thaw). */
        r = read_file_at(cgfd, "cgroup.freeze", 16, &frozen, NULL);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read cgroup.freeze: %m", k->name);
        if (frozen[0] != '1') {
                r = cgroup_freeze(cgfd, FREEZE_TIMEOUT_MS);
                thaw = r >= 0 || r == -ETIMEDOUT;
                /* A process stuck in the kernel (a hung file system) delays the freeze; the
                 * signals still go out, without the guarantee. */
                if (r == -ETIMEDOUT)
                        log_warning("%s: not frozen within %d ms; a process forked meanwhile may escape",
                                    k->name, FREEZE_TIMEOUT_MS);
                else if (r < 0)
                        return log_error_errno(r, "%s: cannot freeze: %m", k->name);
        }

        r = vps_procs_collect(cgfd, parent, k->name, &procs);
        if (r < 0)
                log_error_errno(r, "%s: cannot list its processes: %m", k->name);
        else
                r = kill_matching(k, &procs, ret_n);
        vps_procs_done(&procs);

        if (thaw) {
                q = cgroup_thaw(cgfd, FREEZE_TIMEOUT_MS);
                if (q < 0 && r >= 0)
                        r = log_error_errno(q, "%s: cannot thaw: %m", k->name);
        }
        return r;
}

static int kill_all_sigkill(const struct kill_request *k, int cgfd, const char *parent, size_t *ret_n) {
        struct vps_procs procs = {};
        int r;

        /* The count is of the processes there just before; cgroup.kill takes them and any
         * child they fork meanwhile. */
        r = vps_procs_collect(cgfd, parent, k->name, &procs);
        if (r < 0)
                return log_error_errno(r, "%s: cannot list its processes: %m", k->name);
        *ret_n = procs.n;
        vps_procs_done(&procs);
        r = cgroup_kill(cgfd);
        if (r < 0)
                return log_error_errno(r, "%s: cgroup.kill: %m", k->name);
        return 0;
}

/* The VPS's alternative ID for the --gid or --user argument. */
static int kill_resolve_id(struct kill_request *k, int vps_fd) {
        _cleanup_idmap_ struct idmap *m = NULL;
        _cleanup_free_ char *error = NULL;
        bool gid = k->mode == KILL_GID;
        uint32_t virt;
        int r;

        if (gid) {
                r = args_uint32("kill", "--gid", k->id, 0, UINT32_MAX - 1, &virt);
                if (r < 0)
                        return r;
        } else {
                _cleanup_free_ char *passwd = NULL;
                int pw_error;

                /* The VPS's root owns the file: unreadable, it still allows a vuid. */
                pw_error = passwd_read_vps(vps_fd, &passwd);
                r = passwd_uid_of(passwd ?: "", k->id, UINT32_MAX - 1, &virt);
                if (r == -ERANGE)
                        return log_error_errno(r, "kill: invalid value '%s' for --user", k->id);
                if (r == -ESRCH && pw_error < 0)
                        return log_error_errno(pw_error,
                                               "%s: cannot look up '%s': cannot read its /etc/passwd: %m",
                                               k->name, k->id);
                if (r < 0)
                        return log_error_errno(r, "%s: no user '%s' in its /etc/passwd", k->name, k->id);
        }
        r = idmap_load_at(vps_fd, "idmap", &m, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its translation table: %s", k->name,
                                       error ?: strerror(-r));
        r = idmap_to_alt(m, gid ? IDMAP_GID : IDMAP_UID, virt, &k->alt);
        if (r < 0)
                return log_error_errno(r, "%s: %s %" PRIu32 " is not in its translation table", k->name,
                                       gid ? "gid" : "uid", virt);
        return 0;
}

static int kill_print(const struct vpsmgr_context *ctx, const struct kill_request *k, size_t n) {
        char buf[16];
        struct json j;

        if (!ctx->json) {
                printf("signalled %zu process%s\n", n, n == 1 ? "" : "es");
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, k->name);
        json_key(&j, "signal");
        json_int(&j, k->sig);
        json_key(&j, "signal_name");
        json_string(&j, signal_to_string(k->sig, buf, sizeof(buf)));
        json_key(&j, "signalled");
        json_uint(&j, n);
        json_end_object(&j);
        return json_finish(&j);
}

static int kill_execute(const struct vpsmgr_context *ctx, struct kill_request *k, int vps_fd) {
        _cleanup_free_ char *cg_root = NULL;
        _cleanup_close_ int cgfd = -1;
        bool running = false;
        size_t n = 0;
        int r;

        if (k->mode == KILL_GID || k->mode == KILL_USER) {
                r = kill_resolve_id(k, vps_fd);
                if (r < 0)
                        return r;
        }
        r = vps_is_running(ctx->cgroup_parent, vps_fd, k->name, &running);
        if (r < 0)
                return log_error_errno(r, "%s: cannot tell whether it runs: %m", k->name);
        r = running ? cgroup_find_root(&cg_root) : -ENOENT;
        if (r >= 0)
                r = cgroup_open(cg_root, ctx->cgroup_parent, k->name, &cgfd);
        if (r == -ENOENT || r == -ENOMEDIUM) {
                log_error("%s: not running", k->name);
                return -ESRCH;
        }
        if (r < 0)
                return log_error_errno(r, "%s: cannot open its cgroup: %m", k->name);

        if (k->mode == KILL_PID)
                r = kill_one(k, cgfd, ctx->cgroup_parent, &n);
        else if (k->mode == KILL_ALL && k->sig == SIGKILL)
                r = kill_all_sigkill(k, cgfd, ctx->cgroup_parent, &n);
        else
                r = kill_frozen(k, vps_fd, cgfd, ctx->cgroup_parent, &n);
        if (r < 0)
                return r;
        return kill_print(ctx, k, n);
}

static int kill_set_mode(struct kill_request *k, enum kill_mode mode, const char *id) {
        if (k->mode != KILL_PID) {
                log_error("kill: give one of PID, -1, --gid GID, --user USER or --all");
                return -EINVAL;
        }
        k->mode = mode;
        k->id = id;
        return 0;
}

static int kill_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "signal", required_argument, NULL, 's' },
                { "gid", required_argument, NULL, 'g' },
                { "user", required_argument, NULL, 'u' },
                { "all", no_argument, NULL, 'a' },
                {},
        };
        struct kill_request k = { .mode = KILL_PID, .sig = SIGTERM };
        _cleanup_close_ int root_fd = -1, vps_fd = -1;
        int c, r, n_pos;
        uint32_t v;

        args_reset();
        /* "-1" is an option to getopt: take it as one ('1'). */
        while ((c = args_next("kill", argc, argv, "s:1", options)) != -1) {
                switch (c) {
                case 's':
                        k.sig = signal_from_string(optarg);
                        if (k.sig < 0) {
                                log_error("kill: invalid signal '%s' "
                                          "(a name like TERM or SIGTERM, or a number 1..%d)", optarg, SIGRTMAX);
                                return -EINVAL;
                        }
                        r = 0;
                        break;
                case '1':
                        r = kill_set_mode(&k, KILL_ALL_BUT_INIT, NULL);
                        break;
                case 'g':
                        r = kill_set_mode(&k, KILL_GID, optarg);
                        break;
                case 'u':
                        r = kill_set_mode(&k, KILL_USER, optarg);
                        break;
                case 'a':
                        r = kill_set_mode(&k, KILL_ALL, NULL);
                        break;
                default:
                        return c < 0 ? c : -EINVAL;
                }
                if (r < 0)
                        return r;
        }

        /* "kill NAME -- -1" reaches us as a positional "-1". */
        n_pos = argc - optind;
        if (k.mode == KILL_PID && n_pos == 2 && strcmp(argv[optind + 1], "-1") == 0) {
                k.mode = KILL_ALL_BUT_INIT;
                n_pos = 1;
        } else if (k.mode == KILL_PID) {
                r = args_positional("kill", argc, argv, 2, 2, "NAME and PID (or -1, --gid, --user, --all)");
                if (r < 0)
                        return r;
                r = args_uint32("kill", "PID", argv[optind + 1], 1, INT32_MAX, &v);
                if (r < 0)
                        return r;
                k.vpid = (pid_t) v;
        } else {
                r = args_positional("kill", argc, argv, 1, 1, "NAME");
                if (r < 0)
                        return r;
        }

        k.name = argv[optind];
        r = args_vps_name(k.name);
        if (r >= 0)
                r = args_require_root();
        if (r >= 0)
                r = vps_open(ctx, k.name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        return kill_execute(ctx, &k, vps_fd);
}

const struct verb verb_kill = {
        .name = "kill",
        .summary = "signal processes of a running VPS",
        .usage =
                "Usage: vpsmgr [--json] kill NAME [-s SIG] PID\n"
                "       vpsmgr [--json] kill NAME [-s SIG] -1 | --gid GID | --user USER | --all\n"
                "\n"
                "Sends SIG (default TERM) to processes of the VPS NAME, chosen through its VPID\n"
                "table (its cgroup), so that no process outside it is ever reached:\n"
                "  PID          the process with this PID inside the VPS\n"
                "  -1           every process of the VPS except its init\n"
                "  --gid GID    every process whose real virtual gid is GID\n"
                "  --user USER  every process whose real virtual uid is USER's (a name from the\n"
                "               VPS's /etc/passwd, or a vuid)\n"
                "  --all        every process, init included: this ends the VPS\n"
                "\n"
                "Several processes are signalled with the VPS frozen, so that none escapes by\n"
                "forking meanwhile; --all with KILL goes through cgroup.kill. Prints how many\n"
                "processes it signalled; with --json {\"name\", \"signal\", \"signal_name\",\n"
                "\"signalled\"}.\n"
                "\n"
                "Options:\n"
                "  -s, --signal SIG  a name (TERM, SIGTERM, RTMIN+1) or a number\n"
                "  -h, --help        this text\n"
                "\n"
                "Needs root.\n",
        .run = kill_run,
};
