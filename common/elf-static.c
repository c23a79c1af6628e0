/* The ELF check: a PT_INTERP program header names the dynamic loader a binary needs. */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/elf-static.h"
#include "common/macro.h"

/* More program headers than any real executable has; bounds the loop on a crafted file. */
#define PHNUM_MAX 4096

static int read_exact(int fd, void *buf, size_t size, off_t offset) {
        ssize_t n = pread(fd, buf, size, offset);

        if (n < 0)
                return negative_errno();
        return (size_t) n == size ? 0 : -ENOEXEC;
}

int elf_is_static(int fd) {
        Elf64_Ehdr eh;
        int r;

        r = read_exact(fd, &eh, sizeof(eh), 0);
        if (r < 0)
                return r;
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
            eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > PHNUM_MAX)
                return -ENOEXEC;

        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;

                r = read_exact(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + i * sizeof(ph)));
                if (r < 0)
                        return r;
                if (ph.p_type == PT_INTERP)
                        return 0;
        }
        return 1;
}
