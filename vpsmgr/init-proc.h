/* Process plumbing of vps-init: start a command with a clean signal state, reap whatever
 * has exited, and tell whether any process besides init is left in its PID namespace. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Forks and execs argv (searched in $PATH) in a new session, with every signal unblocked and
 * at its default action: init's own blocked mask must not leak into the VPS. With
 * take_tty (the workload), a terminal on init's stdin becomes the session's controlling
 * terminal, so that an interactive shell gets job control and ^C. The child exits 127 if
 * argv[0] is not found, 126 if it cannot be executed. */
struct init_identity {
        bool set;            /* false: stay root */
        uid_t uid;
        gid_t gid;
        size_t n_groups;
        gid_t groups[64];
        bool vsu;            /* --vsu: keep the VSU set (vsu-caps.h) as ambient caps */
};

/* Parses "UID:GID[:GID,GID...]" (vps-init --user). -EINVAL if malformed. */
int init_identity_parse(const char *s, struct init_identity *ret);

/* id (may be NULL) is who the command runs as: groups, gid, uid, set before exec; with
 * id->vsu and a uid other than 0, the VSU capability set, ambient so that exec keeps it. */
int init_spawn(char *const argv[], bool take_tty, const struct init_identity *id, pid_t *ret_pid);

/* Reaps every child that has exited. If watch > 0 and it is among them, stores its wait
 * status in *ret_watch_status and returns 1; 0 otherwise. Never blocks. */
int init_reap(pid_t watch, int *ret_watch_status);

/* Whether init has children left (false once waitpid says ECHILD). */
bool init_has_children(void);

/* Whether any process other than init is left in its PID namespace, children or not (a
 * process started with setns() from the host is not init's child). Only meaningful as PID 1:
 * kill(-1) then reaches exactly the namespace. */
bool init_has_processes(void);
