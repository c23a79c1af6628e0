/* Root filesystem templates: the busybox template fills a VPS's empty backing directory with
 * a small working system made from the host's static busybox. */
#pragma once

#include <stdbool.h>

#define TEMPLATE_BUSYBOX_DEFAULT "/bin/busybox"

/* Fills the empty directory rootfd with: bin/busybox (a copy of busybox, NULL for
 * TEMPLATE_BUSYBOX_DEFAULT) and a relative symlink to it per applet at the path
 * `busybox --list-full` gives; etc/passwd, etc/group (root 0, nobody/nogroup 65534),
 * etc/shadow (0600, root's password locked: "!", so only vpsmgr enter/exec get in),
 * etc/hostname (hostname), etc/hosts, an empty etc/vps/ (no rc: init then runs nothing);
 * root/ (0700), tmp/ and var/tmp/ (1777), home/, run/, var/log/, and the mount points dev/,
 * proc/ and sys/.
 *
 * Everything is created with *at() calls below rootfd, following no symlink, and owned by
 * virtual uid/gid 0 (the backing store holds virtual IDs). Returns -ENOTEMPTY if rootfd is
 * not empty, -ENOEXEC if busybox is not a static 64-bit ELF executable (a dynamic one would
 * not run without a C library), -EINVAL for a bad hostname; on failure rootfd holds a partial
 * tree that the caller removes (rm_rf_at). */
int template_busybox(int rootfd, const char *busybox, const char *hostname);

/* Whether s is a valid host name: 1..64 characters of letters, digits, '-' and '.', not
 * starting with '-' or '.'. */
bool template_hostname_valid(const char *s);
