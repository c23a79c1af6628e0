/* The dispatch from a rootfs source to what fills the backing store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "vpsmgr/copytree.h"
#include "vpsmgr/rootfs-fill.h"
#include "vpsmgr/template.h"
#include "vpsmgr/untar.h"

int rootfs_source_open(struct rootfs_source *s, const char **ret_what) {
        struct stat st;

        s->fd = -1;
        if (s->kind == ROOTFS_TEMPLATE_BUSYBOX)
                return 0;
        s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                      (s->kind == ROOTFS_TREE ? O_DIRECTORY : 0));
        if (s->fd < 0) {
                int r = negative_errno();

                *ret_what = r == -ENOTDIR ? "not a directory" : strerror(-r);
                return r;
        }
        if (s->kind == ROOTFS_TARBALL) {
                if (fstat(s->fd, &st) < 0) {
                        *ret_what = strerror(errno);
                        return negative_errno();
                }
                if (!S_ISREG(st.st_mode)) {
                        s->fd = safe_close(s->fd);
                        *ret_what = S_ISDIR(st.st_mode) ? "a directory, not a tarball" : "not a regular file";
                        return -EINVAL;
                }
        }
        return 0;
}

void rootfs_source_close(struct rootfs_source *s) {
        s->fd = safe_close(s->fd);
}

int rootfs_fill(const struct rootfs_source *s, int rootfd, const char *hostname, char **ret_error) {
        *ret_error = NULL;
        switch (s->kind) {
        case ROOTFS_TEMPLATE_BUSYBOX:
        {
                int r = template_busybox(rootfd, NULL, hostname);

                if (r < 0 && asprintf(ret_error, "cannot build the busybox template from %s: %s",
                                      TEMPLATE_BUSYBOX_DEFAULT, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        case ROOTFS_TREE:
                return copytree(s->fd, rootfd, ret_error);
        case ROOTFS_TARBALL:
                return untar(s->fd, rootfd, ret_error);
        }
        return -EINVAL;
}
