/* Reading a VPS's /etc/passwd from the host, as hostile input. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/textfile.h"
#include "vpsmgr/rootfs.h"
#include "vpsmgr/vps-passwd.h"

void vps_passwd_free(struct vps_passwd *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                free(p->users[i].name);
        free(p->users);
        free(p);
}

static int passwd_add(struct vps_passwd *p, const char *name, uint32_t uid) {
        struct vps_user *users;
        char *copy;

        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        users = reallocarray(p->users, p->n + 1, sizeof(*users));
        if (!users) {
                free(copy);
                return -ENOMEM;
        }
        p->users = users;
        p->users[p->n++] = (struct vps_user) { .name = copy, .uid = uid };
        return 0;
}

int vps_passwd_parse(const char *text, struct vps_passwd **ret) {
        struct vps_passwd *p;
        struct line_reader reader;
        char *line;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        line_reader_init(&reader, text);
        for (;;) {
                char *fields[8];
                uint32_t uid;

                r = line_reader_next(&reader, &line);
                if (r == -E2BIG)
                        continue;   /* an overlong line is no user of ours */
                if (r <= 0)
                        break;
                /* name:password:uid:gid:gecos:home:shell; NIS "+"/"-" lines, comments and
                 * anything malformed name nobody. */
                if (split_char(line, ':', fields, ELEMENTSOF(fields)) != 7 || !*fields[0] ||
                    strchr("+-#", fields[0][0]) || safe_atou32(fields[2], &uid) < 0 || uid == UINT32_MAX)
                        continue;
                r = passwd_add(p, fields[0], uid);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                vps_passwd_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int vps_passwd_load_root(int rootfd, struct vps_passwd **ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        size_t size;
        int r;

        fd = rootfs_open_regular(rootfd, "etc/passwd");
        if (fd == -ENOENT)
                return vps_passwd_parse("", ret);
        if (fd < 0)
                return fd;
        r = read_fd(fd, VPS_PASSWD_MAX, &text, &size);
        if (r < 0)
                return r;
        if (strlen(text) != size)
                return -EINVAL;
        return vps_passwd_parse(text, ret);
}

int vps_passwd_load(int vps_fd, struct vps_passwd **ret) {
        _cleanup_close_ int rootfd = -1;

        rootfd = openat(vps_fd, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfd < 0)
                return negative_errno();
        return vps_passwd_load_root(rootfd, ret);
}

int vps_passwd_find_name(const struct vps_passwd *p, const char *name, uint32_t *ret_uid) {
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->users[i].name, name) == 0) {
                        *ret_uid = p->users[i].uid;
                        return 0;
                }
        return -ENOENT;
}

const char *vps_passwd_name_of(const struct vps_passwd *p, uint32_t uid) {
        for (size_t i = 0; i < p->n; i++)
                if (p->users[i].uid == uid)
                        return p->users[i].name;
        return NULL;
}

int vps_user_resolve(const struct vps_passwd *p, const char *user, uint32_t max, uint32_t *ret_uid) {
        uint32_t uid;

        /* All digits: a number (names of digits only are refused by useradd anyway). */
        if (*user && strspn(user, "0123456789") == strlen(user)) {
                if (safe_atou32(user, &uid) < 0 || uid > max)
                        return -ERANGE;
                *ret_uid = uid;
                return 0;
        }
        return vps_passwd_find_name(p, user, ret_uid);
}
