/* elf_is_static on binaries every Debian host has, and on files that are no ELF at all. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/elf-static.h"

static int check(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC), r;

        if (fd < 0)
                cr_skip_test("%s is missing", path);
        r = elf_is_static(fd);
        close(fd);
        return r;
}

Test(elf_static, dynamic_executable) {
        cr_expect_eq(check("/bin/sh"), 0);
}

Test(elf_static, static_busybox) {
        cr_expect_eq(check("/bin/busybox"), 1);
}

Test(elf_static, not_elf) {
        cr_expect_eq(check("/etc/passwd"), -ENOEXEC);
        cr_expect_eq(check("/dev/null"), -ENOEXEC);
}
