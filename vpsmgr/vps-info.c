/* Gathering what is known about a VPS, for list and status. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "vpsmgr/vps-info.h"

int vps_info_load(const struct vpsmgr_context *ctx, int vps_fd, const struct pool *pool, const char *name,
                  struct vps_info *ret) {
        struct vps_info i = { .name = name };
        const struct pool_entry *e;
        char *error = NULL;
        int r;

        r = vps_runtime_probe(ctx->cgroup_parent, vps_fd, name, &i.rt);
        if (r < 0)
                return r;
        if (pool_find_name(pool, name, &e) >= 0) {
                i.has_entry = true;
                i.entry = *e;
        }
        r = vps_config_load_at(vps_fd, "config", &i.config, &error);
        if (r == -ENOENT) {
                free(error);
                error = strdup("no config: a create or destroy of it was interrupted ('vpsmgr destroy' "
                               "removes it)");
        }
        if (r < 0) {
                if (!error && asprintf(&error, "config: %s", strerror(-r)) < 0)
                        error = NULL;
                i.problem = error;
        } else if (!i.has_entry) {
                i.problem = strdup("no VPID in the pool (a create or destroy was interrupted)");
        } else if (i.config->vpid != i.entry.vpid) {
                if (asprintf(&i.problem, "config says VPID %" PRIu32 ", the pool %" PRIu32, i.config->vpid,
                             i.entry.vpid) < 0)
                        i.problem = NULL;
        }
        *ret = i;
        return 0;
}

void vps_info_done(struct vps_info *i) {
        vps_config_free(i->config);
        i->config = NULL;
        vps_runtime_done(&i->rt);
        free(i->problem);
        i->problem = NULL;
}

const char *vps_info_state(const struct vps_info *i) {
        if (vps_runtime_is_running(&i->rt))
                return "running";
        if (i->problem || !i->config)
                return "broken";
        return "stopped";
}

void format_duration(int64_t s, char *buf, size_t size) {
        if (s < 0)
                snprintf(buf, size, "-");
        else if (s < 60)
                snprintf(buf, size, "%" PRId64 "s", s);
        else if (s < 3600)
                snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
        else
                snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
}
