/* Creating a template's files below a root directory fd: each one new (O_EXCL), no symlink
 * followed on the way, owned by a virtual uid/gid and with its exact mode whatever the
 * umask. */
#pragma once

#include <stdbool.h>

#include <sys/types.h>

/* Opens the directory rootfd/path ("a/b/c"), creating missing components with mode 0755
 * when create is set. Returns the O_DIRECTORY fd. */
int tfs_open_dir(int rootfd, const char *path, bool create, uid_t uid, gid_t gid);

/* Makes the directory dirfd/name with exactly mode. */
int tfs_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid);

/* Writes a new file dirfd/name with data and exactly mode. */
int tfs_write(int dirfd, const char *name, const char *data, mode_t mode, uid_t uid, gid_t gid);

/* Copies the open file srcfd into a new file dirfd/name with exactly mode. */
int tfs_copy(int srcfd, int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid);

/* Makes the symlink dirfd/name -> target. */
int tfs_symlink(const char *target, int dirfd, const char *name, uid_t uid, gid_t gid);
