/* The privilege policy every process entering a VPS goes through last before exec: the
 * bounding-set drop now, the seccomp filter of issue 5 later. One place, used by launch
 * (the init) and join (exec/enter), so the two can never differ. */
#pragma once

/* Applies the policy to the calling thread. On failure returns -errno and names the step
 * in *ret_step (a static string). Async-signal-safe. */
int policy_apply(const char **ret_step);
