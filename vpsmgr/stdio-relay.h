/* The host side of `exec` without --tty when a standard stream is a terminal: the command
 * gets a pipe instead of our terminal, and we copy between the two (terminal → stdin pipe,
 * stdout/stderr pipes → terminal) in the terminal's own mode, until the command exits. Then
 * the pipes are closed: a process it left in the VPS holds a dead pipe, never the terminal. */
#pragma once

/* fds[i]: our end of the pipe that replaced standard stream i, or -1 (passed through).
 * Relays until done_fd is readable: a pidfd of the command (exec), or the read end of a
 * pipe whose writer closes it (run). Then copies what the output pipes hold right then,
 * closes every fds[i] and sets it to -1. SIGINT and SIGQUIT, which the terminal sends to
 * the command as well, are ignored; SIGTERM and SIGHUP are passed on to a pidfd done_fd
 * (a pipe's caller handles them itself). Does not reap. */
int stdio_relay(int fds[3], int done_fd);
