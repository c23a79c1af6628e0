/* PID → VPS from /proc/PID/cgroup, and VPS → PIDs from cgroup.procs over its sub-cgroups. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/macro.h"
#include "common/vpid.h"

/* The kernel appends this to the path of a removed cgroup2 directory. */
#define DELETED_SUFFIX " (deleted)"

/* Checks every component of path; returns the number of them, or a negative errno. */
static int count_components(const char *path) {
        int n = 0;

        if (path[0] != '/')
                return -EBADMSG;
        if (path[1] == '\0')
                return 0; /* the root */
        for (const char *p = path + 1;;) {
                size_t len = strcspn(p, "/");

                if (len == 0 || memchr(p, '\n', len))
                        return -EBADMSG;
                /* The kernel writes ".." for cgroups outside our cgroup namespace: whatever
                 * follows, they are not ours. */
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return -ENOENT;
                n++;
                if (p[len] == '\0')
                        return n;
                p += len + 1;
        }
}

int vpid_name_from_path(const char *path, const char *parent, char **ret_name) {
        size_t parent_len = strlen(parent), len;
        const char *name;
        int n;
        char *s;

        n = count_components(path);
        if (n < 0)
                return n;
        if (n < 2 || strncmp(path + 1, parent, parent_len) != 0 || path[1 + parent_len] != '/')
                return -ENOENT;

        name = path + 1 + parent_len + 1;
        len = strcspn(name, "/");
        /* Only a VPS cgroup removed under a dying process can end in the suffix here: a name
         * below the parent is chosen by vpsmgr, never by a tenant. */
        if (n == 2 && len > strlen(DELETED_SUFFIX) &&
            strcmp(name + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX) == 0)
                len -= strlen(DELETED_SUFFIX);

        s = strndup(name, len);
        if (!s)
                return -ENOMEM;
        *ret_name = s;
        return 0;
}

int vpid_parse(const char *proc_cgroup, const char *parent, char **ret_name) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = cgroup_parse_proc_cgroup(proc_cgroup, &path);
        if (r < 0)
                return r;
        return vpid_name_from_path(path, parent, ret_name);
}

int vpid_of_pid(pid_t pid, const char *parent, char **ret_name) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = cgroup_pid_get_path(pid, &path);
        if (r < 0)
                return r;
        return vpid_name_from_path(path, parent, ret_name);
}

struct pid_list {
        pid_t *pids;
        size_t n, allocated;
};

static int collect_pids(int dirfd, int parentfd, const char *name, void *userdata) {
        struct pid_list *l = userdata;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        int r;

        r = cgroup_get_pids(dirfd, &pids, &n);
        if (r == -ENOENT)
                return 0; /* a sub-cgroup removed while we walked */
        if (r < 0)
                return r;
        if (l->n + n > l->allocated) {
                size_t want = MAX(l->allocated * 2, l->n + n);
                pid_t *p = reallocarray(l->pids, want, sizeof(pid_t));

                if (!p)
                        return -ENOMEM;
                l->pids = p;
                l->allocated = want;
        }
        if (n > 0)
                memcpy(l->pids + l->n, pids, n * sizeof(pid_t));
        l->n += n;
        return 0;
}

static int compare_pids(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return (x > y) - (x < y);
}

int vpid_get_pids(int cgfd, pid_t **ret_pids, size_t *ret_n) {
        struct pid_list l = {};
        size_t n = 0;
        int r;

        r = cgroup_walk(cgfd, collect_pids, &l);
        if (r < 0) {
                free(l.pids);
                return r;
        }
        /* A process moving between sub-cgroups during the walk may have been seen twice. */
        if (l.n > 0)
                qsort(l.pids, l.n, sizeof(pid_t), compare_pids);
        for (size_t i = 0; i < l.n; i++)
                if (n == 0 || l.pids[n - 1] != l.pids[i])
                        l.pids[n++] = l.pids[i];
        *ret_pids = l.pids;
        *ret_n = n;
        return 0;
}
