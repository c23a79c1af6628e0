/* Where the cgroup2 hierarchy is mounted, and where a process sits in it. Found through the
 * mount table, never assumed: /sys/fs/cgroup on a pure cgroup2 host, /sys/fs/cgroup/unified
 * on a hybrid one, anything else on a host set up by hand. */
#include <errno.h>
#include <fcntl.h>
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
/* A host with tens of thousands of mounts (containers) has a mountinfo of a few MiB. */
#define MOUNTINFO_MAX (64 * 1024 * 1024)

int cgroup_find_root_from(const char *mountinfo, char **ret_path) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_file_at(AT_FDCWD, mountinfo, MOUNTINFO_MAX, &text, NULL);
        if (r < 0)
                return log_debug_errno(r, "Failed to read '%s': %m", mountinfo);
        r = cgroup_parse_mountinfo(text, ret_path);
        if (r == -EBADMSG)
                return log_debug_errno(r, "Failed to parse '%s': %m", mountinfo);
        return r;
}

int cgroup_find_root(char **ret_path) {
        /* Once per process: a verb asks several times (its handle, the state probe), and
         * where cgroup2 is mounted does not change under a running vpsmgr. Only a success
         * is kept, so a lookup that failed is tried again. */
        static char *cached = NULL;
        char *found, *expected = NULL, *copy;
        int r;

        found = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
        if (!found) {
                r = cgroup_find_root_from("/proc/self/mountinfo", &found);
                if (r < 0)
                        return r;
                /* Two threads may race here; the loser frees its copy and takes the winner's. */
                if (!__atomic_compare_exchange_n(&cached, &expected, found, false, __ATOMIC_ACQ_REL,
                                                 __ATOMIC_ACQUIRE)) {
                        free(found);
                        found = expected;
                }
        }
        copy = strdup(found);
        if (!copy)
                return -ENOMEM;
        *ret_path = copy;
        return 0;
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
