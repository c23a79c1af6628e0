/* What a user on a VPS's VSU list (DESIGN.md, FIG. 14) gets: the VSU capability set, as
 * ambient capabilities held in the VPS's user namespace, while keeping its own uid. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The set, for callers that show or test it; vsu-caps.c says why each is there. */
extern const int vsu_caps[];
extern const size_t vsu_caps_count;
/* The same as a mask of 1 << CAP_*, as /proc/PID/status shows CapAmb. */
uint64_t vsu_caps_mask(void);

/* For a process that vps_become() turns into a VSU-list user: called right after the uid
 * changed under PR_SET_KEEPCAPS, it sets permitted, inheritable and effective to the set and
 * raises each member as ambient, so that it survives execve. Async-signal-safe. */
int vsu_caps_apply(void);

struct vsu_list;

/* Whether vuid is a virtual super-user by the list l (NULL: an empty list): vuid 0 always
 * is. Async-signal-safe: exec's child inside the VPS asks it of the list read on the host. */
bool vsu_identity_in(const struct vsu_list *l, uid_t vuid);

/* Whether vuid of the VPS whose directory is vps_fd is a virtual super-user (vuid 0, or on
 * NAME/vsu): what exec, enter and run put in vps_identity.vsu. A missing list is empty.
 * Returns 0 or -errno (-EINVAL for a corrupt list). */
int vsu_identity_for(int vps_fd, uid_t vuid, bool *ret_vsu);
