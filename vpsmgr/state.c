/* Probing a VPS's runtime state: cgroup, mount point, init pid, uptime. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cgroup.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/vpid.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/state.h"

#define PROC_FILE_MAX (64 * 1024)

int mount_point_at(int dirfd, const char *name, bool *ret) {
        struct statx parent, st;

        if (statx(dirfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &parent) < 0)
                return negative_errno();
        /* DONT_SYNC: a hung FUSE daemon must not hang us; its cached root attributes do. */
        if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC,
                  STATX_MNT_ID, &st) < 0) {
                if (errno == ENOTCONN) {
                        *ret = true;
                        return 0;
                }
                return negative_errno();
        }
        *ret = (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT && st.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
               st.stx_mnt_id != parent.stx_mnt_id;
        return 0;
}

int proc_read(pid_t pid, const char *leaf, char **ret_text) {
        char path[64];
        int r;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, leaf);
        r = read_file_at(AT_FDCWD, path, PROC_FILE_MAX, ret_text, NULL);
        return r == -ENOENT ? -ESRCH : r;
}

int proc_starttime(pid_t pid, uint64_t *ret_ticks) {
        _cleanup_free_ char *stat = NULL;
        unsigned long long start;
        char *p;
        int r;

        r = proc_read(pid, "stat", &stat);
        if (r < 0)
                return r;
        /* The command name may hold anything, ')' included: the fields follow the last ')'.
         * starttime is field 22, the 20th after it. */
        p = strrchr(stat, ')');
        if (!p)
                return -EBADMSG;
        for (int field = 2; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EBADMSG;
        }
        if (sscanf(p + 1, "%llu", &start) != 1)
                return -EBADMSG;
        *ret_ticks = start;
        return 0;
}

int proc_uptime(pid_t pid, int64_t *ret_seconds) {
        _cleanup_free_ char *uptime = NULL;
        uint64_t start;
        double up;
        long ticks = sysconf(_SC_CLK_TCK);
        int r;

        r = proc_starttime(pid, &start);
        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, "/proc/uptime", PROC_FILE_MAX, &uptime, NULL);
        if (r < 0)
                return r;
        if (sscanf(uptime, "%lf", &up) != 1 || ticks <= 0)
                return -EBADMSG;
        *ret_seconds = MAX((int64_t) up - (int64_t) (start / (uint64_t) ticks), 0);
        return 0;
}

int proc_pid_inside(pid_t pid, pid_t *ret) {
        _cleanup_free_ char *status = NULL;
        char *line, *last;
        uint32_t v;
        int r;

        r = proc_read(pid, "status", &status);
        if (r < 0)
                return r;
        line = strstr(status, "\nNSpid:");
        if (!line)
                return -ENODATA;
        line += strlen("\nNSpid:");
        line[strcspn(line, "\n")] = '\0';
        /* Fields separated by tabs; trailing blanks are not the kernel's habit but cost
         * nothing to allow. */
        while (*line && strchr(" \t", line[strlen(line) - 1]))
                line[strlen(line) - 1] = '\0';
        last = strrchr(line, '\t');
        last = last ? last + 1 : line + strspn(line, " \t");
        if (safe_atou32(last, &v) < 0 || v == 0 || v > INT32_MAX)
                return -EBADMSG;
        *ret = (pid_t) v;
        return 0;
}

/* run/init.pid, trusted only if that process is still the one recorded and in the VPS's
 * cgroup now (a pid may have been reused since). */
static pid_t read_init_pid(int vps_fd, const char *cgroup_parent, const char *name) {
        _cleanup_close_ int pidfd = -1;
        pid_t pid;

        if (runstate_pidfd(vps_fd, RUN_INIT, cgroup_parent, name, &pidfd, &pid) < 0)
                return 0;
        return pid;
}

static int probe_cgroup(const char *cgroup_parent, const char *name, struct vps_runtime *rt) {
        _cleanup_free_ char *root = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_close_ int cgfd = -1;
        int r;

        r = cgroup_find_root(&root);
        if (r == -ENOMEDIUM)
                return 0; /* no cgroup2: nothing can run */
        if (r < 0)
                return r;
        if (asprintf(&rt->cgroup_path, "%s/%s/%s", root, cgroup_parent, name) < 0) {
                rt->cgroup_path = NULL;
                return -ENOMEM;
        }
        r = cgroup_open(root, cgroup_parent, name, &cgfd);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        rt->cgroup_exists = true;
        r = cgroup_is_populated(cgfd, &rt->populated);
        if (r < 0)
                return r;
        r = vpid_get_pids(cgfd, &pids, &rt->n_processes);
        if (r == -ENOENT)
                return 0; /* removed while we looked */
        return r;
}

int vps_runtime_probe(const char *cgroup_parent, int vps_fd, const char *name, struct vps_runtime *ret) {
        struct vps_runtime rt = { .uptime = -1 };
        int r;

        r = probe_cgroup(cgroup_parent, name, &rt);
        if (r >= 0)
                r = mount_point_at(vps_fd, "mnt", &rt.mounted);
        if (r == -ENOENT)
                r = 0; /* no mnt: a half-removed VPS */
        if (r < 0) {
                vps_runtime_done(&rt);
                return r;
        }
        if (rt.populated) {
                rt.init_pid = read_init_pid(vps_fd, cgroup_parent, name);
                if (rt.init_pid > 0 && proc_uptime(rt.init_pid, &rt.uptime) < 0)
                        rt.uptime = -1;
        }
        *ret = rt;
        return 0;
}

void vps_runtime_done(struct vps_runtime *rt) {
        free(rt->cgroup_path);
        rt->cgroup_path = NULL;
}

int vps_is_running(const char *cgroup_parent, int vps_fd, const char *name, bool *ret_running) {
        struct vps_runtime rt;
        int r;

        r = vps_runtime_probe(cgroup_parent, vps_fd, name, &rt);
        if (r < 0)
                return r;
        *ret_running = vps_runtime_is_running(&rt);
        vps_runtime_done(&rt);
        return 0;
}
