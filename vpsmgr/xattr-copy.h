/* Copying every extended attribute of one file to another: user.*, trusted.*, security.*
 * (file capabilities) and system.posix_acl_* (ACLs) alike. A file is named by an open fd,
 * or, for those that must not be opened (symlinks, FIFOs, devices), by its directory fd and
 * name, reached as /proc/self/fd/DIRFD/NAME with the l*xattr() calls that do not follow
 * the last component. */
#pragma once

#include <limits.h>

struct xattr_ref {
        int fd;                          /* >= 0: f*xattr() on it */
        char path[32 + NAME_MAX + 1];    /* else: l*xattr() on this path */
};

void xattr_ref_fd(struct xattr_ref *x, int fd);
/* -ENAMETOOLONG if name is longer than NAME_MAX, -EINVAL if it is not one component. */
int xattr_ref_at(struct xattr_ref *x, int dirfd, const char *name);

/* Sets on dst every attribute src has. A source filesystem without extended attributes has
 * none to copy. On failure *ret_failed_name (if given) is the attribute's name, valid until
 * the next call. */
int xattr_copy(const struct xattr_ref *src, const struct xattr_ref *dst, const char **ret_failed_name);
