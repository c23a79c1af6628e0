/* rm -rf with *at() calls, refusing to cross mount points (compared by mount id, which also
 * tells a bind mount of the same filesystem apart). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dir-stream.h"
#include "common/macro.h"
#include "common/rm-rf.h"

#define STATX_WANT (STATX_TYPE | STATX_INO | STATX_MNT_ID)

struct names {
        char **v;
        size_t n, allocated;
};

static void names_free(struct names *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
}

/* Looks at dirfd/name (or dirfd itself for "") without following a symlink or triggering an
 * automount: the object it would remove, not what it points at. */
static int look(int dirfd, const char *name, struct statx *ret) {
        int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);

        if (statx(dirfd, name, flags, STATX_WANT, ret) < 0)
                return negative_errno();
        if (!(ret->stx_mask & STATX_MNT_ID))
                ret->stx_mnt_id = 0; /* old kernel: st_dev alone decides */
        return 0;
}

static bool same_mount(const struct statx *a, const struct statx *b) {
        return a->stx_mnt_id == b->stx_mnt_id && a->stx_dev_major == b->stx_dev_major &&
               a->stx_dev_minor == b->stx_dev_minor;
}

/* All names in the directory, read before anything is removed so that the stream's position
 * is not disturbed by the removals. */
static int read_names(int fd, struct names *ret) {
        _cleanup_(names_free) struct names l = {};
        struct dirent *e;
        DIR *d;
        int r;

        r = dir_stream_at(fd, &d);
        if (r < 0)
                return r;
        while ((r = dir_next(d, &e)) > 0) {
                if (l.n == l.allocated) {
                        size_t want = l.allocated ? l.allocated * 2 : 16;
                        char **v = realloc(l.v, want * sizeof(char *));
                        if (!v) {
                                r = -ENOMEM;
                                break;
                        }
                        l.v = v;
                        l.allocated = want;
                }
                l.v[l.n] = strdup(e->d_name);
                if (!l.v[l.n]) {
                        r = -ENOMEM;
                        break;
                }
                l.n++;
        }
        closedir(d);
        if (r < 0)
                return r;
        *ret = l;
        l = (struct names) {};
        return 0;
}

static int keep_first(int r, int q) {
        return r < 0 ? r : q;
}

static int remove_contents(int fd, const struct statx *self);

/* Removes the directory parentfd/name, which look() found as *st on the same mount. */
static int remove_dir(int parentfd, const char *name, const struct statx *st) {
        _cleanup_close_ int fd = -1;
        struct statx opened;
        int r;

        fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        /* It must still be the directory looked at, not something swapped in since. */
        r = look(fd, "", &opened);
        if (r < 0)
                return r;
        if (opened.stx_ino != st->stx_ino || !same_mount(&opened, st))
                return -EXDEV;
        r = remove_contents(fd, &opened);
        if (r < 0)
                return r;
        if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0)
                return negative_errno();
        return 0;
}

static int remove_entry(int dirfd, const char *name, const struct statx *parent) {
        struct statx st;
        int r;

        r = look(dirfd, name, &st);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (!S_ISDIR(st.stx_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        if (!same_mount(&st, parent))
                return -EXDEV;
        return remove_dir(dirfd, name, &st);
}

static int remove_contents(int fd, const struct statx *self) {
        _cleanup_(names_free) struct names l = {};
        int r;

        r = read_names(fd, &l);
        if (r < 0)
                return r;
        r = 0;
        /* Go on after a failure: remove all that may be removed, report the first error. */
        for (size_t i = 0; i < l.n; i++)
                r = keep_first(r, remove_entry(fd, l.v[i], self));
        return r;
}

int rm_rf_at(int dirfd, const char *name) {
        struct statx parent;
        int r;

        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0)
                return -EINVAL;
        r = look(dirfd, ".", &parent);
        if (r < 0)
                return r;
        r = look(dirfd, name, &(struct statx) {});
        if (r < 0)
                return r;
        return remove_entry(dirfd, name, &parent);
}

int rm_rf_path(const char *path) {
        _cleanup_free_ char *parent = strdup(path);
        _cleanup_close_ int fd = -1;
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash)
                return -EINVAL;
        *slash = '\0';
        fd = open(slash == parent ? "/" : parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return rm_rf_at(fd, slash + 1);
}
