/* seccomp-gen OUTPUT: compiles the VPS's seccomp deny list (seccomp-list.c) with libseccomp
 * and writes the BPF program as a C array for vpsmgr to include, so that no start of a VPS
 * pays for the translation and vpsmgr does not load libseccomp. Run at build time, on the
 * machine the build is for (libseccomp takes the native ABI and its compat ABIs). */
#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/seccomp-filter.h"

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

        for (size_t i = 0; i < seccomp_refused_count; i++) {
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

static int compile(struct sock_fprog *filter) {
        _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
        int r;

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
        return export_program(ctx, filter);
}

static int write_header(const char *path, const struct sock_fprog *p) {
        FILE *f = fopen(path, "we");

        if (!f)
                return negative_errno();
        fprintf(f, "/* Generated by seccomp-gen from seccomp-list.c: do not edit. */\n"
                   "static const struct sock_filter vps_seccomp_program[] = {\n");
        for (unsigned i = 0; i < p->len; i++)
                fprintf(f, "        { 0x%04x, %u, %u, 0x%08x },\n", (unsigned) p->filter[i].code,
                        (unsigned) p->filter[i].jt, (unsigned) p->filter[i].jf, (unsigned) p->filter[i].k);
        fprintf(f, "};\n");
        if (fclose(f) != 0)
                return negative_errno();
        return 0;
}

int main(int argc, char **argv) {
        struct sock_fprog p = {};
        int r;

        log_set_program("seccomp-gen");
        if (argc != 2) {
                log_error("usage: seccomp-gen OUTPUT");
                return EXIT_FAILURE;
        }
        r = compile(&p);
        if (r >= 0)
                r = write_header(argv[1], &p);
        free(p.filter);
        if (r < 0) {
                log_error_errno(r, "cannot compile the seccomp filter: %m");
                (void) unlink(argv[1]);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
