/* Parsing a VPS's passwd and group files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/textfile.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/rootfs.h"

static int copy_field(char *dst, const char *src) {
        size_t n = strlen(src);

        if (n >= PASSWD_FIELD_MAX)
                return -ENAMETOOLONG;
        memcpy(dst, src, n + 1);
        return 0;
}

/* One passwd line into u; 0 if it parses, -EINVAL if not. */
static int parse_entry(char *line, struct vps_user *u) {
        char *f[8];
        uint32_t uid, gid;

        /* NIS "+"/"-" lines are no users of this file. */
        if (split_char(line, ':', f, 7) != 7 || !*f[0] || strchr("+-", f[0][0]))
                return -EINVAL;
        /* (uid_t) -1 means "no change" to setresuid: never a user. */
        if (safe_atou32(f[2], &uid) < 0 || safe_atou32(f[3], &gid) < 0 || uid == UINT32_MAX || gid == UINT32_MAX)
                return -EINVAL;
        if (copy_field(u->name, f[0]) < 0 || copy_field(u->home, f[5][0] == '/' ? f[5] : "/") < 0 ||
            copy_field(u->shell, f[6][0] == '/' ? f[6] : "/bin/sh") < 0)
                return -EINVAL;
        u->uid = uid;
        u->gid = gid;
        u->n_groups = 0;
        return 0;
}

/* A file read whole is text only without a NUL byte, which would cut it short of what the
 * file says. */
static int text_or_einval(char *text, size_t size, char **ret_text) {
        if (strlen(text) != size) {
                free(text);
                return -EINVAL;
        }
        *ret_text = text;
        return 0;
}

int passwd_find(const char *passwd, const char *user, struct vps_user *ret) {
        struct line_reader r;
        struct vps_user u;
        uint32_t number;
        bool by_number;
        char *line;
        int k;

        if (!user || !*user || strchr(user, ':') || strlen(user) >= PASSWD_FIELD_MAX)
                return -EINVAL;
        by_number = safe_atou32(user, &number) >= 0;
        if (by_number && number == UINT32_MAX)
                return -EINVAL;
        line_reader_init(&r, passwd);
        while ((k = line_reader_next(&r, &line)) != 0) {
                if (k < 0 || line_is_ignorable(line) || parse_entry(line, &u) < 0)
                        continue;
                if (by_number ? u.uid == number : strcmp(u.name, user) == 0) {
                        *ret = u;
                        return 0;
                }
        }
        if (!by_number)
                return -ESRCH;
        *ret = (struct vps_user) { .uid = number, .gid = number };
        snprintf(ret->name, sizeof(ret->name), "%s", user);
        strcpy(ret->home, "/");
        strcpy(ret->shell, "/bin/sh");
        return 0;
}

static void add_group(struct vps_user *u, gid_t gid) {
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == gid)
                        return;
        if (u->n_groups < PASSWD_GROUPS_MAX)
                u->groups[u->n_groups++] = gid;
}

void passwd_add_groups(const char *group, struct vps_user *u) {
        struct line_reader r;
        char *line, *f[5], *member, *save = NULL;
        uint32_t gid;
        int k;

        add_group(u, u->gid);
        line_reader_init(&r, group);
        while ((k = line_reader_next(&r, &line)) != 0) {
                if (k < 0 || line_is_ignorable(line) || split_char(line, ':', f, 4) != 4 ||
                    safe_atou32(f[2], &gid) < 0 || gid == UINT32_MAX)
                        continue;
                for (member = strtok_r(f[3], ",", &save); member; member = strtok_r(NULL, ",", &save))
                        if (strcmp(member, u->name) == 0)
                                add_group(u, gid);
        }
}

int passwd_name_of(const char *passwd, uid_t uid, char *buf, size_t size) {
        struct line_reader r;
        struct vps_user u;
        char *line;
        int k;

        line_reader_init(&r, passwd);
        while ((k = line_reader_next(&r, &line)) != 0)
                if (k > 0 && !line_is_ignorable(line) && parse_entry(line, &u) == 0 && u.uid == uid) {
                        snprintf(buf, size, "%s", u.name);
                        return 0;
                }
        return -ESRCH;
}

int passwd_uid_of(const char *passwd, const char *user, uid_t max, uid_t *ret_uid) {
        struct vps_user u;
        uint32_t number;
        int r;

        /* All digits: a number (useradd refuses names of digits only), "0123" too, which no
         * reader of uids would take for 123 (parse.h). */
        if (*user && strspn(user, "0123456789") == strlen(user)) {
                if (safe_atou32(user, &number) < 0 || number > max)
                        return -ERANGE;
                *ret_uid = number;
                return 0;
        }
        r = passwd_find(passwd, user, &u);
        if (r == -EINVAL)
                return -ESRCH;  /* a name no line can hold (a ':', too long): nobody's */
        if (r < 0)
                return r;
        *ret_uid = u.uid;
        return 0;
}

/* user (NULL: root) in the two texts; group may be NULL (unreadable: no groups but the
 * primary). Root needs no entry: uid 0 works with or without one. */
static int lookup(const char *passwd, const char *group, const char *user, struct vps_user *ret) {
        int r;

        r = passwd_find(passwd ?: "", user ?: "0", ret);
        if (r < 0)
                return r;
        passwd_add_groups(group ?: "", ret);
        return 0;
}

int passwd_lookup_here(const char *user, struct vps_user *ret) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        char *text;
        size_t size;
        int r;

        r = read_file_at(AT_FDCWD, "/etc/passwd", PASSWD_FILE_MAX, &text, &size);
        if (r >= 0)
                r = text_or_einval(text, size, &passwd);
        if (r < 0 && r != -ENOENT)
                return r;
        if (read_file_at(AT_FDCWD, "/etc/group", PASSWD_FILE_MAX, &text, &size) >= 0)
                (void) text_or_einval(text, size, &group);
        return lookup(passwd, group, user, ret);
}

int passwd_lookup_below(int rootfd, const char *user, struct vps_user *ret) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r;

        r = passwd_read_below(rootfd, "etc/passwd", &passwd);
        if (r < 0)
                return r;
        (void) passwd_read_below(rootfd, "etc/group", &group);
        return lookup(passwd, group, user, ret);
}

int passwd_read_below(int rootfd, const char *path, char **ret_text) {
        _cleanup_close_ int fd = -1;
        char *text;
        size_t size;
        int r;

        fd = rootfs_open_regular(rootfd, path);
        if (fd == -ENOENT) {
                *ret_text = strdup("");
                return *ret_text ? 0 : -ENOMEM;
        }
        if (fd < 0)
                return fd;
        r = read_fd(fd, PASSWD_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        return text_or_einval(text, size, ret_text);
}

int passwd_read_vps(int vps_fd, char **ret_text) {
        _cleanup_close_ int rootfd = -1;

        rootfd = openat(vps_fd, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        return passwd_read_below(rootfd, "etc/passwd", ret_text);
}
