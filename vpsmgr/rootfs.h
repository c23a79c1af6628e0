/* What the launcher reads from the VPS's own files. It reads them in the child, under the
 * start timeout, so that a root that does not answer (a hung vpsfs) cannot hang the host. */
#pragma once

#include <stdint.h>

/* Opens path (relative) below rootfd for reading as the VPS would see it: every component
 * resolved inside the root (a symlink there cannot lead to a host file), never through
 * /proc's magic links nor across a mount, the file itself no symlink. Non-blocking (a FIFO
 * cannot hang us) and only a regular file (-EBADF otherwise). Returns the fd.
 * Async-signal-safe. */
int rootfs_open_regular(int rootfd, const char *path);

/* The gid of group "tty" in rootfd's etc/group. The file is resolved inside the root (a
 * symlink there cannot lead to a host file), opened non-blocking (a FIFO cannot hang us) and
 * must be a regular file; it is streamed without allocation. -ENOENT if there is no tty
 * group, -EINVAL if its line is malformed. Async-signal-safe. */
int rootfs_tty_gid(int rootfd, uint32_t *ret_gid);

