/* Signal names from glibc's own table (sigabbrev_np), so that every signal the running libc
 * knows is accepted under the name kill -l prints; the real-time range is relative to
 * SIGRTMIN/SIGRTMAX, which glibc reserves a few of. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "vpsmgr/signal-name.h"

static int rt_from_string(const char *s) {
        const char *rest;
        int base, sign, v;
        uint32_t n = 0;

        if (strncasecmp(s, "RTMIN", 5) == 0) {
                base = SIGRTMIN;
                sign = 1;
        } else if (strncasecmp(s, "RTMAX", 5) == 0) {
                base = SIGRTMAX;
                sign = -1;
        } else
                return -EINVAL;
        rest = s + 5;
        if (*rest) {
                if (*rest != (sign > 0 ? '+' : '-') || safe_atou32(rest + 1, &n) < 0)
                        return -EINVAL;
        }
        if (n > (uint32_t) (SIGRTMAX - SIGRTMIN))
                return -EINVAL;
        v = base + sign * (int) n;
        return v >= SIGRTMIN && v <= SIGRTMAX ? v : -EINVAL;
}

int signal_from_string(const char *s) {
        uint32_t n;

        if (safe_atou32(s, &n) == 0)
                return n >= 1 && n <= (uint32_t) SIGRTMAX ? (int) n : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        if (!*s)
                return -EINVAL;
        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *name = sigabbrev_np(sig);

                if (name && strcasecmp(name, s) == 0)
                        return sig;
        }
        return rt_from_string(s);
}

const char *signal_to_string(int sig, char *buf, size_t size) {
        const char *name = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

        if (name)
                snprintf(buf, size, "%s", name);
        else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                snprintf(buf, size, "RTMIN+%d", sig - SIGRTMIN);
        else
                snprintf(buf, size, "%d", sig);
        return buf;
}
