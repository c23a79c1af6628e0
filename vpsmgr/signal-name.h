/* Signals by name or number, as kill(1) takes them: "TERM", "SIGTERM", "term", "15",
 * "RTMIN+3", "SIGRTMAX-1". */
#pragma once

#include <stddef.h>

/* The signal s names, or -EINVAL. Signal 0 (no signal) is not accepted. */
int signal_from_string(const char *s);
/* "TERM", "RTMIN+3": the name without "SIG", in buf (at least 16 bytes). */
const char *signal_to_string(int sig, char *buf, size_t size);
