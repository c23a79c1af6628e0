/* The VPS's seccomp filter: a deny list, because VPSs run arbitrary distributions and a list
 * of allowed calls would break whatever a newer libc or program uses next. What is refused is
 * either machine-wide (the kernel, the clock, swap, the kernel log), a known breakout
 * (open_by_handle_at), or a large kernel attack surface that a VPS can live without (bpf,
 * perf, userfaultfd, io_uring, the keyring). No rule kills the caller: a refusal is an errno
 * that software handles.
 *
 * Deliberately allowed, because the kernel already scopes them to the VPS's namespaces:
 *   reboot          in a PID namespace other than the host's, reboot(2) only ends the
 *                   namespace's init (RESTART -> SIGHUP, POWER_OFF/HALT -> SIGINT as its exit
 *                   status) and refuses every other command with EINVAL; busybox "reboot -f"
 *                   and systemd rely on it, and vps-init turns it into a VPS restart.
 *   mount API       mount, umount2, fsopen, fsconfig, fsmount, move_mount, open_tree,
 *                   mount_setattr, pivot_root: CAP_SYS_ADMIN in the VPS's user namespace allows
 *                   only filesystems marked FS_USERNS_MOUNT (tmpfs, proc, sysfs, devpts,
 *                   mqueue, overlay, cgroup2, binds of what the VPS already sees) and only in
 *                   mount namespaces the VPS owns; block filesystems need CAP_SYS_ADMIN of the
 *                   host. systemd, nested containers and chroot builders need them.
 *   name_to_handle_at  only produces a handle, which is useless without open_by_handle_at;
 *                   systemd uses it to tell mount points apart.
 *   quotactl        changing quotas needs CAP_SYS_ADMIN of the host; querying one's own is
 *                   harmless, and vpsfs has no quota anyway.
 *   unshare/clone of new user namespaces, setns, ptrace, process_vm_*: the kernel confines
 *                   them to the VPS's namespaces; nested containers need them.
 *   personality     except MMAP_PAGE_ZERO (below); ADDR_NO_RANDOMIZE and friends affect
 *                   only the caller (setarch -R, gdb).
 *
 * Arguments filtered: ioctl TIOCSTI and TIOCLINUX (pushing input into, or pasting selections
 * from, a terminal that may be the host's, CVE-2017-5226), and personality with
 * MMAP_PAGE_ZERO (a page at address 0, the tool of NULL-dereference exploits). The ioctl
 * request is compared in its low 32 bits only, as the kernel reads it: a request with junk in
 * the upper half is the same request (CVE-2019-10063). */
#include <errno.h>

#include "common/macro.h"
#include "vpsmgr/seccomp-filter.h"

/* EPERM is what an unprivileged caller gets from most of these anyway, so software handles
 * it. ENOSYS where software treats "not built into this kernel" as the cue to fall back:
 * the keyring (pam_keyinit, systemd, krb5 and ecryptfs tools carry on without one; EPERM
 * would make some of them fail a login) and io_uring (liburing users, qemu, databases fall
 * back to threads or epoll on ENOSYS, the answer of kernels without it). */
const struct seccomp_refusal seccomp_refused[] = {
        /* Kernel code: loading, unloading, replacing the running kernel (the seed's
         * insmod/rmmod refused to a VSU). */
        { "init_module", EPERM },
        { "finit_module", EPERM },
        { "delete_module", EPERM },
        { "kexec_load", EPERM },
        { "kexec_file_load", EPERM },
        /* Opens any inode of a filesystem by number, past every path check: the classic
         * container breakout ("shocker"). */
        { "open_by_handle_at", EPERM },
        /* The kernel keyring is shared with the host where it is not namespaced, and a
         * recurring source of kernel bugs. */
        { "add_key", ENOSYS },
        { "request_key", ENOSYS },
        { "keyctl", ENOSYS },
        /* Large attack surfaces into the kernel with no use in a VPS. */
        { "bpf", EPERM },
        { "perf_event_open", EPERM },
        { "userfaultfd", EPERM },
        { "io_uring_setup", ENOSYS },
        { "io_uring_enter", ENOSYS },
        { "io_uring_register", ENOSYS },
        /* Raw port I/O (x86). */
        { "iopl", EPERM },
        { "ioperm", EPERM },
        /* Machine-wide: swap, process accounting, the clock, the kernel log. */
        { "swapon", EPERM },
        { "swapoff", EPERM },
        { "acct", EPERM },
        { "settimeofday", EPERM },
        { "stime", EPERM },
        { "clock_settime", EPERM },
        { "clock_settime64", EPERM },
        { "clock_adjtime", EPERM },
        { "clock_adjtime64", EPERM },
        { "adjtimex", EPERM },
        { "syslog", EPERM },
        /* Obsolete interfaces with a history of bugs: profiling cookies, the NFS daemon
         * call, a.out libraries, virtual 8086 mode (i386). */
        { "lookup_dcookie", EPERM },
        { "nfsservctl", EPERM },
        { "uselib", EPERM },
        { "vm86", EPERM },
        { "vm86old", EPERM },
};
const size_t seccomp_refused_count = ELEMENTSOF(seccomp_refused);
