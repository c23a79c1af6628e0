/* The seed's "modified loader": a program started straight inside a running VPS. From the
 * host process P:
 *
 *   P ── fork ── A: joins the VPS's cgroup and namespaces (vps_join), forwards signals
 *                └─ fork ── B: PID inside the VPS; looks USER up in the VPS's own passwd,
 *                             becomes USER (vps_become: the VSU set as ambient
 *                             capabilities if on the VSU list), clean environment, exec CMD
 *
 * P stays on the host with the caller's terminal; A exits with B's status (128+N for a
 * signal). A SOCK_SEQPACKET socket tells P whether B reached exec (EOF), which step failed
 * (one record), and with a pty, carries the master side of B's new terminal back to P.
 * The VPS never holds a descriptor of a host terminal. With a pty, A moves /dev/null over
 * 0, 1, 2 right after the fork, and B's terminal is a new pty of the VPS's own devpts.
 * Without, each standard stream the caller asks for (the ones that are a terminal) becomes
 * a pipe whose other end P keeps, for stdio_relay(); the rest pass through. */
#pragma once

#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "vpsmgr/launch.h"

struct vsu_list;

struct exec_request {
        int init_pidfd;          /* the VPS's init, verified */
        int cgroup_fd;           /* the VPS's cgroup */
        const char *user;        /* name or number; NULL: root */
        const struct vsu_list *vsu;  /* the VPS's VSU list, read on the host (the uid is only
                                      * known inside): USER on it gets the VSU set. NULL:
                                      * empty */
        char *const *argv;       /* NULL: the user's login shell */
        bool pty;                /* a new pty from the VPS's devpts */
        bool pipe_stdio[3];      /* without pty: give B a pipe for this standard stream */
        const struct winsize *winsize;  /* its initial size, or NULL */
        const char *term;        /* TERM for the command, or NULL */
};

struct exec_child {
        pid_t pid;               /* A */
        int pidfd;               /* A's */
        int master_fd;           /* with pty: the master, else -1 */
        int stdio_fds[3];        /* P's ends of the pipes of pipe_stdio, else -1 */
};

/* Starts A and B; returns once B has exec'd (0) or failed (-errno, the step in *ret_error;
 * A has then been reaped). */
int exec_spawn(const struct exec_request *req, struct exec_child *ret, struct vps_step_error *ret_error);

/* Waits for A, forwarding SIGTERM and SIGHUP to it and ignoring SIGINT and SIGQUIT (the
 * terminal sends those to A and B itself). Returns B's status as one shell code. */
int exec_wait(struct exec_child *c);
