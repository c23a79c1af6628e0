/* Cleanup attributes and small macros shared by every component, so that each early
 * return releases what its scope took (the lxcfs/systemd habit). */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a cleanup scope. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _take_ = (p);     \
                (p) = NULL;                     \
                _take_;                         \
        })

#define TAKE_FD(fd)                     \
        ({                              \
                int _take_fd_ = (fd);   \
                (fd) = -1;              \
                _take_fd_;              \
        })

/* Closes fd (if valid) and returns -1, for "fd = safe_close(fd);". */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -1;
}

/* errno as a negative error code, never 0 even if libc forgot to set errno. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
