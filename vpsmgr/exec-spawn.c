/* exec_spawn: P → A (joined) → B (the command). See exec-spawn.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/exec-spawn.h"
#include "vpsmgr/init-protocol.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/passwd.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/vsu-caps.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum exec_msg_kind {
        EXEC_MSG_MASTER = 1,
        EXEC_MSG_ERROR = 2,
};

struct exec_msg {
        uint32_t kind;
        struct vps_step_error e;
};

static void send_error(int sock, const char *step, int r) {
        struct exec_msg m = { .kind = EXEC_MSG_ERROR };

        vps_step_error_set(&m.e, step, r);
        (void) !send(sock, &m, sizeof(m), MSG_NOSIGNAL);
}

static int send_fd(int sock, int fd) {
        struct exec_msg m = { .kind = EXEC_MSG_MASTER };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

/* One message: 1 with *m (and *ret_fd for a master), 0 at EOF. */
static int recv_msg(int sock, struct exec_msg *m, int *ret_fd) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c;
        ssize_t n;

        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if (n == 0)
                return 0;
        for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        if ((size_t) n != sizeof(*m))
                return -EIO;
        m->e.step[sizeof(m->e.step) - 1] = '\0';
        return 1;
}

/* B's new terminal: a pty of the VPS's devpts, opened as the user (so the slave is theirs),
 * made the controlling terminal of a new session and B's 0, 1, 2. */
static int open_pty(const struct exec_request *req, int sock, const char **ret_step) {
        _cleanup_close_ int master = -1, slave = -1;
        int unlock = 0, r;

        *ret_step = "open /dev/ptmx";
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return negative_errno();
        *ret_step = "unlock pty";
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return negative_errno();
        /* The peer through the master: no path lookup in /dev/pts to be raced. */
        *ret_step = "open pty";
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return negative_errno();
        if (req->winsize)
                (void) ioctl(master, TIOCSWINSZ, req->winsize);
        *ret_step = "setsid";
        if (setsid() < 0)
                return negative_errno();
        *ret_step = "TIOCSCTTY";
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return negative_errno();
        *ret_step = "dup2";
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return negative_errno();
        *ret_step = "send pty";
        r = send_fd(sock, master);
        return r;
}

static int set_env(const struct vps_user *u, const char *term) {
        if (clearenv() != 0)
                return -ENOMEM;
        if (setenv("PATH", DEFAULT_PATH, 1) < 0 || setenv("HOME", u->home, 1) < 0 || setenv("USER", u->name, 1) < 0 ||
            setenv("LOGNAME", u->name, 1) < 0 || setenv("SHELL", u->shell, 1) < 0 ||
            (term && setenv("TERM", term, 1) < 0))
                return -ENOMEM;
        return 0;
}

/* B: inside the VPS's PID namespace. Only returns on failure. */
static int child_b(const struct exec_request *req, int sock, const char **ret_step) {
        struct vps_identity id;
        struct vps_step_error e;
        struct vps_user u;
        char login_argv0[PASSWD_FIELD_MAX + 1];
        char *shell_argv[2] = { login_argv0, NULL };
        char *const *argv = req->argv;
        const char *base;
        sigset_t none;
        int r;

        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        /* After setns the root is the VPS's: these are its own files. */
        *ret_step = "look up user";
        r = passwd_lookup_here(req->user, &u);
        if (r < 0)
                return r;
        id = (struct vps_identity) {
                .uid = u.uid, .gid = u.gid, .groups = u.groups, .n_groups = u.n_groups,
                .vsu = vsu_identity_in(req->vsu, u.uid),
        };
        r = vps_become(&id, &e);
        if (r < 0) {
                *ret_step = "become user";
                return r;
        }
        if (req->pty) {
                r = open_pty(req, sock, ret_step);
                if (r < 0)
                        return r;
        } else if (setsid() < 0) {
                /* Never the host terminal as the controlling tty of a VPS process (TIOCSTI). */
                *ret_step = "setsid";
                return negative_errno();
        }
        *ret_step = "set environment";
        r = set_env(&u, req->term);
        if (r < 0)
                return r;
        /* Login shell: argv[0] "-sh", in the home directory. */
        if (!argv) {
                base = strrchr(u.shell, '/');
                snprintf(login_argv0, sizeof(login_argv0), "-%s", base ? base + 1 : u.shell);
                if (chdir(u.home) < 0)
                        (void) chdir("/");
                argv = shell_argv;
        }
        *ret_step = "close descriptors";
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return negative_errno();
        *ret_step = "exec";
        if (argv == shell_argv)
                execv(u.shell, argv);
        else
                execvp(argv[0], argv);
        return negative_errno();
}

static volatile sig_atomic_t b_pid;

static void forward(int sig) {
        pid_t pid = b_pid;

        /* Guard: never kill(0) or kill(-1). */
        if (pid > 0)
                (void) kill(pid, sig);
}

/* B's end of pipe i: it reads stdin, writes stdout and stderr. */
static int b_end(int i) {
        return i == 0 ? 0 : 1;
}

/* A's standard streams: /dev/null with a pty (B gets its own), else the pipes' B ends where
 * asked for. P's ends are closed, or the command would never see EOF on its stdin. */
static int a_stdio(const struct exec_request *req, int null_fd, const int pipes[3][2]) {
        for (int fd = 0; fd < 3; fd++) {
                int from = req->pty ? null_fd : pipes[fd][b_end(fd)];

                if (from >= 0 && dup2(from, fd) < 0)
                        return negative_errno();
        }
        for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                        if (pipes[i][j] > 2)
                                close(pipes[i][j]);
        return 0;
}

/* A: joins, forks B, passes signals on, exits with B's status. */
static _noreturn_ void child_a(const struct exec_request *req, int sock, int null_fd, const int pipes[3][2]) {
        static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
        struct sigaction sa = { .sa_handler = forward };
        struct vps_step_error e = {};
        const char *step;
        int status, r;
        pid_t pid;

        if (a_stdio(req, null_fd, pipes) < 0)
                _exit(126);
        r = vps_join(req->init_pidfd, req->cgroup_fd, &e);
        if (r < 0) {
                send_error(sock, e.step, r);
                _exit(126);
        }
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                (void) sigaction(forwarded[i], &sa, NULL);
        pid = fork();
        if (pid < 0) {
                send_error(sock, "fork", negative_errno());
                _exit(126);
        }
        if (pid == 0) {
                r = child_b(req, sock, &step);
                send_error(sock, step, r);
                _exit(r == -ENOENT && strcmp(step, "exec") == 0 ? 127 : 126);
        }
        b_pid = pid;
        close(sock);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(126);
        _exit(vps_init_status_code(status) & 0xff);
}

static void pipes_close(int pipes[3][2]) {
        for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                        pipes[i][j] = safe_close(pipes[i][j]);
}

int exec_spawn(const struct exec_request *req, struct exec_child *ret, struct vps_step_error *ret_error) {
        _cleanup_close_ int null_fd = -1, pidfd = -1, master = -1;
        int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
        int sock[2];
        struct exec_msg m;
        pid_t pid;
        int r, fd;

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0)
                return negative_errno();
        for (int i = 0; i < 3; i++)
                if (!req->pty && req->pipe_stdio[i] && pipe2(pipes[i], O_CLOEXEC) < 0) {
                        r = negative_errno();
                        vps_step_error_set(ret_error, "pipe", r);
                        pipes_close(pipes);
                        return r;
                }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0) {
                r = negative_errno();
                vps_step_error_set(ret_error, "socketpair", r);
                pipes_close(pipes);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                vps_step_error_set(ret_error, "fork", r);
                close(sock[0]);
                close(sock[1]);
                pipes_close(pipes);
                return r;
        }
        if (pid == 0) {
                close(sock[0]);
                child_a(req, sock[1], null_fd, pipes);
        }
        close(sock[1]);
        /* B's ends are B's: P keeps only its own, or it would never see EOF on B's output. */
        for (int i = 0; i < 3; i++)
                pipes[i][b_end(i)] = safe_close(pipes[i][b_end(i)]);
        pidfd = pidfd_open_checked(pid);

        /* Messages until EOF: B exec'd (its end was CLOEXEC) and A closed its own. */
        r = 0;
        for (;;) {
                fd = -1;
                int k = recv_msg(sock[0], &m, &fd);

                if (k <= 0) {
                        if (k < 0 && r == 0) {
                                r = k;
                                vps_step_error_set(ret_error, "read report", k);
                        }
                        break;
                }
                if (m.kind == EXEC_MSG_MASTER && fd >= 0 && master < 0) {
                        master = fd;
                } else {
                        safe_close(fd);
                        if (m.kind == EXEC_MSG_ERROR && r == 0) {
                                r = m.e.error > 0 ? -m.e.error : -EIO;
                                if (ret_error)
                                        *ret_error = m.e;
                        }
                }
        }
        close(sock[0]);
        if (r == 0 && pidfd < 0) {
                /* Without it nothing could wait for A: end A, as after a failure. */
                r = pidfd;
                vps_step_error_set(ret_error, "pidfd_open", r);
                (void) kill(pid, SIGKILL); /* pid > 0: fork's return in the parent */
        }
        if (r < 0) {
                /* A exits by itself after a failure: reap it. */
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                pipes_close(pipes);
                return r;
        }
        for (int i = 0; i < 3; i++)
                ret->stdio_fds[i] = TAKE_FD(pipes[i][1 - b_end(i)]);
        ret->pid = pid;
        ret->pidfd = TAKE_FD(pidfd);
        ret->master_fd = TAKE_FD(master);
        return 0;
}

int exec_wait(struct exec_child *c) {
        struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
        sigset_t set, old;
        int status = 0;
        _cleanup_close_ int sigfd = -1;

        sigemptyset(&ign.sa_mask);
        (void) sigaction(SIGINT, &ign, &old_int);
        (void) sigaction(SIGQUIT, &ign, &old_quit);
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &set, &old);
        sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        for (;;) {
                struct pollfd p[2] = { { .fd = c->pidfd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
                struct signalfd_siginfo si;

                if (poll(p, sigfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
                        break;
                if (p[1].revents)
                        while (read(sigfd, &si, sizeof(si)) == sizeof(si))
                                (void) pidfd_send_signal(c->pidfd, (int) si.ssi_signo, NULL, 0);
                if (p[0].revents)
                        break;
        }
        while (waitpid(c->pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = W_EXITCODE(126, 0);
                        break;
                }
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        (void) sigaction(SIGINT, &old_int, NULL);
        (void) sigaction(SIGQUIT, &old_quit, NULL);
        c->pidfd = safe_close(c->pidfd);
        return vps_init_status_code(status);
}
