/* The privilege policy every process entering a VPS goes through last before exec: the
 * bounding-set drop, then the seccomp filter. One place, used by launch (the init) and join
 * (exec/enter), so the two can never differ. */
#pragma once

/* Prepares what policy_apply() needs but must not build itself (the seccomp program): call
 * it in the parent, before clone or fork. Returns 0 or -errno. */
int policy_prepare(void);

/* Applies the policy to the calling thread. On failure returns -errno and names the step
 * in *ret_step (a static string). Async-signal-safe once policy_prepare() has run. */
int policy_apply(const char **ret_step);
