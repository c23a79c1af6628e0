/* Installing the VPS's seccomp filter (the deny list and why: seccomp-list.c). The BPF program
 * is compiled from the list with libseccomp when vpsmgr is built (seccomp-gen.c), so a start
 * pays neither the translation nor the loading of libseccomp. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/seccomp-filter.h"
/* vps_seccomp_program[], from the build directory. */
#include "seccomp-program.h"

int vps_seccomp_prepare(void) {
        /* Compiled when vpsmgr was built: libseccomp's translation of the list above took
         * half a millisecond of every start. */
        return ELEMENTSOF(vps_seccomp_program) > 0 && ELEMENTSOF(vps_seccomp_program) <= BPF_MAXINSNS ? 0 : -EBADMSG;
}

int vps_seccomp_install(void) {
        struct sock_fprog filter = {
                .len = (unsigned short) ELEMENTSOF(vps_seccomp_program),
                .filter = (struct sock_filter *) vps_seccomp_program,
        };

        /* TSYNC is not needed: whoever installs is single-threaded (a fresh clone or fork). */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) < 0)
                return negative_errno();
        return 0;
}
