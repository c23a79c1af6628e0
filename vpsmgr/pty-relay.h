/* The host side of `enter` and `exec --tty`: the caller's terminal in raw mode, bytes copied
 * both ways between it and the master of the VPS's pty, window-size changes passed on
 * (SIGWINCH → TIOCSWINSZ), the terminal restored at the end, also after SIGTERM or SIGHUP
 * (which are passed on to the command as SIGHUP). */
#pragma once

#include <stdbool.h>
#include <sys/ioctl.h>

/* The caller's window size (of stdin, else stdout), if it is a terminal. */
bool pty_relay_winsize(struct winsize *ret);

/* Relays until the process behind child_pidfd has exited and the master has nothing more to
 * read (or reads EIO: every holder of the slave is gone). Does not reap. */
int pty_relay(int master_fd, int child_pidfd);
