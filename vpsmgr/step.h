/* Set-up sequences that stop at the first failure and name it (the bubblewrap habit), for
 * the code between clone and exec, where a step name is all the parent gets back. */
#pragma once

#include "common/macro.h"

/* In a function returning int with a "const char **ret_step" parameter: if call returns
 * < 0, records name and returns -errno. */
#define STEP(call, name)                        \
        do {                                    \
                if ((call) < 0) {               \
                        *ret_step = (name);     \
                        return negative_errno(); \
                }                               \
        } while (0)
