/* Where the cgroup2 hierarchy is mounted, and where a process sits in it. Found through the
 * mount table, never assumed: /sys/fs/cgroup on a pure cgroup2 host, /sys/fs/cgroup/unified
 * on a hybrid one, anything else on a host set up by hand. */
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup-parse.h"
#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"

/* Generous: one line per v1 hierarchy plus one path of at most a few KiB. */
#define PROC_CGROUP_MAX (1024 * 1024)

static void mnt_unref_tablep(struct libmnt_table **t) {
        mnt_unref_table(*t);
}

static void mnt_free_iterp(struct libmnt_iter **i) {
        mnt_free_iter(*i);
}

int cgroup_find_root_from(const char *mountinfo, char **ret_path) {
        _cleanup_(mnt_unref_tablep) struct libmnt_table *table = NULL;
        _cleanup_(mnt_free_iterp) struct libmnt_iter *iter = NULL;
        struct libmnt_fs *fs;
        int r;

        table = mnt_new_table();
        iter = mnt_new_iter(MNT_ITER_BACKWARD);
        if (!table || !iter)
                return -ENOMEM;
        r = mnt_table_parse_file(table, mountinfo);
        if (r < 0)
                return log_debug_errno(r, "Failed to parse '%s': %m", mountinfo);

        /* Backwards, so that of two mounts on one place the visible (later) one wins. */
        while (mnt_table_next_fs(table, iter, &fs) == 0) {
                const char *fstype = mnt_fs_get_fstype(fs), *root = mnt_fs_get_root(fs);
                const char *target = mnt_fs_get_target(fs);
                char *path;

                if (!fstype || strcmp(fstype, "cgroup2") != 0 || !target)
                        continue;
                /* A bind mount of a sub-cgroup would make the paths in /proc/PID/cgroup (which
                 * are relative to our cgroup namespace root) disagree with the mount. */
                if (root && strcmp(root, "/") != 0)
                        continue;
                path = strdup(target);
                if (!path)
                        return -ENOMEM;
                *ret_path = path;
                return 0;
        }
        return -ENOMEDIUM;
}

int cgroup_find_root(char **ret_path) {
        return cgroup_find_root_from("/proc/self/mountinfo", ret_path);
}

int cgroup_pid_get_path(pid_t pid, char **ret_path) {
        _cleanup_free_ char *text = NULL;
        char file[64];
        int r;

        if (pid <= 0)
                return -EINVAL;
        snprintf(file, sizeof(file), "/proc/%d/cgroup", (int) pid);
        r = read_file_at(AT_FDCWD, file, PROC_CGROUP_MAX, &text, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        return cgroup_parse_proc_cgroup(text, ret_path);
}
