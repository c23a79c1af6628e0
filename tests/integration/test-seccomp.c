/* The seccomp filter as a VPS's processes meet it: the static probe runs inside a launched VPS
 * (as its init) and inside a joined one (as the VSU and as a plain user), makes every refused
 * call and some ordinary ones, and reports what it got. Where the probe's arguments make the
 * unfiltered kernel answer otherwise (a bad clock id, a bad descriptor, a no-op; see
 * syscall-probe.c), the expected errno proves the filter; the rest prove at least that nothing
 * changed the answer to the worse. */
#include <criterion/criterion.h>

#include "probe-vps.h"
#include "vpsmgr/seccomp-filter.h"

struct expect {
        const char *name;
        const char *want;
};

static const struct expect refused[] = {
        { "init_module", "EPERM" },
        { "finit_module", "EPERM" },
        { "delete_module", "EPERM" },
        { "kexec_load", "EPERM" },
        { "kexec_file_load", "EPERM" },
        { "open_by_handle_at", "EPERM" },      /* unfiltered: EBADF */
        { "add_key", "ENOSYS" },               /* unfiltered: ENODEV */
        { "request_key", "ENOSYS" },
        { "keyctl", "ENOSYS" },                /* unfiltered: ENOKEY */
        { "bpf", "EPERM" },                    /* unfiltered: EINVAL */
        { "perf_event_open", "EPERM" },        /* unfiltered: EFAULT */
        { "userfaultfd", "EPERM" },            /* unfiltered: a descriptor */
        { "io_uring_setup", "ENOSYS" },
        { "io_uring_enter", "ENOSYS" },        /* unfiltered: EBADF */
        { "io_uring_register", "ENOSYS" },
        { "iopl", "EPERM" },                   /* unfiltered: EINVAL */
        { "ioperm", "EPERM" },                 /* unfiltered: EINVAL */
        { "swapon", "EPERM" },                 /* unfiltered: EINVAL */
        { "swapoff", "EPERM" },
        { "acct", "EPERM" },
        { "settimeofday", "EPERM" },           /* unfiltered: EINVAL */
        { "clock_settime", "EPERM" },          /* unfiltered: EINVAL */
        { "clock_adjtime", "EPERM" },          /* unfiltered: EINVAL */
        { "adjtimex", "EPERM" },               /* unfiltered: OK (a read) */
        { "syslog", "EPERM" },
        { "lookup_dcookie", "EPERM" },         /* unfiltered: ENOSYS (gone in 6.10) */
        { "nfsservctl", "EPERM" },             /* unfiltered: ENOSYS */
        { "uselib", "EPERM" },
        { "ioctl_TIOCSTI", "EPERM" },          /* unfiltered: OK on our own terminal */
        { "ioctl_TIOCSTI_high", "EPERM" },
        { "ioctl_TIOCLINUX", "EPERM" },
        { "personality_MMAP_PAGE_ZERO", "EPERM" },       /* unfiltered: OK */
        { "personality_MMAP_PAGE_ZERO_high", "EPERM" },
        { "i386_settimeofday", "EPERM" },      /* unfiltered: EINVAL */
        { "i386_keyctl", "ENOSYS" },           /* unfiltered: ENOKEY */
        { "i386_init_module", "EPERM" },
        { "i386_vm86old", "EPERM" },           /* unfiltered: ENOSYS */
        { "i386_vm86", "EPERM" },
        { "x32_settimeofday", "EPERM" },       /* unfiltered: ENOSYS without x32, else EINVAL */
        { "x32_keyctl", "ENOSYS" },
};

static const struct expect allowed[] = {
        { "getpid", "OK" },
        { "clock_gettime", "OK" },
        { "personality_query", "OK" },
        { "personality_linux", "OK" },
        { "personality_ADDR_NO_RANDOMIZE", "OK" },
        { "reboot_bad_magic", "EINVAL" },      /* the kernel's answer, not the filter's */
        { "quotactl", "ENOTBLK" },
        { "ioctl_TIOCGWINSZ", "OK" },
        { "unshare_user", "OK" },
};

TestSuite(seccomp, .init = probe_vps_setup, .fini = probe_vps_teardown, .timeout = 60);

static void check(const char *out, const struct expect *e, size_t n) {
        char buf[64];

        for (size_t i = 0; i < n; i++) {
                const char *got = probe_result(out, e[i].name, buf, sizeof(buf));

                cr_assert_not_null(got, "%s: not probed; output:\n%s", e[i].name, out);
                /* A kernel with i386 emulation switched off kills the caller of int 0x80
                 * before any filter runs: nothing reaches the kernel's i386 table then. */
                if (strncmp(e[i].name, "i386_", 5) == 0 && strcmp(got, "SIGNAL") == 0)
                        continue;
                cr_expect_str_eq(got, e[i].want, "%s: got %s, want %s", e[i].name, got, e[i].want);
        }
}

static void check_status(const char *out) {
        cr_expect_not_null(strstr(out, "\nSeccomp:\t2\n"), "no seccomp filter:\n%s", out);
        /* Installed under CAP_SYS_ADMIN of the VPS, not no_new_privs: su and sudo work. */
        cr_expect_not_null(strstr(out, "\nNoNewPrivs:\t0\n"), "no_new_privs set:\n%s", out);
}

static void check_all(const char *out, bool root) {
        char buf[64];
        const char *got;

        check(out, refused, ELEMENTSOF(refused));
        check(out, allowed, ELEMENTSOF(allowed));
        check_status(out);
        /* Only the handle-producing half of the pair: EOPNOTSUPP where the filesystem has no
         * handles, never the filter's EPERM. */
        got = probe_result(out, "name_to_handle_at", buf, sizeof(buf));
        cr_expect(got && (strcmp(got, "OK") == 0 || strcmp(got, "EOPNOTSUPP") == 0), "name_to_handle_at: %s", got);
        if (root) {
                check(out, (const struct expect[]) { { "mount_tmpfs", "OK" }, { "umount", "OK" } }, 2);
        }
}

Test(seccomp, the_init_meets_the_filter) {
        char *argv[] = { "syscall-probe", "/tmp/out", NULL };
        char *out;
        int status;

        probe_vps_launch(argv);
        status = probe_vps_wait();
        out = probe_vps_read_out("out");
        cr_assert_eq(status, 0, "probe exited with %d; output:\n%s", status, out ?: "(none)");
        cr_assert_not_null(out);
        check_all(out, true);
        free(out);
}

/* Joins the probe's VPS as id and runs the probe there; returns its output. */
static char *probe_joined(const struct vps_identity *id, char *out_path) {
        char *idle[] = { "syscall-probe", "--idle", NULL };
        char *argv[] = { "syscall-probe", out_path, NULL };
        char *out;
        int status;

        probe_vps_launch(idle);
        status = probe_vps_join_exec(id, argv);
        out = probe_vps_read_out(out_path + strlen("/tmp/"));
        cr_assert_eq(status, 0, "probe exited with %d; output:\n%s", status, out ?: "(none)");
        cr_assert_not_null(out);
        return out;
}

Test(seccomp, a_joined_vsu_meets_the_same_filter) {
        const struct vps_identity root = { .uid = 0, .gid = 0 };
        char *out = probe_joined(&root, "/tmp/out-join");

        check_all(out, true);
        free(out);
}

Test(seccomp, a_joined_plain_user_meets_it_too) {
        const struct vps_identity user = { .uid = 1000, .gid = 1000 };
        char *out = probe_joined(&user, "/tmp/out-user");

        check(out, refused, ELEMENTSOF(refused));
        check_status(out);
        cr_expect_not_null(strstr(out, "\nUid:\t1000\t1000\t1000\t1000\n"), "%s", out);
        free(out);
}

/* The table is what the filter refuses: every name is a call of this machine. */
Test(seccomp, every_refused_name_is_known_and_the_filter_compiles) {
        cr_assert_eq(vps_seccomp_prepare(), 0);
        cr_assert_eq(vps_seccomp_prepare(), 0, "a second prepare is a no-op");
        cr_assert_geq(seccomp_refused_count, 30);
        for (size_t i = 0; i < seccomp_refused_count; i++)
                cr_expect(seccomp_refused[i].error == EPERM || seccomp_refused[i].error == ENOSYS, "%s",
                          seccomp_refused[i].name);
}
