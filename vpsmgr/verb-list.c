/* vpsmgr list: every VPS in the state directory, one line each (or a JSON array). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pool.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-info.h"
#include "vpsmgr/vps-open.h"

static void print_row(const struct vps_info *i, int width) {
        char vpid[16] = "-", ids[32] = "-", init[16] = "-", uptime[32];

        if (i->has_entry) {
                snprintf(vpid, sizeof(vpid), "%" PRIu32, i->entry.vpid);
                snprintf(ids, sizeof(ids), "%" PRIu32 "-%" PRIu32, i->entry.base, i->entry.base + i->entry.count - 1);
        }
        if (i->rt.init_pid > 0)
                snprintf(init, sizeof(init), "%d", (int) i->rt.init_pid);
        format_duration(i->rt.uptime, uptime, sizeof(uptime));
        printf("%-*s  %-8s %5s  %-21s %7s %6zu  %s\n", width, i->name, vps_info_state(i), vpid, ids, init,
               i->rt.n_processes, uptime);
}

static void json_row(struct json *j, const struct vps_info *i) {
        json_begin_object(j);
        json_key(j, "name");
        json_string(j, i->name);
        json_key(j, "state");
        json_string(j, vps_info_state(i));
        json_key(j, "vpid");
        if (i->has_entry)
                json_uint(j, i->entry.vpid);
        else
                json_null(j);
        json_key(j, "id_base");
        if (i->has_entry)
                json_uint(j, i->entry.base);
        else
                json_null(j);
        json_key(j, "id_count");
        json_uint(j, i->has_entry ? i->entry.count : 0);
        json_key(j, "init_pid");
        if (i->rt.init_pid > 0)
                json_int(j, i->rt.init_pid);
        else
                json_null(j);
        json_key(j, "processes");
        json_uint(j, i->rt.n_processes);
        json_key(j, "uptime_seconds");
        if (i->rt.uptime >= 0)
                json_int(j, i->rt.uptime);
        else
                json_null(j);
        json_end_object(j);
}

static int list_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1;
        _cleanup_names_ char **names = NULL;
        _cleanup_pool_ struct pool *pool = NULL;
        _cleanup_free_ char *error = NULL;
        int r, width = 4;
        struct json j;

        r = args_no_options("list", argc, argv);
        if (r >= 0)
                r = args_positional("list", argc, argv, 0, 0, "");
        if (r >= 0)
                r = args_require_root();
        if (r < 0)
                return r;

        r = vps_open_root(ctx, NULL, &root_fd);
        if (r == -ENOENT) {
                /* No state directory yet: no VPS. */
                names = calloc(1, sizeof(char *));
                pool = pool_new();
                if (!names || !pool)
                        return log_error_errno(-ENOMEM, "%m");
        } else if (r < 0) {
                return r;
        } else {
                r = vpsdb_list(root_fd, &names);
                if (r < 0)
                        return log_error_errno(r, "cannot list '%s': %m", ctx->root);
                r = pool_load(root_fd, &pool, &error);
                if (r < 0)
                        return log_error_errno(r, "cannot read the pool: %s", error ?: strerror(-r));
        }

        if (ctx->json) {
                json_init(&j, stdout);
                json_begin_array(&j);
        } else {
                for (char **n = names; *n; n++)
                        width = MAX(width, (int) strlen(*n));
                printf("%-*s  %-8s %5s  %-21s %7s %6s  %s\n", width, "NAME", "STATE", "VPID", "IDS", "INIT",
                       "PROCS", "UPTIME");
        }
        for (char **n = names; *n; n++) {
                _cleanup_close_ int vps_fd = vpsdb_open_vps(root_fd, *n);
                struct vps_info info;

                if (vps_fd == -ENOENT)
                        continue; /* destroyed since the listing */
                if (vps_fd < 0)
                        return log_error_errno(vps_fd, "%s: cannot open: %m", *n);
                r = vps_info_load(ctx, vps_fd, pool, *n, &info);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read its state: %m", *n);
                if (ctx->json)
                        json_row(&j, &info);
                else
                        print_row(&info, width);
                vps_info_done(&info);
        }
        if (ctx->json) {
                json_end_array(&j);
                return json_finish(&j);
        }
        return 0;
}

const struct verb verb_list = {
        .name = "list",
        .summary = "list the VPSs: state, VPID, IDs, init PID, processes, uptime",
        .usage =
                "Usage: vpsmgr [--json] list\n"
                "\n"
                "Lists every VPS: NAME, STATE (running: its cgroup holds a process or its\n"
                "vpsfs is mounted; stopped; broken: config or pool entry unreadable, e.g. after\n"
                "an interrupted create or destroy -- destroy removes it), VPID, IDS (its block\n"
                "of alternative IDs), INIT (host PID of its init, if it runs), PROCS (processes\n"
                "in its cgroup) and UPTIME.\n"
                "\n"
                "With --json: an array of objects with name, state, vpid, id_base, id_count,\n"
                "init_pid, processes and uptime_seconds (null where unknown).\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root (the state directory is root's alone).\n",
        .run = list_run,
};
