/* The capabilities no VPS may ever hold, whoever its super-user is: dropped from the
 * capability bounding set before anything of the VPS runs, so that no exec can get them back. */
#pragma once

#include <stddef.h>

/* The forbidden capabilities, for callers that want to show or check them. */
extern const int caps_forbidden[];
extern const size_t caps_forbidden_count;

/* Drops every forbidden capability from the calling thread's bounding set. Needs
 * CAP_SETPCAP in the current user namespace (a freshly created or joined one gives it).
 * Returns 0 or -errno. Async-signal-safe: runs in a child between clone and exec. */
int caps_drop_forbidden(void);
