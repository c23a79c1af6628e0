/* Removing a directory tree with *at() calls only: no symlink is ever followed and no mount
 * point is crossed, so a tree whose insides a VPS shaped cannot make `destroy` delete
 * anything outside it. */
#pragma once

/* Removes dirfd/name: a file, a symlink (not its target) or a whole directory tree. name is
 * one path component. A directory on another mount (a mount point, bind mounts included) is
 * neither entered nor removed: the rest is removed and -EXDEV returned; a mount point as name
 * itself is refused with -EXDEV before anything is touched. Other failures: the first error;
 * -ENOENT if name does not exist. Needs one descriptor per directory level. */
int rm_rf_at(int dirfd, const char *name);

/* rm_rf_at() of the last component of path in the directory that the rest names: for the
 * temporary directories of tests and tools. path must contain a '/' (e.g. "/tmp/x.XXXXXX"
 * once made); otherwise -EINVAL. */
int rm_rf_path(const char *path);
