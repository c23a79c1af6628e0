/* Parsers for the text the cgroup2 filesystem and /proc hand out. They take text, not files,
 * so unit tests can feed them every hostile input without a cgroup in sight. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* From the content of /proc/PID/cgroup, the path of the "0::" (cgroup2) line, relative to
 * the reader's cgroup namespace root, exactly as the kernel shows it: a removed cgroup keeps
 * its " (deleted)" suffix, which a live cgroup may also have in its name, so only the caller
 * knows which component it can belong to. -ENOMEDIUM: no "0::" line (cgroup2 not mounted
 * anywhere); -EBADMSG: two of them, or any line not "ID:CONTROLLERS:/PATH". */
int cgroup_parse_proc_cgroup(const char *text, char **ret_path);

/* From the content of /proc/PID/mountinfo, the mount point of cgroup2 (unescaped): the last
 * cgroup2 mount whose root is the hierarchy's root "/" (a bind mount of a sub-cgroup does not
 * count). -ENOMEDIUM: none; -EBADMSG: a line that is not the kernel's mountinfo format. */
int cgroup_parse_mountinfo(const char *text, char **ret_path);

/* The value of key ("populated", "frozen") in the content of cgroup.events. Values other
 * than "0" or "1", and a key given twice, are -EBADMSG; a missing key is -ENOKEY. */
int cgroup_parse_events(const char *text, const char *key, bool *ret_value);

/* The pids of cgroup.procs: one decimal pid (1..INT_MAX) a line; anything else -EBADMSG.
 * An empty file gives ret_n == 0 and *ret_pids == NULL. */
int cgroup_parse_pids(const char *text, pid_t **ret_pids, size_t *ret_n);

/* The controllers of a space-separated list (cgroup.controllers, cgroup.subtree_control)
 * as a mask of enum cgroup_controller bits; names this code does not know are ignored. */
int cgroup_parse_controllers(const char *text, unsigned *ret_mask);
