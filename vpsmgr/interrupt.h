/* Ctrl-C, SIGTERM and SIGHUP while create builds a VPS: noted instead of ending the process,
 * so that the copy stops at the next entry and create removes what it made. Outside that
 * part the default dispositions stay: nothing needs undoing. */
#pragma once

#include <stdbool.h>

/* Starts noting the signals; interrupt_release() goes back to the defaults. */
int interrupt_catch(void);
void interrupt_release(void);

/* The signal noted since interrupt_catch(), or 0. */
int interrupt_pending(void);
