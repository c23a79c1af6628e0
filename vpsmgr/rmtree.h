/* Removing a directory tree with *at() calls only: no symlink is ever followed and no mount
 * point is crossed, so a tree whose insides a tenant shaped cannot make destroy (or the
 * roll-back of a failed create) delete anything outside it. Same contract as rm_rf_at() on
 * branch init (common/rm-rf.h); one of the two goes at the merge. */
#pragma once

/* Removes dirfd/name: a file, a symlink (not its target) or a whole tree. name is one path
 * component. A directory on another mount (bind mounts included: mount ids are compared)
 * is neither entered nor removed: the rest is removed and -EXDEV returned; name itself being
 * a mount point is -EXDEV before anything is touched. Otherwise the first error; -ENOENT if
 * name does not exist. Needs one descriptor per directory level. */
int rmtree_at(int dirfd, const char *name);
