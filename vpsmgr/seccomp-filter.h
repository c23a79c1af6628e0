/* Named seccomp-filter, not seccomp: <seccomp.h> (libseccomp) would otherwise find this
 * header through the source directory on the include path. */
/* The seccomp part of the privilege policy: a deny list of system calls that no process of a
 * VPS has any business making, even inside its own namespaces. Compiled with libseccomp
 * (which knows every ABI of the machine: x86-64, x32 and i386 on a PC) when vpsmgr is built
 * (seccomp-gen.c), installed as a ready BPF program in the child, where nothing may be
 * allocated. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One refused call: its name as libseccomp knows it, and the errno the caller gets. */
struct seccomp_refusal {
        const char *name;
        int error;
};

/* The deny list, for the generator and for callers that show or test it (seccomp-list.c says
 * why each is there). */
extern const struct seccomp_refusal seccomp_refused[];
extern const size_t seccomp_refused_count;

/* Checks the built-in program (compiled at build time). Call it before clone or fork in any
 * path that ends in vps_seccomp_install(). Returns 0 or -errno. */
int vps_seccomp_prepare(void);
/* Installs the compiled filter on the calling thread. Needs CAP_SYS_ADMIN in the current user
 * namespace (the root of a new or joined VPS has it): no_new_privs is deliberately not set,
 * so that su, sudo and file capabilities keep working inside. -EINVAL if not prepared.
 * Async-signal-safe. */
int vps_seccomp_install(void);
