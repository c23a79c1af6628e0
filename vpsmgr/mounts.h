/* The file system view of a VPS: its root with /proc, /sys, /dev, /dev/pts and /dev/shm, built
 * in the init's new mount namespace and then pivoted into. */
#pragma once

#include <stdbool.h>

struct idmap;

struct mounts_plan {
        bool own_sysfs;       /* a new sysfs (needs a network namespace of the VPS's own);
                               * otherwise the host's /sys is bound read-only */
        const struct idmap *idmap;  /* to choose a devpts group the VPS maps */
};

/* Both run in the child, inside its new user and mount namespaces, and are async-signal-safe
 * (no allocation). On failure they return -errno with the failing step in *ret_step (a
 * static string). */

/* Makes every mount private and binds root (a host path) onto itself, so that it is a mount
 * point pivot_root accepts; hands back an O_PATH descriptor of it. Called before the child
 * becomes the VSU: the host path up to the root need not be searchable by the VPS. */
int mounts_bind_root(const char *root, int *ret_rootfd, const char **ret_step);

/* As the VSU: mounts /proc, /sys, /dev (nodes, links, /dev/pts, /dev/shm) in the tree under
 * rootfd, pivots into it and detaches the host's tree. Mount points inside the root are
 * opened with O_NOFOLLOW, so a symlink planted in the root cannot send a mount elsewhere. */
int mounts_setup(int rootfd, const struct mounts_plan *p, const char **ret_step);
