/* The VPID table (DESIGN.md, FIG. 2), realised by cgroups: a process belongs to the VPS
 * whose cgroup <parent>/<name> holds it, directly or in a sub-cgroup the VPS made in its
 * cgroup namespace. No table is stored, so none can go stale: the kernel keeps it. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The VPS name in a cgroup2 path as /proc/PID/cgroup shows it ("/vps/web1/sub" → "web1").
 * -ENOENT: not below /<parent>/<name> (the root, "/vps" itself, "/vpsx/..", "/../.." outside
 * our cgroup namespace, any ".." component); -EBADMSG: not an absolute path of non-empty
 * components. */
int vpid_name_from_path(const char *path, const char *parent, char **ret_name);
/* The same from the whole content of /proc/PID/cgroup. */
int vpid_parse(const char *proc_cgroup, const char *parent, char **ret_name);
/* The same for a live process: -ESRCH if there is no such process, -ENOENT if it is not in
 * a VPS. */
int vpid_of_pid(pid_t pid, const char *parent, char **ret_name);

/* Every pid in the VPS's cgroup cgfd and its sub-cgroups, sorted, each once. */
int vpid_get_pids(int cgfd, pid_t **ret_pids, size_t *ret_n);
