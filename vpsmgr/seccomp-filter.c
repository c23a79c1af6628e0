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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
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

/* The compiled program, kept for the life of the process (a few KiB). */
static struct sock_fprog filter;

static void ctx_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

/* The other ABIs a process of this machine can call the kernel through: a 64-bit x86
 * program can make i386 calls (int 0x80) and x32 calls (bit 30 of the number), each with its
 * own numbering, and a filter that knows only the native table would wave them through. */
static int add_compat_arches(scmp_filter_ctx ctx) {
        static const uint32_t x86_64[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
        static const uint32_t aarch64[] = { SCMP_ARCH_ARM };
        const uint32_t *arches = NULL;
        size_t n = 0;
        int r;

        switch (seccomp_arch_native()) {
        case SCMP_ARCH_X86_64:
                arches = x86_64;
                n = ELEMENTSOF(x86_64);
                break;
        case SCMP_ARCH_AARCH64:
                arches = aarch64;
                n = ELEMENTSOF(aarch64);
                break;
        }
        for (size_t i = 0; i < n; i++) {
                r = seccomp_arch_add(ctx, arches[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

static int add_rules(scmp_filter_ctx ctx) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(seccomp_refused); i++) {
                int nr = seccomp_syscall_resolve_name(seccomp_refused[i].name);

                /* Not a call of any ABI of this machine (iopl on arm64): nothing to refuse. */
                if (nr == __NR_SCMP_ERROR)
                        continue;
                /* Not _exact: libseccomp drops the rule for an ABI that lacks the call. */
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(seccomp_refused[i].error), nr, 0);
                if (r < 0)
                        return log_debug_errno(r, "seccomp: cannot refuse %s: %m", seccomp_refused[i].name);
        }

        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t) TIOCSTI));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t) TIOCLINUX));
        /* Bit 31 must be clear as well: 0xffffffff is the query "what is my personality?",
         * which every libc's personality() users issue, and no real persona has bit 31. */
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000u | MMAP_PAGE_ZERO,
                                             (scmp_datum_t) MMAP_PAGE_ZERO));
        return r;
}

/* libseccomp 2.5 exports only to a file descriptor: a memfd, read back into memory. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *ret) {
        _cleanup_close_ int fd = -1;
        struct sock_filter *insns;
        struct stat st;
        ssize_t n;
        int r;

        fd = memfd_create("vps-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_size <= 0 || st.st_size % (off_t) sizeof(struct sock_filter) != 0 ||
            st.st_size / (off_t) sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EBADMSG;
        insns = malloc((size_t) st.st_size);
        if (!insns)
                return -ENOMEM;
        n = pread(fd, insns, (size_t) st.st_size, 0);
        if (n != st.st_size) {
                free(insns);
                return n < 0 ? negative_errno() : -EIO;
        }
        ret->len = (unsigned short) (st.st_size / (off_t) sizeof(struct sock_filter));
        ret->filter = insns;
        return 0;
}

int vps_seccomp_prepare(void) {
        _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        if (filter.filter)
                return 0;
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        /* We install the program ourselves, and without no_new_privs (see the header). */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return r;
        /* An ABI the filter does not know (none on x86-64, where all three are added) is
         * refused rather than let through; libseccomp's default would kill the caller. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
        if (r < 0)
                return r;
        r = add_compat_arches(ctx);
        if (r < 0)
                return r;
        r = add_rules(ctx);
        if (r < 0)
                return r;
        return export_program(ctx, &filter);
}

int vps_seccomp_install(void) {
        if (!filter.filter)
                return -EINVAL;
        /* TSYNC is not needed: whoever installs is single-threaded (a fresh clone or fork). */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) < 0)
                return negative_errno();
        return 0;
}
