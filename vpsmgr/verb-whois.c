/* vpsmgr whois: which VPS a host PID belongs to (the VPID table: its cgroup), or which VPS
 * and virtual ID an alternative uid or gid stands for (the pool and the VPS's table). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"
#include "common/log.h"
#include "common/pool.h"
#include "common/vpid.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/state.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"

enum whois_kind {
        WHOIS_PID,
        WHOIS_UID,
        WHOIS_GID,
};

static int load_pool(const struct vpsmgr_context *ctx, struct pool **ret) {
        _cleanup_close_ int root_fd = -1;
        _cleanup_free_ char *error = NULL;
        int r;

        r = vps_open_root(ctx, NULL, &root_fd);
        if (r == -ENOENT) {
                *ret = pool_new();
                return *ret ? 0 : log_error_errno(-ENOMEM, "%m");
        }
        if (r < 0)
                return r;
        r = pool_load(root_fd, ret, &error);
        if (r < 0)
                return log_error_errno(r, "cannot read the pool: %s", error ?: strerror(-r));
        return 0;
}

static int whois_pid(const struct vpsmgr_context *ctx, pid_t pid) {
        _cleanup_pool_ struct pool *pool = NULL;
        _cleanup_free_ char *name = NULL;
        const struct pool_entry *e = NULL;
        pid_t inside = 0;
        struct json j;
        int r;

        r = vpid_of_pid(pid, ctx->cgroup_parent, &name);
        if (r == -ESRCH)
                return log_error_errno(r, "no process %d", (int) pid);
        if (r == -ENOENT)
                return log_error_errno(r, "process %d is in no VPS", (int) pid);
        if (r < 0)
                return log_error_errno(r, "cannot read the cgroup of process %d: %m", (int) pid);
        r = load_pool(ctx, &pool);
        if (r < 0)
                return r;
        (void) pool_find_name(pool, name, &e);
        if (proc_pid_inside(pid, &inside) < 0)
                inside = 0; /* it may have died meanwhile */

        if (!ctx->json) {
                printf("pid:         %d\n", (int) pid);
                printf("vps:         %s\n", name);
                if (e)
                        printf("vpid:        %" PRIu32 "\n", e->vpid);
                if (inside > 0)
                        printf("pid inside:  %d\n", (int) inside);
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "pid");
        json_int(&j, pid);
        json_key(&j, "name");
        json_string(&j, name);
        json_key(&j, "vpid");
        if (e)
                json_uint(&j, e->vpid);
        else
                json_null(&j);
        json_key(&j, "pid_inside");
        if (inside > 0)
                json_int(&j, inside);
        else
                json_null(&j);
        json_end_object(&j);
        return json_finish(&j);
}

static int whois_id(const struct vpsmgr_context *ctx, enum whois_kind kind, uint32_t alt) {
        const char *what = kind == WHOIS_UID ? "uid" : "gid";
        _cleanup_pool_ struct pool *pool = NULL;
        _cleanup_idmap_ struct idmap *m = NULL;
        _cleanup_close_ int root_fd = -1, vps_fd = -1;
        _cleanup_free_ char *error = NULL;
        const struct pool_entry *e;
        uint32_t virt;
        struct json j;
        int r;

        r = load_pool(ctx, &pool);
        if (r < 0)
                return r;
        if (pool_find_id(pool, alt, &e) < 0)
                return log_error_errno(-ENOENT, "%s %" PRIu32 " belongs to no VPS", what, alt);
        /* The block says which VPS; its translation table, the source of truth, says which
         * virtual ID. */
        r = vps_open(ctx, e->name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        r = idmap_load_at(vps_fd, "idmap", &m, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its translation table: %s", e->name,
                                       error ?: strerror(-r));
        r = idmap_to_virt(m, kind == WHOIS_UID ? IDMAP_UID : IDMAP_GID, alt, &virt);
        if (r < 0)
                return log_error_errno(r, "%s %" PRIu32 " is in the ID block of %s but not in its translation table",
                                       what, alt, e->name);

        if (!ctx->json) {
                printf("%s:          %" PRIu32 "\n", what, alt);
                printf("vps:          %s\n", e->name);
                printf("vpid:         %" PRIu32 "\n", e->vpid);
                printf("virtual %s:  %" PRIu32 "\n", what, virt);
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, what);
        json_uint(&j, alt);
        json_key(&j, "name");
        json_string(&j, e->name);
        json_key(&j, "vpid");
        json_uint(&j, e->vpid);
        json_key(&j, kind == WHOIS_UID ? "virtual_uid" : "virtual_gid");
        json_uint(&j, virt);
        json_end_object(&j);
        return json_finish(&j);
}

static int whois_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "uid", required_argument, NULL, 'u' },
                { "gid", required_argument, NULL, 'g' },
                {},
        };
        enum whois_kind kind = WHOIS_PID;
        const char *value = NULL;
        uint32_t v;
        int c, r;

        args_reset();
        while ((c = args_next("whois", argc, argv, "", options)) != -1) {
                if (c != 'u' && c != 'g')
                        return c < 0 ? c : -EINVAL;
                if (value) {
                        log_error("whois: give one PID, --uid ALT or --gid ALT");
                        return -EINVAL;
                }
                kind = c == 'u' ? WHOIS_UID : WHOIS_GID;
                value = optarg;
        }
        r = args_positional("whois", argc, argv, value ? 0 : 1, value ? 0 : 1, "PID (or --uid ALT)");
        if (r < 0)
                return r;
        if (kind == WHOIS_PID) {
                r = args_uint32("whois", "PID", argv[optind], 1, INT32_MAX, &v);
                if (r >= 0)
                        r = args_require_root();
                return r < 0 ? r : whois_pid(ctx, (pid_t) v);
        }
        r = args_uint32("whois", kind == WHOIS_UID ? "--uid" : "--gid", value, 0, UINT32_MAX - 1, &v);
        if (r >= 0)
                r = args_require_root();
        return r < 0 ? r : whois_id(ctx, kind, v);
}

const struct verb verb_whois = {
        .name = "whois",
        .summary = "which VPS a host PID, uid or gid belongs to",
        .usage =
                "Usage: vpsmgr [--json] whois PID\n"
                "       vpsmgr [--json] whois --uid ALT | --gid ALT\n"
                "\n"
                "whois PID: the VPS the host process PID belongs to (the VPID table: the VPS's\n"
                "cgroup holds it and all its descendants), its VPID, and its PID inside the VPS\n"
                "(the last NSpid field of /proc/PID/status).\n"
                "\n"
                "whois --uid ALT (--gid ALT): the VPS whose ID block holds the alternative (host)\n"
                "uid (gid) ALT, its VPID, and the virtual uid (gid) ALT stands for there, from the\n"
                "VPS's translation table: with the default table, ALT = VPID << 16 | virtual.\n"
                "\n"
                "With --json: {pid, name, vpid, pid_inside} or {uid|gid, name, vpid,\n"
                "virtual_uid|virtual_gid}.\n"
                "\n"
                "Options:\n"
                "  --uid ALT   look up an alternative uid\n"
                "  --gid ALT   look up an alternative gid\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = whois_run,
};
