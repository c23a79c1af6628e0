/* Namespace primitives for launch and join: clone3 into new namespaces (and a cgroup),
 * the user-namespace maps, and setns through a pidfd. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Every namespace a VPS has; CLONE_NEWNET is left out when the VPS shares the host's network. */
#define NS_VPS_FLAGS \
        (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

/* fork() with clone3: new namespaces from flags, a pidfd, and, if cgroup_fd >= 0, born in
 * that cgroup (no moment outside it). Returns 0 in the child, the child's PID in the parent
 * (with *ret_pidfd set), or -errno. No CLONE_VM: the child has its own copy of memory, so it
 * may use the stack and statics freely, but it must not allocate (the parent may have had
 * threads holding allocator locks). */
pid_t ns_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd);

/* Writes /proc/PID/uid_map and gid_map, each in one write(2) as the kernel demands.
 * setgroups is deliberately left "allow": the maps are written by a process privileged in the
 * parent namespace, so the kernel does not need "deny", and the VPS needs setgroups(2) for its
 * own users. On failure names the map in *ret_step. */
int ns_write_maps(pid_t pid, const char *uid_map, const char *gid_map, const char **ret_step);

/* glibc 2.36 knows waitid(P_PIDFD) but has no constant for it. */
#define P_PIDFD_COMPAT 3
