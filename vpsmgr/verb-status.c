/* vpsmgr status: one VPS in detail: state, VPID, IDs, config, VSUs, paths, cgroup. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/pool.h"
#include "common/vsu.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-info.h"
#include "vpsmgr/vps-open.h"

struct status {
        const struct vpsmgr_context *ctx;
        struct vps_info info;
        struct vsu_list *vsu;  /* NULL if unreadable */
        char uptime[32];
};

static const char *limit_string(uint64_t v, char *buf, size_t size) {
        if (v == VPS_LIMIT_MAX)
                return "max";
        snprintf(buf, size, "%" PRIu64, v);
        return buf;
}

static void print_text(const struct status *s) {
        const struct vps_info *i = &s->info;
        const struct vps_config *c = i->config;
        char buf[32];

        printf("name:        %s\n", i->name);
        printf("state:       %s\n", vps_info_state(i));
        if (i->problem)
                printf("problem:     %s\n", i->problem);
        if (i->has_entry) {
                printf("vpid:        %" PRIu32 "\n", i->entry.vpid);
                printf("ids:         %" PRIu32 "-%" PRIu32 " (%" PRIu32 ")\n", i->entry.base,
                       i->entry.base + i->entry.count - 1, i->entry.count);
                printf("vsuid:       %" PRIu32 "\n", i->entry.base);
        }
        if (c) {
                printf("hostname:    %s\n", c->hostname ?: i->name);
                printf("start_cmd:   %s\n", c->start_cmd ?: "(default: /etc/vps/rc if present)");
                printf("network:     %s\n", vps_network_to_string(c->network));
                printf("memory_max:  %s\n", limit_string(c->memory_max, buf, sizeof(buf)));
                printf("pids_max:    %s\n", limit_string(c->pids_max, buf, sizeof(buf)));
        }
        if (s->vsu) {
                printf("vsu:         0");
                for (size_t k = 0; k < s->vsu->n; k++)
                        printf(" %" PRIu32, s->vsu->vuids[k]);
                printf("\n");
        }
        printf("rootfs:      %s/%s/rootfs\n", s->ctx->root, i->name);
        printf("mount point: %s/%s/mnt (%s)\n", s->ctx->root, i->name, i->rt.mounted ? "mounted" : "not mounted");
        printf("cgroup:      %s (%s)\n", i->rt.cgroup_path ?: "no cgroup2 mount",
               !i->rt.cgroup_exists ? "absent" : i->rt.populated ? "populated" : "empty");
        if (i->rt.init_pid > 0)
                printf("init pid:    %d\n", (int) i->rt.init_pid);
        else
                printf("init pid:    -\n");
        printf("processes:   %zu\n", i->rt.n_processes);
        printf("uptime:      %s\n", s->uptime);
}

static void json_config(struct json *j, const struct vps_config *c, const char *name) {
        char buf[32];

        json_begin_object(j);
        json_key(j, "hostname");
        json_string(j, c->hostname ?: name);
        json_key(j, "start_cmd");
        json_string(j, c->start_cmd);
        json_key(j, "network");
        json_string(j, vps_network_to_string(c->network));
        json_key(j, "memory_max");
        json_string(j, limit_string(c->memory_max, buf, sizeof(buf)));
        json_key(j, "pids_max");
        json_string(j, limit_string(c->pids_max, buf, sizeof(buf)));
        json_end_object(j);
}

static void json_path(struct json *j, const char *key, const char *root, const char *name, const char *leaf) {
        _cleanup_free_ char *path = NULL;

        json_key(j, key);
        if (asprintf(&path, "%s/%s/%s", root, name, leaf) < 0)
                path = NULL;
        json_string(j, path);
}

static int print_json(const struct status *s) {
        const struct vps_info *i = &s->info;
        struct json j;

        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, i->name);
        json_key(&j, "state");
        json_string(&j, vps_info_state(i));
        json_key(&j, "problem");
        json_string(&j, i->problem);
        json_key(&j, "vpid");
        if (i->has_entry)
                json_uint(&j, i->entry.vpid);
        else
                json_null(&j);
        json_key(&j, "id_base");
        if (i->has_entry)
                json_uint(&j, i->entry.base);
        else
                json_null(&j);
        json_key(&j, "id_count");
        json_uint(&j, i->has_entry ? i->entry.count : 0);
        json_key(&j, "config");
        if (i->config)
                json_config(&j, i->config, i->name);
        else
                json_null(&j);
        json_key(&j, "vsu");
        json_begin_array(&j);
        json_uint(&j, 0);
        for (size_t k = 0; s->vsu && k < s->vsu->n; k++)
                json_uint(&j, s->vsu->vuids[k]);
        json_end_array(&j);
        json_path(&j, "rootfs", s->ctx->root, i->name, "rootfs");
        json_path(&j, "mount_point", s->ctx->root, i->name, "mnt");
        json_key(&j, "mounted");
        json_bool(&j, i->rt.mounted);
        json_key(&j, "cgroup");
        json_string(&j, i->rt.cgroup_path);
        json_key(&j, "cgroup_exists");
        json_bool(&j, i->rt.cgroup_exists);
        json_key(&j, "init_pid");
        if (i->rt.init_pid > 0)
                json_int(&j, i->rt.init_pid);
        else
                json_null(&j);
        json_key(&j, "processes");
        json_uint(&j, i->rt.n_processes);
        json_key(&j, "uptime_seconds");
        if (i->rt.uptime >= 0)
                json_int(&j, i->rt.uptime);
        else
                json_null(&j);
        json_end_object(&j);
        return json_finish(&j);
}

static int status_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1, vps_fd = -1;
        _cleanup_pool_ struct pool *pool = NULL;
        _cleanup_free_ char *error = NULL;
        struct status s = { .ctx = ctx };
        const char *name;
        int r;

        r = args_no_options("status", argc, argv);
        if (r >= 0)
                r = vps_open_from_args(ctx, "status", argc, argv, &name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        r = pool_load(root_fd, &pool, &error);
        if (r < 0)
                return log_error_errno(r, "cannot read the pool: %s", error ?: strerror(-r));
        r = vps_info_load(ctx, vps_fd, pool, name, &s.info);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its state: %m", name);
        /* An unreadable VSU list is left out; the config's problem already marks it. */
        if (vsu_list_load_at(vps_fd, "vsu", &s.vsu, NULL) < 0)
                s.vsu = NULL;
        format_duration(s.info.rt.uptime, s.uptime, sizeof(s.uptime));
        if (ctx->json)
                r = print_json(&s);
        else
                print_text(&s);
        vsu_list_free(s.vsu);
        vps_info_done(&s.info);
        return r;
}

const struct verb verb_status = {
        .name = "status",
        .summary = "show one VPS in detail",
        .usage =
                "Usage: vpsmgr [--json] status NAME\n"
                "\n"
                "Shows the VPS NAME: state (as in 'vpsmgr list'), VPID, ID block, VSUID (the\n"
                "host uid of its root), config (hostname, start_cmd, network, limits), VSU list,\n"
                "backing store, mount point (and whether vpsfs is mounted), cgroup (and whether\n"
                "it exists and holds processes), init PID, processes and uptime.\n"
                "\n"
                "With --json: one object with name, state, problem, vpid, id_base, id_count,\n"
                "config {hostname, start_cmd, network, memory_max, pids_max}, vsu [vuids],\n"
                "rootfs, mount_point, mounted, cgroup, cgroup_exists, init_pid, processes,\n"
                "uptime_seconds.\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = status_run,
};
