/* Applies what no process of a VPS may hold or call (DESIGN.md, "privileges never granted"). */
#include "vpsmgr/caps.h"
#include "vpsmgr/policy.h"

int policy_apply(const char **ret_step) {
        int r;

        r = caps_drop_forbidden();
        if (r < 0) {
                *ret_step = "drop capabilities";
                return r;
        }

        /* Issue 5 hook: install the seccomp filter here, as the very last step. It must
         * come after the bounding-set drop (prctl may itself be filtered) and needs
         * no_new_privs or CAP_SYS_ADMIN in the VPS's user namespace, which both callers
         * hold at this point. Report failures as *ret_step = "seccomp". */
        return 0;
}
