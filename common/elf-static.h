/* Telling a static ELF executable from a dynamic one: only a static one runs in a root
 * filesystem with no C library (a VPS from the busybox template, vps-init's). */
#pragma once

/* Reads the ELF headers of the open file fd (64-bit ELF only). Returns 1 if it is an
 * executable with no program interpreter (static, static-pie included), 0 if it needs one,
 * -ENOEXEC if it is not a 64-bit ELF executable, other -errno on read errors. */
int elf_is_static(int fd);
