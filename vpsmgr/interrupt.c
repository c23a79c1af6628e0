/* The noted signal lives in one sig_atomic_t. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "common/macro.h"
#include "vpsmgr/interrupt.h"

static volatile sig_atomic_t pending;
static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

static void note(int sig) {
        pending = sig;
}

static int set_all(void (*handler)(int)) {
        /* No SA_RESTART: a wait for a child returns EINTR and can pass the signal on. */
        struct sigaction sa = { .sa_handler = handler };

        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                if (sigaction(signals[i], &sa, NULL) < 0)
                        return negative_errno();
        return 0;
}

int interrupt_catch(void) {
        pending = 0;
        return set_all(note);
}

void interrupt_release(void) {
        (void) set_all(SIG_DFL);
}

int interrupt_pending(void) {
        return pending;
}
