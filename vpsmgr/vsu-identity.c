/* Who gets the VSU capability set: vuid 0 (which keeps its root powers anyway) and the vuids
 * of the VPS's VSU list (common/vsu.h). vpsmgr only; vps-init is told by --vsu. */
#include <errno.h>

#include "common/macro.h"
#include "common/vsu.h"
#include "vpsmgr/vsu-caps.h"

bool vsu_identity_in(const struct vsu_list *l, uid_t vuid) {
        return vuid == 0 || (l && vsu_list_contains(l, vuid));
}

int vsu_identity_for(int vps_fd, uid_t vuid, bool *ret_vsu) {
        _cleanup_vsu_list_ struct vsu_list *l = NULL;
        int r;

        if (vuid == 0) {
                *ret_vsu = true;
                return 0;
        }
        r = vsu_list_load_at(vps_fd, "vsu", &l, NULL);
        if (r < 0)
                return r;
        *ret_vsu = vsu_identity_in(l, vuid);
        return 0;
}
