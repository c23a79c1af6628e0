/* The loopback interface of a fresh network namespace starts down; this brings it up. */
#pragma once

/* Sets IFF_UP on "lo" in the caller's network namespace. Returns 0 or -errno.
 * Async-signal-safe. */
int netlo_up(void);
