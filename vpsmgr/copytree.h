/* Copying a root filesystem tree (debootstrap output, another VPS's backing store) into a
 * VPS's empty backing directory, keeping everything a root filesystem needs: owners exactly
 * as stored (they are virtual IDs: no chown -R, ever), modes with set-user-ID, set-group-ID
 * and sticky bits, access and modification times, hard links, extended attributes (POSIX ACLs
 * and file capabilities included), symlinks (copied, never followed), FIFOs, sockets, device
 * nodes, and holes of sparse files.
 *
 * Like cp -x, the copy stays on the source's filesystem: a directory on which something
 * else is mounted (proc, sys, a bind mount) is copied as an empty directory. */
#pragma once

#define COPYTREE_MAX_DEPTH 200

/* Copies the contents and the attributes of directory srcfd into the empty directory dstfd.
 * Every access goes through *at() calls below the two descriptors, without following a
 * symlink. Returns 0 or -errno with *ret_error (if not NULL) saying "PATH: what failed",
 * PATH relative to the source ("." for the top); -ELOOP beyond COPYTREE_MAX_DEPTH levels;
 * -EINTR once interrupt_pending() (vpsmgr/interrupt.h) says a signal came.
 * On failure dstfd holds a partial copy that the caller removes. Must run as host root. */
int copytree(int srcfd, int dstfd, char **ret_error);
