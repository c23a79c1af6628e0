/* Collecting a VPS's processes for signalling. The order of the checks is what makes it safe:
 * pidfd first, then everything read from /proc, then proof that the pidfd's process still
 * exists. A PID cannot be reused while its process exists (even as a zombie), so what was
 * read, its cgroup included, was that process's. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/vpid.h"
#include "vpsmgr/vps-procs.h"

#define STATUS_MAX (64 * 1024)

/* The value of "key:\t..." in status, as a NUL-terminated copy in buf. */
static int status_field(const char *status, const char *key, char *buf, size_t size) {
        size_t len = strlen(key);
        const char *p = status;

        for (;;) {
                if (strncmp(p, key, len) == 0 && p[len] == ':') {
                        size_t n;

                        p += len + 1;
                        n = strcspn(p, "\n");
                        if (n >= size)
                                return -EBADMSG;
                        memcpy(buf, p, n);
                        buf[n] = '\0';
                        return 0;
                }
                p = strchr(p, '\n');
                if (!p)
                        return -ENODATA;
                p++;
        }
}

/* The index-th blank-separated number of s. */
static int nth_number(const char *s, size_t index, uint32_t *ret) {
        for (size_t i = 0;; i++) {
                size_t n;

                s += strspn(s, " \t");
                n = strcspn(s, " \t");
                if (n == 0)
                        return -ENODATA;
                if (i == index)
                        return safe_atou32_n(s, n, ret);
                s += n;
        }
}

int proc_status_parse(const char *status, pid_t *ret_vpid, uint32_t *ret_uid, uint32_t *ret_gid) {
        char nspid[256], uid[128], gid[128];
        uint32_t vpid, u, g;
        int r;

        r = status_field(status, "NSpid", nspid, sizeof(nspid));
        if (r >= 0)
                r = status_field(status, "Uid", uid, sizeof(uid));
        if (r >= 0)
                r = status_field(status, "Gid", gid, sizeof(gid));
        if (r >= 0)
                r = nth_number(uid, 0, &u);
        if (r >= 0)
                r = nth_number(gid, 0, &g);
        if (r < 0)
                return r == -ENODATA ? -EBADMSG : r;
        /* Field 0 is the PID in our namespace; field 1, if any, in the namespace the
         * launcher created one level below: the VPS's. Deeper fields belong to namespaces
         * the VPS made itself. */
        r = nth_number(nspid, 1, &vpid);
        if (r == -ENODATA)
                vpid = 0;
        else if (r < 0 || vpid == 0 || vpid > INT32_MAX)
                return -EBADMSG;
        *ret_vpid = (pid_t) vpid;
        *ret_uid = u;
        *ret_gid = g;
        return 0;
}

/* Fills *ret for pid: 1 if it is a live process of the VPS, 0 if it is gone or not (any
 * more) the VPS's. */
static int proc_load(pid_t pid, const char *cgroup_parent, const char *name, struct vps_proc *ret) {
        _cleanup_free_ char *status = NULL, *owner = NULL;
        _cleanup_close_ int pidfd = -1;
        char path[64];
        int r;

        /* Never anything but a positive PID: 0 and negative values mean process groups and
         * "everyone" to the kernel's signalling calls. */
        if (pid <= 0)
                return -EINVAL;
        pidfd = pidfd_open(pid, 0);
        if (pidfd < 0)
                return errno == ESRCH ? 0 : negative_errno();

        r = vpid_of_pid(pid, cgroup_parent, &owner);
        if (r == -ESRCH || r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (strcmp(owner, name) != 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        r = read_file_at(AT_FDCWD, path, STATUS_MAX, &status, NULL);
        if (r == -ENOENT || r == -ESRCH)
                return 0;
        if (r < 0)
                return r;
        *ret = (struct vps_proc) { .pid = pid };
        r = proc_status_parse(status, &ret->vpid, &ret->uid, &ret->gid);
        if (r < 0)
                return r;

        /* Still there, so the PID was not reused while we read: all of the above is
         * this process's. */
        if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
                return errno == ESRCH ? 0 : negative_errno();
        ret->pidfd = TAKE_FD(pidfd);
        return 1;
}

int vps_procs_collect(int cgfd, const char *cgroup_parent, const char *name, struct vps_procs *ret) {
        _cleanup_free_ pid_t *pids = NULL;
        struct vps_procs p = {};
        size_t n;
        int r;

        r = vpid_get_pids(cgfd, &pids, &n);
        if (r < 0)
                return r;
        p.procs = calloc(n ?: 1, sizeof(*p.procs));
        if (!p.procs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = proc_load(pids[i], cgroup_parent, name, &p.procs[p.n]);
                if (r < 0) {
                        vps_procs_done(&p);
                        return r;
                }
                if (r > 0)
                        p.n++;
        }
        *ret = p;
        return 0;
}

void vps_procs_done(struct vps_procs *p) {
        for (size_t i = 0; i < p->n; i++)
                safe_close(p->procs[i].pidfd);
        free(p->procs);
        *p = (struct vps_procs) {};
}
