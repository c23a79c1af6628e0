/* A VPS's cgroup v2 directory: <cgroup2 mount>/<parent>/<name>. Membership is inherited by
 * every fork and clone, so the directory is the VPS's VPID table (DESIGN.md). Only the
 * lookups by path take strings; everything else works *at() on an open directory fd, so a
 * rename or a racing mount cannot redirect a write. Needs no controller: freeze, kill,
 * events and procs are core files, present on a hybrid host with every controller in v1. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CGROUP_PARENT_DEFAULT "vps"
/* How deep cgroup_walk() follows sub-cgroups that a VPS made in its cgroup namespace. */
#define CGROUP_WALK_MAX_DEPTH 64

enum cgroup_controller {
        CGROUP_CONTROLLER_CPU,
        CGROUP_CONTROLLER_CPUSET,
        CGROUP_CONTROLLER_IO,
        CGROUP_CONTROLLER_MEMORY,
        CGROUP_CONTROLLER_HUGETLB,
        CGROUP_CONTROLLER_PIDS,
        CGROUP_CONTROLLER_RDMA,
        CGROUP_CONTROLLER_MISC,
        _CGROUP_CONTROLLER_MAX,
};

#define CGROUP_MASK(c) (1u << (c))

const char *cgroup_controller_to_string(enum cgroup_controller c);
/* The controller named s, or -EINVAL. */
int cgroup_controller_from_string(const char *s);

/* The cgroup2 mount point, found in /proc/self/mountinfo (once per process, then kept):
 * /sys/fs/cgroup on a pure cgroup2 host, /sys/fs/cgroup/unified on a hybrid one. -ENOMEDIUM if
 * there is none. */
int cgroup_find_root(char **ret_path);
/* The same from a mountinfo file of the caller's choice (tests feed their own). */
int cgroup_find_root_from(const char *mountinfo, char **ret_path);

/* The cgroup2 path of pid relative to the cgroup2 root ("/vps/web1"); -ESRCH if no such
 * process. */
int cgroup_pid_get_path(pid_t pid, char **ret_path);

/* parent and name are single path components. create makes root/parent (mode 0755) when
 * missing, then root/parent/name (-EEXIST if it exists), and returns it open. With name
 * NULL, open gives the parent itself (to enable controllers for its children). */
int cgroup_create(const char *root, const char *parent, const char *name, int *ret_fd);
int cgroup_open(const char *root, const char *parent, const char *name, int *ret_fd);
/* Removes root/parent/name and the empty sub-cgroups a VPS made below it; -EBUSY while any
 * process remains. remove_parent removes root/parent once no VPS cgroup is left in it. */
int cgroup_remove(const char *root, const char *parent, const char *name);
int cgroup_remove_parent(const char *root, const char *parent);

/* Calls fn for cgfd's cgroup and every sub-cgroup, children before their parent (so fn may
 * rmdir them); dirfd is the cgroup, parentfd/name its entry (-1/NULL for cgfd itself). A
 * negative return from fn stops the walk and is returned. -ELOOP past
 * CGROUP_WALK_MAX_DEPTH levels. */
typedef int (*cgroup_walk_fn)(int dirfd, int parentfd, const char *name, void *userdata);
int cgroup_walk(int cgfd, cgroup_walk_fn fn, void *userdata);

/* Moves pid (and its threads) into the cgroup. */
int cgroup_attach(int cgfd, pid_t pid);
/* The pids directly in this cgroup (not its sub-cgroups), as many as there are. */
int cgroup_get_pids(int cgfd, pid_t **ret_pids, size_t *ret_n);

/* SIGKILL to every process of the cgroup and its sub-cgroups, atomically with respect to
 * fork (cgroup.kill). -EOPNOTSUPP on kernels without it (< 5.14). */
int cgroup_kill(int cgfd);
/* Freeze and thaw, returning once cgroup.events confirms. timeout_ms as for poll() (-1:
 * forever); -ETIMEDOUT when it passes, the request staying in place. */
int cgroup_freeze(int cgfd, int timeout_ms);
int cgroup_thaw(int cgfd, int timeout_ms);
/* Returns once no process is left in the cgroup or below, or -ETIMEDOUT. */
int cgroup_wait_empty(int cgfd, int timeout_ms);
/* Reads cgroup.events now. */
int cgroup_is_populated(int cgfd, bool *ret_populated);

/* The controllers this cgroup's children may use (cgroup.controllers): a mask of
 * CGROUP_MASK() bits, 0 on a hybrid host whose controllers are all bound to v1. */
int cgroup_get_controllers(int cgfd, unsigned *ret_mask);
/* Best effort: enables in cgroup.subtree_control each controller of mask that is available,
 * one at a time so that one refusal does not cost the others; ret_enabled (may be NULL)
 * gets the controllers enabled afterwards. */
int cgroup_enable_controllers(int cgfd, unsigned mask, unsigned *ret_enabled);
