/* Skip helpers for integration tests: a test may skip only when the machine truly lacks the
 * facility, and must say which. */
#pragma once

#include <criterion/criterion.h>
#include <fcntl.h>
#include <unistd.h>

static inline void skip_unless_root(void) {
        if (geteuid() != 0)
                cr_skip_test("needs root (running as uid %d)", (int) geteuid());
}

static inline void skip_unless_fuse(void) {
        int fd;

        skip_unless_root();
        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                cr_skip_test("needs /dev/fuse (cannot open it)");
        close(fd);
}
