/* vpsmgr idmap: a VPS's translation table, as stored (or as JSON). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"
#include "common/log.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"

static void json_extents(struct json *j, const struct idmap_list *l) {
        json_begin_array(j);
        for (size_t k = 0; k < l->n; k++) {
                json_begin_object(j);
                json_key(j, "virtual");
                json_uint(j, l->by_virt[k].virt);
                json_key(j, "alt");
                json_uint(j, l->by_virt[k].alt);
                json_key(j, "count");
                json_uint(j, l->by_virt[k].count);
                json_end_object(j);
        }
        json_end_array(j);
}

static int idmap_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_close_ int root_fd = -1, vps_fd = -1;
        _cleanup_idmap_ struct idmap *m = NULL;
        _cleanup_free_ char *error = NULL, *text = NULL;
        const char *name;
        struct json j;
        int r;

        r = args_no_options("idmap", argc, argv);
        if (r >= 0)
                r = vps_open_from_args(ctx, "idmap", argc, argv, &name, &root_fd, &vps_fd);
        if (r < 0)
                return r;
        r = idmap_load_at(vps_fd, "idmap", &m, &error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read its translation table: %s", name, error ?: strerror(-r));

        if (!ctx->json) {
                r = idmap_format(m, &text);
                if (r < 0)
                        return log_error_errno(r, "%s: %m", name);
                printf("# KIND VIRTUAL ALT COUNT\n%s", text);
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, name);
        json_key(&j, "uid");
        json_extents(&j, &m->list[IDMAP_UID]);
        json_key(&j, "gid");
        json_extents(&j, &m->list[IDMAP_GID]);
        json_end_object(&j);
        return json_finish(&j);
}

const struct verb verb_idmap = {
        .name = "idmap",
        .summary = "show a VPS's translation table of virtual and alternative IDs",
        .usage =
                "Usage: vpsmgr [--json] idmap NAME\n"
                "\n"
                "Prints the translation table of the VPS NAME, the source of both its\n"
                "user-namespace maps and of vpsfs's view: one extent a line,\n"
                "  u VIRTUAL ALT COUNT   virtual uids VIRTUAL.. are host uids ALT..\n"
                "  g VIRTUAL ALT COUNT   the same for gids\n"
                "\n"
                "With --json: {\"name\": NAME, \"uid\": [{\"virtual\", \"alt\", \"count\"}...], \"gid\": [...]}.\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = idmap_run,
};
