/* The state directory (DESIGN.md, "State on disk"): VPS names, the per-VPS layout, listing,
 * and locks. Callers pass the root path (default VPSDB_DEFAULT_ROOT); everything below it is
 * reached through *at() calls on directory fds, never following a symlink.
 *
 *   <root>/NAME/config    key = value settings (common/config.h)
 *   <root>/NAME/idmap     translation table (common/idmap.h)
 *   <root>/NAME/vsu       VSU list (common/vsu.h)
 *   <root>/NAME/rootfs/   backing store, 0755     <root>/NAME/mnt/  vpsfs mount point, 0755
 *   <root>/NAME/run/      runtime state, 0700; run/lock is the per-VPS lock
 *
 * The root and NAME directories are 0700: only host root walks through them. */
#pragma once

#include <stdbool.h>

#define VPSDB_DEFAULT_ROOT "/var/lib/vps"
#define VPS_NAME_MAX 63

/* Valid names match [a-z0-9][a-z0-9_.-]{0,62} and are not one of the root's own files
 * ("pool", "pool.lock"). Returns 0, or -EINVAL with a static reason in *ret_reason (if
 * given); the reason stays valid until the next call from the same thread. */
int vps_name_check(const char *name, const char **ret_reason);

/* Opens the root directory; with create, makes it (0700, parent must exist) if missing.
 * The root path itself may be a symlink (an admin's choice). Returns the fd. */
int vpsdb_open_root(const char *path, bool create);

/* Opens root/NAME (a directory, not a symlink). Returns the fd, -ENOENT if there is no such
 * VPS, -EINVAL for an invalid name. */
int vpsdb_open_vps(int root_fd, const char *name);

/* Creates root/NAME with the empty layout above (the files are written by their modules).
 * The layout is built under a temporary name and renamed into place, so NAME appears
 * complete or not at all. Returns the fd of NAME, -EEXIST if it exists. */
int vpsdb_create_vps(int root_fd, const char *name);

/* The names of the VPS directories under root, sorted, as a NULL-terminated array. Entries
 * that are not directories or whose names are invalid (pool files, temporaries) are
 * skipped. Free with vpsdb_names_free(). */
int vpsdb_list(int root_fd, char ***ret_names);
void vpsdb_names_free(char **names);

/* Takes flock(LOCK_EX) on dirfd/name, creating it (0600) if needed. Returns the lock fd;
 * closing it releases the lock. With wait false, -EBUSY if another holder has it. */
int vpsdb_lock_at(int dirfd, const char *name, bool wait);

/* The per-VPS lock, NAME/run/lock, held by every lifecycle operation on the VPS. Returns the
 * lock fd, or -ENOENT if the VPS directory was removed (by a destroy that held the lock)
 * by the time the lock was taken. */
int vpsdb_lock_vps(int vps_fd, bool wait);

static inline void vpsdb_names_freep(char ***names) {
        vpsdb_names_free(*names);
}
#define _cleanup_names_ __attribute__((cleanup(vpsdb_names_freep)))
