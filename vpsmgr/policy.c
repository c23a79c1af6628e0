/* Applies what no process of a VPS may hold or call (DESIGN.md, "privileges never granted"). */
#include "vpsmgr/caps.h"
#include "vpsmgr/policy.h"
#include "vpsmgr/seccomp-filter.h"

int policy_prepare(void) {
        return vps_seccomp_prepare();
}

int policy_apply(const char **ret_step) {
        int r;

        r = caps_drop_forbidden();
        if (r < 0) {
                *ret_step = "drop capabilities";
                return r;
        }

        /* Last: the filter must come after the bounding-set drop, and is installed under
         * CAP_SYS_ADMIN of the VPS's user namespace (held by the launched init and by a
         * process that has just joined), not under no_new_privs, which would break su and
         * sudo inside. */
        r = vps_seccomp_install();
        if (r < 0) {
                *ret_step = "seccomp";
                return r;
        }
        return 0;
}
