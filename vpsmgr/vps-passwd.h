/* A VPS's own /etc/passwd, read from the host: user names for `vsu`, `kill --user` and the
 * like. The file belongs to the VPS, so it is hostile input: it is found inside the VPS's
 * backing store only (a symlink there cannot lead to a host file), must be a regular file
 * (a FIFO cannot hang us), is read up to a size limit, and a malformed line is skipped, not
 * trusted. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VPS_PASSWD_MAX (4 * 1024 * 1024)

struct vps_user {
        char *name;
        uint32_t uid;
};

struct vps_passwd {
        size_t n;
        struct vps_user *users;  /* in file order: the first of two equal names wins */
};

/* Reads rootfs/etc/passwd of the VPS whose directory is vps_fd. A missing file is an empty
 * list; -EFBIG over VPS_PASSWD_MAX, -EBADF if not a regular file, -EINVAL with a NUL byte. */
int vps_passwd_load(int vps_fd, struct vps_passwd **ret);
/* The same from rootfd, the root of the tree (for tests and other roots). */
int vps_passwd_load_root(int rootfd, struct vps_passwd **ret);
/* Parses the text form. */
int vps_passwd_parse(const char *text, struct vps_passwd **ret);
void vps_passwd_free(struct vps_passwd *p);

/* -ENOENT if there is no such user. */
int vps_passwd_find_name(const struct vps_passwd *p, const char *name, uint32_t *ret_uid);
/* The first name of uid, or NULL. */
const char *vps_passwd_name_of(const struct vps_passwd *p, uint32_t uid);

/* A USER argument: all digits is a virtual uid as it is (up to max); anything else a name
 * looked up in p. -ENOENT: no such name; -ERANGE: a number above max. */
int vps_user_resolve(const struct vps_passwd *p, const char *user, uint32_t max, uint32_t *ret_uid);

static inline void vps_passwd_freep(struct vps_passwd **p) {
        vps_passwd_free(*p);
}
#define _cleanup_vps_passwd_ __attribute__((cleanup(vps_passwd_freep)))
