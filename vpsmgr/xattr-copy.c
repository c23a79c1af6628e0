/* Extended attributes from file to file, through fds or non-following paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "common/macro.h"
#include "vpsmgr/xattr-copy.h"

void xattr_ref_fd(struct xattr_ref *x, int fd) {
        x->fd = fd;
        x->path[0] = '\0';
}

int xattr_ref_at(struct xattr_ref *x, int dirfd, const char *name) {
        if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        if (strlen(name) > NAME_MAX)
                return -ENAMETOOLONG;
        x->fd = -1;
        snprintf(x->path, sizeof(x->path), "/proc/self/fd/%d/%s", dirfd, name);
        return 0;
}

static ssize_t ref_list(const struct xattr_ref *x, char *buf, size_t size) {
        return x->fd >= 0 ? flistxattr(x->fd, buf, size) : llistxattr(x->path, buf, size);
}

static ssize_t ref_get(const struct xattr_ref *x, const char *name, void *buf, size_t size) {
        return x->fd >= 0 ? fgetxattr(x->fd, name, buf, size) : lgetxattr(x->path, name, buf, size);
}

static int ref_set(const struct xattr_ref *x, const char *name, const void *value, size_t size) {
        return x->fd >= 0 ? fsetxattr(x->fd, name, value, size, 0) : lsetxattr(x->path, name, value, size, 0);
}

/* Calls get(size 0) for the size, then get into a buffer of it; retried when the value grew
 * in between (ERANGE). */
static int read_names(const struct xattr_ref *x, char **ret, size_t *ret_size) {
        for (;;) {
                _cleanup_free_ char *buf = NULL;
                ssize_t n = ref_list(x, NULL, 0);

                if (n < 0)
                        return negative_errno();
                buf = malloc((size_t) n + 1);
                if (!buf)
                        return -ENOMEM;
                n = ref_list(x, buf, (size_t) n);
                if (n < 0 && errno == ERANGE)
                        continue;
                if (n < 0)
                        return negative_errno();
                *ret = TAKE_PTR(buf);
                *ret_size = (size_t) n;
                return 0;
        }
}

static int read_value(const struct xattr_ref *x, const char *name, char **ret, size_t *ret_size) {
        for (;;) {
                _cleanup_free_ char *buf = NULL;
                ssize_t n = ref_get(x, name, NULL, 0);

                if (n < 0)
                        return negative_errno();
                buf = malloc((size_t) n + 1);
                if (!buf)
                        return -ENOMEM;
                n = ref_get(x, name, buf, (size_t) n);
                if (n < 0 && errno == ERANGE)
                        continue;
                if (n < 0)
                        return negative_errno();
                *ret = TAKE_PTR(buf);
                *ret_size = (size_t) n;
                return 0;
        }
}

int xattr_copy(const struct xattr_ref *src, const struct xattr_ref *dst, const char **ret_failed_name) {
        static __thread char failed[XATTR_NAME_MAX + 1];
        _cleanup_free_ char *names = NULL;
        size_t size;
        int r;

        r = read_names(src, &names, &size);
        if (r == -EOPNOTSUPP)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < size; i += strlen(names + i) + 1) {
                _cleanup_free_ char *value = NULL;
                size_t n;

                r = read_value(src, names + i, &value, &n);
                if (r == -ENODATA)
                        continue; /* removed since the listing */
                if (r >= 0 && ref_set(dst, names + i, value, n) < 0)
                        r = negative_errno();
                if (r < 0) {
                        snprintf(failed, sizeof(failed), "%s", names + i);
                        if (ret_failed_name)
                                *ret_failed_name = failed;
                        return r;
                }
        }
        return 0;
}
