/* Copying between the caller's terminal and the pipes that stand in for it. See stdio-relay.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "vpsmgr/stdio-relay.h"

#define RELAY_BUF 4096
/* After the command's exit, what a process left behind writes is not waited for. */
#define DRAIN_MAX (1024 * 1024)

struct stdin_buf {
        char data[RELAY_BUF];
        size_t off, len;
};

/* One read from an output pipe to our stream: >0 copied, 0 at EOF, -EAGAIN if nothing now,
 * other -errno. A caller that stopped reading our output loses it, not the VPS its command. */
static ssize_t copy_out(int from, int to) {
        char buf[RELAY_BUF];
        ssize_t n;

        do
                n = read(from, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if (n > 0)
                (void) write_all(to, buf, (size_t) n);
        return n;
}

/* Terminal → buffer, when the buffer is empty. Returns false at the terminal's EOF (ctrl-D)
 * or error: the command then gets EOF. */
static bool fill_stdin(struct stdin_buf *b) {
        ssize_t n;

        do
                n = read(STDIN_FILENO, b->data, sizeof(b->data));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return true;
        if (n <= 0)
                return false;
        b->off = 0;
        b->len = (size_t) n;
        return true;
}

/* Buffer → stdin pipe (non-blocking). Returns false once the command's side is closed. */
static bool flush_stdin(struct stdin_buf *b, int pipe_fd) {
        ssize_t n;

        while (b->len > 0) {
                n = write(pipe_fd, b->data + b->off, b->len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN;
                }
                b->off += (size_t) n;
                b->len -= (size_t) n;
        }
        return true;
}

static void drain(int from, int to) {
        size_t total = 0;
        ssize_t n;

        while (total < DRAIN_MAX && (n = copy_out(from, to)) > 0)
                total += (size_t) n;
}

int stdio_relay(int fds[3], int done_fd) {
        _cleanup_close_ int sigfd = -1;
        struct stdin_buf in = {};
        bool stdin_open = fds[0] >= 0;
        sigset_t set, old;
        int r = 0;

        /* SIGPIPE too: a command that closed its stdin costs us the input, not our life. */
        sigemptyset(&set);
        for (const int *s = (const int[]) { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGPIPE, 0 }; *s; s++)
                sigaddset(&set, *s);
        if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
                r = negative_errno();
        else {
                sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
                if (sigfd < 0)
                        r = negative_errno();
        }
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        (void) fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);

        while (r >= 0) {
                struct pollfd p[6] = {
                        { .fd = done_fd, .events = POLLIN },
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = stdin_open && in.len == 0 ? STDIN_FILENO : -1, .events = POLLIN },
                        { .fd = stdin_open && in.len > 0 ? fds[0] : -1, .events = POLLOUT },
                        { .fd = fds[1], .events = POLLIN },
                        { .fd = fds[2], .events = POLLIN },
                };
                struct signalfd_siginfo si;

                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno != EINTR)
                                r = negative_errno();
                        continue;
                }
                while (sigfd >= 0 && read(sigfd, &si, sizeof(si)) == sizeof(si))
                        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)
                                (void) pidfd_send_signal(done_fd, (int) si.ssi_signo, NULL, 0);
                for (int i = 1; i < 3; i++)
                        if (p[3 + i].revents && copy_out(fds[i], i) == 0)
                                fds[i] = safe_close(fds[i]); /* every writer gone */
                if (p[2].revents && !fill_stdin(&in))
                        stdin_open = false;
                if ((p[3].revents || in.len > 0) && stdin_open && !flush_stdin(&in, fds[0]))
                        stdin_open = false;
                if (!stdin_open && fds[0] >= 0)
                        fds[0] = safe_close(fds[0]); /* the command sees EOF */
                if (p[0].revents)
                        break;
        }
        /* The command is gone: take what it wrote, then let go of everything, so that nothing
         * left in the VPS reaches the terminal, or is reached from it, any more. */
        for (int i = 1; i < 3; i++)
                if (fds[i] >= 0)
                        drain(fds[i], i);
        for (int i = 0; i < 3; i++)
                fds[i] = safe_close(fds[i]);
        /* Nothing of ours left pending to kill us once unblocked: a late SIGPIPE or ctrl-C. */
        for (struct signalfd_siginfo si; sigfd >= 0 && read(sigfd, &si, sizeof(si)) == sizeof(si);)
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)
                        (void) pidfd_send_signal(done_fd, (int) si.ssi_signo, NULL, 0);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
