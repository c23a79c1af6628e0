/* The VSU capability set. Every member is held in the VPS's user namespace only, so it works
 * on exactly the objects that namespace owns: files whose owner and group map into the VPS
 * (vpsfs shows everything else as 65534), processes of the VPS, its own network namespace.
 * Nothing here reaches the host or another VPS.
 *
 * Left out on purpose: CAP_SYS_ADMIN (mounts, namespaces: the VPS's root's business),
 * CAP_NET_ADMIN and CAP_NET_RAW (network configuration and raw sockets: likewise; ping works
 * through ICMP sockets), CAP_SYS_PTRACE (reading other users' memory is more than
 * administration needs), CAP_SETFCAP and CAP_SETPCAP (handing out capabilities to programs
 * is the root's), CAP_MKNOD, CAP_LINUX_IMMUTABLE, CAP_IPC_OWNER, CAP_AUDIT_WRITE (the audit
 * socket refuses any user namespace but the host's anyway), and everything in the bounding
 * set's forbidden list (caps.c). A VSU-list user who needs more becomes vuid 0 with su or
 * sudo, which CAP_SETUID allows: the list makes administrators, not a second kind of root.
 *
 * Plain system calls and no allocation: vps-init (static, no libcap) links this file too, to
 * start `run --user` workloads of VSU-list users. Who is on the list is vsu-identity.c's. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/vsu-caps.h"

const int vsu_caps[] = {
        CAP_CHOWN,            /* chown any file of the VPS: give files to its users */
        CAP_DAC_OVERRIDE,     /* read and write any file of the VPS whatever its mode:
                               * /etc/passwd, /etc/shadow, users' files (FIG. 12) */
        CAP_DAC_READ_SEARCH,  /* read any file and search any directory: backups, find */
        CAP_FOWNER,           /* chmod, utimes, ACLs on files one does not own; remove
                               * others' files from sticky directories such as /tmp */
        CAP_FSETID,           /* keep set-user/group-ID bits when changing a file, set
                               * the set-group-ID bit for any group of the VPS */
        CAP_KILL,             /* signal any process of the VPS (and no other: the kernel
                               * checks the target's user namespace) */
        CAP_SETUID,           /* become any user of the VPS: su, login, starting services */
        CAP_SETGID,           /* and any group, supplementary groups included */
        CAP_NET_BIND_SERVICE, /* run services on ports below 1024 in the VPS's own network
                               * namespace (useless, and so harmless, when it shares the
                               * host's, which the host's user namespace owns) */
        CAP_SYS_CHROOT,       /* chroot inside the VPS: build and rescue tools
                               * (debootstrap, chroot into a tree); with CAP_SETUID held
                               * already, it adds no way up */
};
const size_t vsu_caps_count = ELEMENTSOF(vsu_caps);

uint64_t vsu_caps_mask(void) {
        uint64_t mask = 0;

        for (size_t i = 0; i < ELEMENTSOF(vsu_caps); i++)
                mask |= UINT64_C(1) << vsu_caps[i];
        return mask;
}

int vsu_caps_apply(void) {
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
        uint64_t mask = vsu_caps_mask();

        for (size_t i = 0; i < ELEMENTSOF(data); i++) {
                uint32_t word = (uint32_t) (mask >> (32 * i));

                data[i].permitted = word;
                data[i].inheritable = word;
                data[i].effective = word;
        }
        /* Raw capset: no allocation, unlike libcap's cap_set_proc. */
        if (syscall(SYS_capset, &header, data) < 0)
                return negative_errno();
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return negative_errno();
        /* The setresuid() away from root cleared the ambient set; a member must be
         * permitted and inheritable (done above) to be raised. */
        for (size_t i = 0; i < ELEMENTSOF(vsu_caps); i++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) vsu_caps[i], 0, 0) < 0)
                        return negative_errno();
        return 0;
}
