/* Creating, opening, walking and removing a VPS's cgroup directory, and its membership. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"

/* 4 Mi pids of up to 8 characters each: more than any host runs. */
#define CGROUP_PROCS_MAX (64 * 1024 * 1024)

static bool component_is_valid(const char *s) {
        return s && *s && !strchr(s, '/') && !strchr(s, '\n') && strcmp(s, ".") != 0 &&
               strcmp(s, "..") != 0 && strlen(s) <= NAME_MAX;
}

static int open_dir_at(int dirfd, const char *name, int *ret_fd) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

/* The root, checked to be cgroup2 so that a wrong path is an error, not a tmpfs directory;
 * and parent, checked to be one component, so that it cannot lead out of it. */
static int open_root(const char *root, const char *parent, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        struct statfs sfs;

        if (!component_is_valid(parent))
                return -EINVAL;
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_debug_errno(negative_errno(), "Failed to open '%s': %m", root);
        if (fstatfs(fd, &sfs) < 0)
                return negative_errno();
        if (sfs.f_type != CGROUP2_SUPER_MAGIC)
                return log_debug_errno(-ENOMEDIUM, "'%s' is not a cgroup2 mount", root);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_parent(const char *root, const char *parent, bool create, int *ret_fd) {
        _cleanup_close_ int rootfd = -1;
        int r;

        r = open_root(root, parent, &rootfd);
        if (r < 0)
                return r;
        if (create && mkdirat(rootfd, parent, 0755) < 0 && errno != EEXIST)
                return log_debug_errno(negative_errno(), "Failed to create cgroup '%s/%s': %m", root, parent);
        return open_dir_at(rootfd, parent, ret_fd);
}

int cgroup_create(const char *root, const char *parent, const char *name, int *ret_fd) {
        _cleanup_close_ int parentfd = -1;
        int r;

        if (!component_is_valid(name))
                return -EINVAL;
        /* Twice: the last VPS's teardown may remove the parent between our open and mkdir. */
        for (int attempt = 0;; attempt++) {
                r = open_parent(root, parent, true, &parentfd);
                if (r < 0)
                        return r;
                if (mkdirat(parentfd, name, 0755) >= 0)
                        break;
                r = negative_errno();
                if (r != -ENOENT || attempt > 0)
                        return log_debug_errno(r, "Failed to create cgroup '%s/%s/%s': %m", root, parent, name);
                parentfd = safe_close(parentfd);
        }
        return open_dir_at(parentfd, name, ret_fd);
}

int cgroup_open(const char *root, const char *parent, const char *name, int *ret_fd) {
        _cleanup_close_ int parentfd = -1;
        int r;

        if (name && !component_is_valid(name))
                return -EINVAL;
        r = open_parent(root, parent, false, &parentfd);
        if (r < 0)
                return r;
        if (!name) {
                *ret_fd = TAKE_FD(parentfd);
                return 0;
        }
        return open_dir_at(parentfd, name, ret_fd);
}

static int walk_level(int dirfd, int parentfd, const char *name, unsigned depth,
                      cgroup_walk_fn fn, void *userdata) {
        _cleanup_close_ int iterfd = -1;
        DIR *d;
        struct dirent *e;
        int r = 0;

        if (depth > CGROUP_WALK_MAX_DEPTH)
                return -ELOOP;
        /* A second fd for readdir: fdopendir takes it over, and dirfd stays the caller's. */
        iterfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (iterfd < 0)
                return negative_errno();
        d = fdopendir(iterfd);
        if (!d)
                return negative_errno();
        TAKE_FD(iterfd);

        while ((errno = 0, e = readdir(d))) {
                _cleanup_close_ int childfd = -1;

                /* Every directory in cgroupfs is a cgroup; its files are never directories. */
                if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                r = open_dir_at(dirfd, e->d_name, &childfd);
                if (r == -ENOENT)
                        continue; /* removed while we looked */
                if (r < 0)
                        break;
                r = walk_level(childfd, dirfd, e->d_name, depth + 1, fn, userdata);
                if (r < 0)
                        break;
        }
        if (r >= 0 && errno != 0)
                r = negative_errno();
        closedir(d);
        if (r < 0)
                return r;
        return fn(dirfd, parentfd, name, userdata);
}

int cgroup_walk(int cgfd, cgroup_walk_fn fn, void *userdata) {
        return walk_level(cgfd, -1, NULL, 0, fn, userdata);
}

static int rmdir_child(int dirfd, int parentfd, const char *name, void *userdata) {
        if (parentfd < 0)
                return 0; /* the top is removed by name, below */
        if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int cgroup_remove(const char *root, const char *parent, const char *name) {
        _cleanup_close_ int parentfd = -1, fd = -1;
        bool populated;
        int r;

        if (!component_is_valid(name))
                return -EINVAL;
        r = open_parent(root, parent, false, &parentfd);
        if (r < 0)
                return r;
        r = open_dir_at(parentfd, name, &fd);
        if (r < 0)
                return r;
        /* Asked first, so that a live VPS does not lose its empty sub-cgroups. */
        r = cgroup_is_populated(fd, &populated);
        if (r < 0)
                return r;
        if (populated)
                return -EBUSY;
        r = cgroup_walk(fd, rmdir_child, NULL);
        if (r < 0)
                return log_debug_errno(r, "Failed to remove sub-cgroups of '%s/%s/%s': %m", root, parent, name);
        if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0)
                return log_debug_errno(negative_errno(), "Failed to remove cgroup '%s/%s/%s': %m",
                                       root, parent, name);
        return 0;
}

int cgroup_remove_parent(const char *root, const char *parent) {
        _cleanup_close_ int rootfd = -1;
        int r;

        r = open_root(root, parent, &rootfd);
        if (r < 0)
                return r;
        if (unlinkat(rootfd, parent, AT_REMOVEDIR) < 0)
                return negative_errno();
        return 0;
}

int cgroup_attach(int cgfd, pid_t pid) {
        char buf[32];

        if (pid <= 0)
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        return write_string_at(cgfd, "cgroup.procs", buf);
}

int cgroup_get_pids(int cgfd, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_file_at(cgfd, "cgroup.procs", CGROUP_PROCS_MAX, &text, NULL);
        if (r < 0)
                return r;
        return cgroup_parse_pids(text, ret_pids, ret_n);
}
