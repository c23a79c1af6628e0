/* Users of a VPS as its own /etc/passwd and /etc/group say: for exec/enter (read inside the
 * VPS, after joining its mount namespace), for ps, run, kill --user and vsu (read from the
 * backing store). The files are the VPS's, so hostile: sizes are capped, a NUL byte refuses
 * the file, malformed and overlong lines name nobody, and nothing in them is trusted to be
 * a host path or a host ID. Two entries of one name or uid: the first wins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PASSWD_FILE_MAX (4u << 20)
#define PASSWD_GROUPS_MAX 64
#define PASSWD_FIELD_MAX 256

struct vps_user {
        char name[PASSWD_FIELD_MAX];
        uid_t uid;                      /* virtual */
        gid_t gid;                      /* virtual */
        char home[PASSWD_FIELD_MAX];
        char shell[PASSWD_FIELD_MAX];
        gid_t groups[PASSWD_GROUPS_MAX];  /* supplementary, primary included */
        size_t n_groups;
};

/* Finds user (a name, or a number: a uid) in passwd text. A number with no entry is still a
 * user: uid = gid = the number, name = the number, home "/", shell "/bin/sh". -ESRCH for an
 * unknown name, -EINVAL for an invalid user string. */
int passwd_find(const char *passwd, const char *user, struct vps_user *ret);

/* Adds the groups whose member list names u->name (and u->gid) to u->groups. */
void passwd_add_groups(const char *group, struct vps_user *u);

/* The name of uid in passwd text, copied to buf; -ESRCH if none. */
int passwd_name_of(const char *passwd, uid_t uid, char *buf, size_t size);

/* A USER argument as a vuid, for verbs that act on a uid, not a login: all digits is a
 * number as it is, needing no entry (-ERANGE above max); anything else a name looked up in
 * passwd text (-ESRCH if there is none). */
int passwd_uid_of(const char *passwd, const char *user, uid_t max, uid_t *ret_uid);

/* Reads /etc/passwd and /etc/group of the current root (inside the VPS) and looks up user
 * (NULL: root). */
int passwd_lookup_here(const char *user, struct vps_user *ret);

/* Reads path (etc/passwd, etc/group) below rootfd (the backing store) the careful way
 * (rootfs.h); "" if there is none. -EBADF if not a regular file (a FIFO), -ELOOP for a
 * symlink, -EFBIG over PASSWD_FILE_MAX, -EINVAL with a NUL byte. */
int passwd_read_below(int rootfd, const char *path, char **ret_text);

/* passwd_read_below() of rootfs/etc/passwd of the VPS whose directory (NAME) is vps_fd. */
int passwd_read_vps(int vps_fd, char **ret_text);

/* passwd_lookup_here() from the host, through the backing store below rootfd. */
int passwd_lookup_below(int rootfd, const char *user, struct vps_user *ret);
