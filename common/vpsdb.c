/* The state directory: names, the per-VPS layout, listing and locks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/vpsdb.h"

#define NAME_FIRST "abcdefghijklmnopqrstuvwxyz0123456789"
#define NAME_CHARS NAME_FIRST "_.-"

/* The root's own files, whose names would otherwise be valid VPS names. */
static const char *const reserved_names[] = { "pool", "pool.lock" };

static const struct {
        const char *name;
        mode_t mode;
} layout_dirs[] = {
        { "rootfs", 0755 },
        { "mnt", 0755 },
        { "run", 0700 },
};

static const char *name_reason(const char *name) {
        static __thread char reason[80];
        size_t len = strlen(name), ok;
        unsigned char c;

        if (len == 0)
                return "name is empty";
        if (len > VPS_NAME_MAX)
                return "name longer than 63 characters";
        if (!strchr(NAME_FIRST, name[0]))
                return "name must start with a lower-case letter or digit";
        ok = strspn(name, NAME_CHARS);
        if (ok < len) {
                c = (unsigned char) name[ok];
                if (c > ' ' && c < 0x7f)
                        snprintf(reason, sizeof(reason), "character '%c' not allowed (only a-z, 0-9, '_', '.', '-')", c);
                else
                        snprintf(reason, sizeof(reason), "byte 0x%02x not allowed (only a-z, 0-9, '_', '.', '-')", c);
                return reason;
        }
        for (size_t i = 0; i < ELEMENTSOF(reserved_names); i++)
                if (strcmp(name, reserved_names[i]) == 0)
                        return "name is reserved for a file of the state directory";
        return NULL;
}

int vps_name_check(const char *name, const char **ret_reason) {
        const char *reason = name ? name_reason(name) : "name is empty";

        if (!reason)
                return 0;
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

int vpsdb_open_root(const char *path, bool create) {
        int fd;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
                if (mkdir(path, 0700) < 0 && errno != EEXIST)
                        return negative_errno();
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        return fd < 0 ? negative_errno() : fd;
}

int vpsdb_open_vps(int root_fd, const char *name) {
        int fd;

        if (vps_name_check(name, NULL) < 0)
                return -EINVAL;
        fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* Removes the empty layout under root_fd/dir; used to undo a partial creation. */
static void remove_layout(int root_fd, const char *dir) {
        _cleanup_close_ int fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        for (size_t i = 0; fd >= 0 && i < ELEMENTSOF(layout_dirs); i++)
                (void) unlinkat(fd, layout_dirs[i].name, AT_REMOVEDIR);
        (void) unlinkat(root_fd, dir, AT_REMOVEDIR);
}

static int make_layout(int root_fd, const char *dir, int *ret_fd) {
        _cleanup_close_ int fd = -1;

        if (mkdirat(root_fd, dir, 0700) < 0)
                return negative_errno();
        fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        for (size_t i = 0; i < ELEMENTSOF(layout_dirs); i++) {
                /* Explicit chmod: the modes must not depend on the caller's umask. */
                if (mkdirat(fd, layout_dirs[i].name, 0700) < 0 ||
                    fchmodat(fd, layout_dirs[i].name, layout_dirs[i].mode, 0) < 0)
                        return negative_errno();
        }
        /* The new entries must be on disk before the rename makes NAME visible. */
        if (fsync(fd) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int vpsdb_create_vps(int root_fd, const char *name) {
        _cleanup_close_ int fd = -1;
        char tmp[VPS_NAME_MAX + 32];
        int r;

        if (vps_name_check(name, NULL) < 0)
                return -EINVAL;
        /* A leading '.' keeps the temporary out of vpsdb_list(); a leftover of a crashed
         * creation by a process with the same pid is empty and removed first. */
        snprintf(tmp, sizeof(tmp), ".new.%s.%d", name, (int) getpid());
        remove_layout(root_fd, tmp);
        r = make_layout(root_fd, tmp, &fd);
        if (r >= 0 && renameat2(root_fd, tmp, root_fd, name, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (r < 0) {
                remove_layout(root_fd, tmp);
                return r;
        }
        if (fsync(root_fd) < 0 && errno != EINVAL)
                return negative_errno();
        return TAKE_FD(fd);
}

void vpsdb_names_free(char **names) {
        for (char **p = names; p && *p; p++)
                free(*p);
        free(names);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static bool entry_is_dir(DIR *d, const struct dirent *e) {
        struct stat st;

        if (e->d_type != DT_UNKNOWN)
                return e->d_type == DT_DIR;
        return fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int names_append(char ***names, size_t *n, const char *name) {
        char **p = realloc(*names, (*n + 2) * sizeof(char *));

        if (!p)
                return -ENOMEM;
        *names = p;
        p[*n] = strdup(name);
        if (!p[*n])
                return -ENOMEM;
        p[++*n] = NULL;
        return 0;
}

int vpsdb_list(int root_fd, char ***ret_names) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_names_ char **names = NULL;
        struct dirent *e;
        size_t n = 0;
        int fd, r;

        fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        names = calloc(1, sizeof(char *)); /* a valid empty array even without entries */
        if (!names)
                return -ENOMEM;
        while ((errno = 0, e = readdir(d))) {
                if (vps_name_check(e->d_name, NULL) < 0 || !entry_is_dir(d, e))
                        continue;
                r = names_append(&names, &n, e->d_name);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return negative_errno();
        qsort(names, n, sizeof(char *), compare_names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

int vpsdb_lock_at(int dirfd, const char *name, bool wait) {
        _cleanup_close_ int fd = -1;

        fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return negative_errno();
        while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                if (errno == EINTR)
                        continue;
                return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
        }
        return TAKE_FD(fd);
}

int vpsdb_lock_vps(int vps_fd, bool wait) {
        _cleanup_close_ int run_fd = -1, lock_fd = -1;
        struct stat st;

        run_fd = openat(vps_fd, "run", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (run_fd < 0)
                return negative_errno();
        lock_fd = vpsdb_lock_at(run_fd, "lock", wait);
        if (lock_fd < 0)
                return lock_fd;
        /* A destroy that held the lock before us has removed the directory by now. */
        if (fstat(vps_fd, &st) < 0)
                return negative_errno();
        if (st.st_nlink == 0)
                return -ENOENT;
        return TAKE_FD(lock_fd);
}
