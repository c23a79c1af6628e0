/* Finding vps-init on the host: the launcher opens it before pivot_root and execs it through
 * the descriptor, so no path inside the VPS (and no file of the host seen from it) matters. */
#pragma once

/* Opens $VPS_INIT if set (tests, a build tree), else VPS_INIT_INSTALLED (set by the build:
 * PREFIX/LIBEXECDIR/vps/vps-init). Refuses anything but a static ELF executable regular file
 * (-ENOEXEC): a dynamic one would not start in a root filesystem with no C library. Returns
 * an O_RDONLY|O_CLOEXEC descriptor for execveat(fd, "", argv, envp, AT_EMPTY_PATH), which
 * works on a close-on-exec descriptor for an ELF binary (not for a script). */
int init_binary_open(void);
