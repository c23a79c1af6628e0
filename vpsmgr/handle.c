/* Deriving a VPS's paths and cgroup once. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cgroup.h"
#include "common/macro.h"
#include "vpsmgr/handle.h"

int vps_handle_init(struct vps_handle *h, const struct vpsmgr_context *ctx, const char *name, int vps_fd) {
        int r;

        *h = (struct vps_handle) { .name = name, .cgroup_parent = ctx->cgroup_parent, .vps_fd = vps_fd };
        /* The monitor runs with / as its working directory, and vpsfs resolves its
         * arguments itself: relative paths would go wrong. */
        h->root = realpath(ctx->root, NULL);
        if (!h->root)
                return negative_errno();
        if (asprintf(&h->dir, "%s/%s", h->root, name) < 0) {
                h->dir = NULL;
                vps_handle_done(h);
                return -ENOMEM;
        }
        r = cgroup_find_root(&h->cg_root);
        if (r < 0 && r != -ENOMEDIUM) {
                vps_handle_done(h);
                return r;
        }
        return 0;
}

void vps_handle_done(struct vps_handle *h) {
        free(h->root);
        free(h->dir);
        free(h->cg_root);
        h->root = h->dir = h->cg_root = NULL;
}

int vps_handle_path(const struct vps_handle *h, const char *leaf, char *buf, size_t size) {
        int n = snprintf(buf, size, "%s/%s", h->dir, leaf);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int vps_handle_cgroup(const struct vps_handle *h, int *ret_fd) {
        if (!h->cg_root)
                return -ENOMEDIUM;
        return cgroup_open(h->cg_root, h->cgroup_parent, h->name, ret_fd);
}
