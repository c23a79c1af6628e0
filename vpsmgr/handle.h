/* A VPS as the lifecycle verbs act on it: its name, its directory (an fd, and as an absolute
 * path for the programs we start: vpsfs and the launcher take paths), and where its cgroup
 * lives. One struct so that start, stop, run, exec, the monitor and the teardown all derive
 * the same paths the same way. */
#pragma once

#include <stddef.h>

#include "vpsmgr/verbs.h"

struct vps_handle {
        const char *name;
        const char *cgroup_parent;
        int vps_fd;          /* borrowed: root/NAME */
        char *root;          /* absolute path of the state directory */
        char *dir;           /* absolute path of root/NAME */
        char *cg_root;       /* the cgroup2 mount; NULL if there is none */
};

/* Fills h for the VPS name whose directory is vps_fd, with root made absolute. */
int vps_handle_init(struct vps_handle *h, const struct vpsmgr_context *ctx, const char *name, int vps_fd);
void vps_handle_done(struct vps_handle *h);

/* dir/leaf into buf; -ENAMETOOLONG if it does not fit. */
int vps_handle_path(const struct vps_handle *h, const char *leaf, char *buf, size_t size);

/* The VPS's cgroup, opened; -ENOENT if it does not exist, -ENOMEDIUM without cgroup2. */
int vps_handle_cgroup(const struct vps_handle *h, int *ret_fd);
