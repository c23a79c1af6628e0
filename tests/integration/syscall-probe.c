/* A static probe run inside a VPS: makes each system call of a list with arguments chosen so
 * that, without the seccomp filter, the kernel would answer something other than the filter's
 * errno where it can (a bad clock id, an invalid descriptor, a no-op), and prints one line
 * "name RESULT" per call, RESULT being OK or the errno's name. Static and unsanitized like
 * vps-init, because the VPS's root has no C library.
 *
 *   syscall-probe OUT          run the list, write the lines to OUT
 *   syscall-probe --status OUT copy the identity and capability lines of /proc/self/status
 *   syscall-probe --open OUT PATH...  try to open each PATH for reading: "PATH RESULT"
 *   syscall-probe --idle       wait for a signal (a VPS init to join) */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000L
#endif

static FILE *out;
static int pty = -1;        /* a pty slave that is our controlling terminal, or -1 */

static void report(const char *name, long r) {
        const char *e = r < 0 ? strerrorname_np(errno) : NULL;

        if (r >= 0)
                fprintf(out, "%s OK\n", name);
        else
                fprintf(out, "%s %s\n", name, e ? e : "E?");
}

#define PROBE(name, call) report(name, (long) (call))

#if defined(__x86_64__)
/* An i386 system call from a 64-bit process: the kernel runs it through the 32-bit table and
 * seccomp sees AUDIT_ARCH_I386. In a child, in case the kernel has i386 emulation off (it
 * then kills the caller): the status carries the errno. */
static void probe_int80(const char *name, long nr, long a, long b, long c) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                long ret;

                __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
                _exit(ret < 0 ? (int) -ret : 0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
                fprintf(out, "%s E?\n", name);
                return;
        }
        if (!WIFEXITED(status)) {
                fprintf(out, "%s SIGNAL\n", name);
                return;
        }
        errno = WEXITSTATUS(status);
        report(name, errno ? -1 : 0);
}
#endif

/* A new pty whose slave becomes our controlling terminal, so that TIOCSTI on it would be
 * allowed by the kernel itself (dev.tty.legacy_tiocsti = 1). */
static void make_pty(void) {
        int ptm = posix_openpt(O_RDWR | O_CLOEXEC);
        char name[64];

        (void) setsid();
        if (ptm < 0 || grantpt(ptm) < 0 || unlockpt(ptm) < 0 || ptsname_r(ptm, name, sizeof(name)) != 0)
                return;
        pty = open(name, O_RDWR | O_CLOEXEC);
        if (pty >= 0)
                (void) ioctl(pty, TIOCSCTTY, 0);
}

static void probe_refused(void) {
        static uint32_t bad_tv32[2] = { 0, 2000000 };  /* tv_usec out of range */
        struct { unsigned bytes; int type; unsigned char f[8]; } handle = { 8, 1, { 0 } };
        struct timeval bad_tv = { 0, 2000000 };
        struct timespec ts = { 0, 0 };
        struct timex tx = { 0 };
        char c = 'x';

        PROBE("init_module", syscall(SYS_init_module, NULL, 0, ""));
        PROBE("finit_module", syscall(SYS_finit_module, -1, "", 0));
        PROBE("delete_module", syscall(SYS_delete_module, "vps-probe-none", O_NONBLOCK));
        PROBE("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
        PROBE("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, "", 0));
        PROBE("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, &handle, O_RDONLY));
        PROBE("add_key", syscall(SYS_add_key, "vps-no-such-type", "x", "x", 1, KEY_SPEC_PROCESS_KEYRING));
        PROBE("request_key", syscall(SYS_request_key, "vps-no-such-type", "x", NULL, 0));
        PROBE("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0));
        PROBE("bpf", syscall(SYS_bpf, 9999, NULL, 0));
        PROBE("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        PROBE("userfaultfd", syscall(SYS_userfaultfd, UFFD_USER_MODE_ONLY | O_CLOEXEC));
        PROBE("io_uring_setup", syscall(SYS_io_uring_setup, 0, NULL));
        PROBE("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
        PROBE("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
#if defined(__x86_64__)
        PROBE("iopl", syscall(SYS_iopl, 5));
        PROBE("ioperm", syscall(SYS_ioperm, 0x10000, 1, 1));
#endif
        PROBE("swapon", syscall(SYS_swapon, NULL, ~0));
        PROBE("swapoff", syscall(SYS_swapoff, "/nonexistent"));
        PROBE("acct", syscall(SYS_acct, NULL));
        PROBE("settimeofday", syscall(SYS_settimeofday, &bad_tv, NULL));
        PROBE("clock_settime", syscall(SYS_clock_settime, 999, &ts));
        PROBE("clock_adjtime", syscall(SYS_clock_adjtime, 999, &tx));
        PROBE("adjtimex", syscall(SYS_adjtimex, &tx));
        PROBE("syslog", syscall(SYS_syslog, 10, NULL, 0));
#ifdef SYS_lookup_dcookie
        PROBE("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, NULL, 0));
#endif
#ifdef SYS_nfsservctl
        PROBE("nfsservctl", syscall(SYS_nfsservctl, 0, NULL, NULL));
#endif
#ifdef SYS_uselib
        PROBE("uselib", syscall(SYS_uselib, NULL));
#endif
        if (pty >= 0) {
                PROBE("ioctl_TIOCSTI", ioctl(pty, TIOCSTI, &c));
                /* The kernel reads the request as 32 bits: junk above must not slip past. */
                PROBE("ioctl_TIOCSTI_high", syscall(SYS_ioctl, pty, (1UL << 32) | TIOCSTI, &c));
                PROBE("ioctl_TIOCLINUX", ioctl(pty, TIOCLINUX, &c));
        }
        PROBE("personality_MMAP_PAGE_ZERO", personality(MMAP_PAGE_ZERO));
        PROBE("personality_MMAP_PAGE_ZERO_high", syscall(SYS_personality, (1UL << 32) | MMAP_PAGE_ZERO));
#if defined(__x86_64__)
        /* The other two ABIs of the machine, each with its own numbers. */
        probe_int80("i386_settimeofday", 79, (long) (uintptr_t) bad_tv32, 0, 0);
        probe_int80("i386_keyctl", 288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0);
        probe_int80("i386_init_module", 128, 0, 0, 0);
        probe_int80("i386_vm86old", 113, 0, 0, 0);
        probe_int80("i386_vm86", 166, 0, 0, 0);
        PROBE("x32_settimeofday", syscall(__X32_SYSCALL_BIT | SYS_settimeofday, &bad_tv, NULL));
        PROBE("x32_keyctl", syscall(__X32_SYSCALL_BIT | 250, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0));
#endif
}

static void probe_allowed(void) {
        struct { unsigned bytes; int type; unsigned char f[128]; } handle = { 128, 0, { 0 } };
        struct winsize ws;
        struct timespec ts;
        int mount_id;
        pid_t pid;
        int status;

        PROBE("getpid", getpid());
        PROBE("clock_gettime", clock_gettime(CLOCK_REALTIME, &ts));
        PROBE("personality_query", personality(0xffffffff));
        PROBE("personality_linux", personality(PER_LINUX));
        PROBE("personality_ADDR_NO_RANDOMIZE", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
        (void) personality(PER_LINUX);
        /* Bad magic: the kernel's EINVAL, before any command is looked at. Never a real
         * reboot command here, whatever namespace we are in. */
        PROBE("reboot_bad_magic", syscall(SYS_reboot, 0, 0, 0, NULL));
        PROBE("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &handle, &mount_id, 0));
        PROBE("quotactl", syscall(SYS_quotactl, QCMD(Q_GETFMT, USRQUOTA), "/dev/null", 0, NULL));
        if (pty >= 0)
                PROBE("ioctl_TIOCGWINSZ", ioctl(pty, TIOCGWINSZ, &ws));
        if (geteuid() == 0 && mkdir("/tmp/probe-mnt", 0755) == 0) {
                PROBE("mount_tmpfs", mount("tmpfs", "/tmp/probe-mnt", "tmpfs", 0, "size=64k"));
                PROBE("umount", umount2("/tmp/probe-mnt", 0));
                rmdir("/tmp/probe-mnt");
        }
        /* A nested user namespace, as nested containers make: in a child, since it changes
         * who we are. */
        pid = fork();
        if (pid == 0)
                _exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
                errno = WEXITSTATUS(status);
                report("unshare_user", errno ? -1 : 0);
        }
}

/* The lines of /proc/self/status a test of the VSU capabilities wants. */
static int copy_status(void) {
        static const char *const keys[] = { "Uid:", "Gid:", "CapInh:", "CapPrm:", "CapEff:", "CapAmb:",
                                             "NoNewPrivs:", "Seccomp:" };
        char line[512];
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return 1;
        while (fgets(line, sizeof(line), f))
                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                        if (strncmp(line, keys[i], strlen(keys[i])) == 0)
                                fputs(line, out);
        fclose(f);
        return 0;
}

int main(int argc, char **argv) {
        int r;

        if (argc == 2 && strcmp(argv[1], "--idle") == 0) {
                for (;;)
                        pause();
        }
        if (argc == 3 && strcmp(argv[1], "--status") == 0) {
                out = fopen(argv[2], "we");
                if (!out)
                        return 1;
                r = copy_status();
                return fclose(out) == 0 ? r : 1;
        }
        if (argc >= 3 && strcmp(argv[1], "--open") == 0) {
                out = fopen(argv[2], "we");
                if (!out)
                        return 1;
                for (int i = 3; i < argc; i++) {
                        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

                        report(argv[i], fd);
                        if (fd >= 0)
                                close(fd);
                }
                return fclose(out) == 0 ? 0 : 1;
        }
        if (argc != 2)
                return 2;
        out = fopen(argv[1], "we");
        if (!out)
                return 1;
        make_pty();
        probe_refused();
        probe_allowed();
        r = copy_status();
        return fclose(out) == 0 ? r : 1;
}
