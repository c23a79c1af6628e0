/* Copying between the caller's terminal and the VPS's pty master. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "vpsmgr/pty-relay.h"

#define RELAY_BUF 4096

bool pty_relay_winsize(struct winsize *ret) {
        return ioctl(STDIN_FILENO, TIOCGWINSZ, ret) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, ret) == 0;
}

/* Copies what is there; returns 1 if something was copied, 0 at EOF/EIO (the pty's end),
 * -EAGAIN if nothing now. */
static int copy_once(int from, int to) {
        char buf[RELAY_BUF];
        ssize_t n;

        do
                n = read(from, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EAGAIN ? -EAGAIN : 0;
        if (n == 0)
                return 0;
        /* A caller that stopped reading our output loses it, not the VPS its shell. */
        (void) write_all(to, buf, (size_t) n);
        return 1;
}

static void drain(int master) {
        while (copy_once(master, STDOUT_FILENO) > 0)
                ;
}

int pty_relay(int master, int child_pidfd) {
        struct termios saved, raw;
        bool have_tty = tcgetattr(STDIN_FILENO, &saved) == 0, stdin_open = true;
        _cleanup_close_ int sigfd = -1;
        sigset_t set, old;
        struct winsize ws;
        int r = 0;

        sigemptyset(&set);
        for (const int *s = (const int[]) { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT, 0 }; *s; s++)
                sigaddset(&set, *s);
        if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
                return negative_errno();
        sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0) {
                r = negative_errno();
                goto out_mask;
        }
        (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        if (have_tty) {
                raw = saved;
                cfmakeraw(&raw);
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &raw); /* not FLUSH: typed-ahead input stays */
        }

        for (;;) {
                struct pollfd p[4] = {
                        { .fd = master, .events = POLLIN },
                        { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = child_pidfd, .events = POLLIN },
                };
                struct signalfd_siginfo si;

                if (poll(p, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        break;
                }
                if (p[0].revents && copy_once(master, STDOUT_FILENO) == 0)
                        break; /* EIO: no slave left open */
                if (p[1].revents && copy_once(STDIN_FILENO, master) == 0)
                        stdin_open = false;
                while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                        if (si.ssi_signo == SIGWINCH) {
                                if (pty_relay_winsize(&ws))
                                        (void) ioctl(master, TIOCSWINSZ, &ws);
                        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP) {
                                /* The terminal is going away: hang up the session inside. */
                                (void) pidfd_send_signal(child_pidfd, SIGHUP, NULL, 0);
                        }
                }
                if (p[3].revents) {
                        /* The command is gone; a daemon it left may still hold the slave. */
                        drain(master);
                        break;
                }
        }
        if (have_tty)
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
out_mask:
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
