/* rmtree_at(): depth first, every directory opened by name below an open parent and checked
 * to be the one examined, so that nothing renamed in between leads elsewhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "vpsmgr/rmtree.h"

/* Never trigger an automount, never follow the last component. */
#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC)

static int statx_at(int dirfd, const char *name, int flags, struct statx *ret) {
        if (statx(dirfd, name, STATX_FLAGS | flags, STATX_TYPE | STATX_INO | STATX_MNT_ID, ret) < 0)
                return negative_errno();
        return 0;
}

static int remove_contents(int fd, unsigned long long mnt_id);

/* Removes the entry name of directory fd, which lives on mount mnt_id. */
static int remove_entry(int fd, unsigned long long mnt_id, const char *name) {
        _cleanup_close_ int child = -1;
        struct statx st, opened;
        int r;

        r = statx_at(fd, name, 0, &st);
        if (r < 0)
                return r;
        if (!S_ISDIR(st.stx_mode))
                return unlinkat(fd, name, 0) < 0 ? negative_errno() : 0;
        if (st.stx_mnt_id != mnt_id)
                return -EXDEV;
        child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
                return negative_errno();
        r = statx_at(child, "", AT_EMPTY_PATH, &opened);
        if (r < 0)
                return r;
        /* Something was mounted or swapped in between: not ours to enter. */
        if (opened.stx_ino != st.stx_ino || opened.stx_mnt_id != mnt_id)
                return -EXDEV;
        r = remove_contents(child, mnt_id);
        if (unlinkat(fd, name, AT_REMOVEDIR) < 0 && r >= 0)
                r = negative_errno();
        return r;
}

static int remove_contents(int fd, unsigned long long mnt_id) {
        struct dirent *e;
        DIR *d;
        int iter, r = 0, k;

        /* fdopendir() takes over its fd; fd stays ours for the *at() calls. */
        iter = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (iter < 0)
                return negative_errno();
        d = fdopendir(iter);
        if (!d) {
                safe_close(iter);
                return negative_errno();
        }
        while ((errno = 0, e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                /* Go on after a failure: remove as much as we can, report the first. */
                k = remove_entry(fd, mnt_id, e->d_name);
                if (k < 0 && k != -ENOENT && r >= 0)
                        r = k;
        }
        if (errno != 0 && r >= 0)
                r = negative_errno();
        closedir(d);
        return r;
}

int rmtree_at(int dirfd, const char *name) {
        struct statx parent;
        int r;

        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        r = statx_at(dirfd, "", AT_EMPTY_PATH, &parent);
        if (r < 0)
                return r;
        return remove_entry(dirfd, parent.stx_mnt_id, name);
}
