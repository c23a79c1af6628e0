/* The file system view of a VPS: its root with /proc, /sys, /dev, /dev/pts and /dev/shm, built
 * in the init's new mount namespace and then pivoted into. */
#pragma once

#include <stdbool.h>

struct mounts_plan {
        const char *root;     /* host path of the directory that becomes / */
        bool own_sysfs;       /* a new sysfs (needs a network namespace of the VPS's own);
                               * otherwise the host's /sys is bound read-only */
        const char *pts_gid;  /* devpts gid= (decimal, mapped in the VPS), or NULL */
};

/* Runs in the child, inside its new user and mount namespaces, as the VPS's root: makes every
 * mount private, builds the view under p->root, pivots into it and detaches the host's tree.
 * Mount points inside the root are opened with O_NOFOLLOW, so a symlink planted in the
 * root cannot send a mount elsewhere. Returns 0 or -errno with the failing step in
 * *ret_step (a static string). Async-signal-safe: no allocation. */
int mounts_setup(const struct mounts_plan *p, const char **ret_step);
