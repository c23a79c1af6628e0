/* Where a new VPS's backing store comes from: the busybox template (the default), a copy of
 * a directory tree, or a tarball. One entry point, so that create does not care which. */
#pragma once

enum rootfs_source_kind {
        ROOTFS_TEMPLATE_BUSYBOX,
        ROOTFS_TREE,
        ROOTFS_TARBALL,
};

struct rootfs_source {
        enum rootfs_source_kind kind;
        const char *path;  /* the directory or tarball, as given */
        int fd;            /* opened by rootfs_source_open(), owned by the source */
};

/* Opens and checks the source before anything is created: a tree must be a directory, a
 * tarball a regular file (the given path itself may be a symlink: an admin's choice).
 * Returns 0, or -errno with a static description of the problem in *ret_what. */
int rootfs_source_open(struct rootfs_source *s, const char **ret_what);
void rootfs_source_close(struct rootfs_source *s);

/* Fills the empty directory rootfd. hostname is for templates that write /etc/hostname.
 * On failure: -errno and an allocated message in *ret_error; rootfd holds a partial tree. */
int rootfs_fill(const struct rootfs_source *s, int rootfd, const char *hostname, char **ret_error);
