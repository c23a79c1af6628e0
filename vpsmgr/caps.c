/* The capability part of the privilege policy (DESIGN.md, "privileges never granted"): a
 * table of what a VPS never gets, and the bounding-set drop that enforces it across exec. */
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "common/macro.h"
#include "vpsmgr/caps.h"

/* Each of these acts on the whole machine, not on objects a user namespace can own, so even
 * a capability scoped to the VPS's user namespace is one too many. The system calls behind
 * them are refused once more by the seccomp filter (seccomp-filter.c), which also covers
 * what no capability guards (bpf, userfaultfd, io_uring, the keyring). */
const int caps_forbidden[] = {
        CAP_SYS_MODULE,     /* load/unload kernel modules */
        CAP_SYS_RAWIO,      /* iopl/ioperm, raw block and memory access */
        CAP_SYS_TIME,       /* set the system clock */
        CAP_MAC_ADMIN,      /* change the LSM policy */
        CAP_MAC_OVERRIDE,   /* bypass the LSM policy */
        CAP_SYSLOG,         /* the kernel log and kernel addresses */
        CAP_WAKE_ALARM,     /* wake the host from suspend */
        CAP_BLOCK_SUSPEND,  /* keep the host from suspending */
        CAP_AUDIT_CONTROL,  /* the host's audit rules */
        CAP_SYS_PACCT,      /* process accounting of the host */
};
const size_t caps_forbidden_count = ELEMENTSOF(caps_forbidden);

int caps_drop_forbidden(void) {
        for (size_t i = 0; i < ELEMENTSOF(caps_forbidden); i++)
                /* EINVAL: the running kernel does not know this capability, so none can
                 * hold it. Plain prctl rather than libcap's cap_drop_bound: no allocation
                 * between clone and exec. */
                if (prctl(PR_CAPBSET_DROP, (unsigned long) caps_forbidden[i], 0, 0, 0) < 0 &&
                    errno != EINVAL)
                        return negative_errno();
        return 0;
}
