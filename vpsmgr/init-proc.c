/* Starting, reaping and counting the processes of a VPS, for vps-init. */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "vpsmgr/init-proc.h"
#include "vpsmgr/vsu-caps.h"

/* Runs in the child between fork and exec (init is single-threaded, so stdio is safe). */
int init_identity_parse(const char *s, struct init_identity *ret) {
        struct init_identity id = { .set = true };
        const char *p = s;
        unsigned field = 0;
        uint32_t v;
        size_t n;

        for (;; field++) {
                n = strcspn(p, field < 2 ? ":" : ",");
                /* (uid_t) -1 would mean "unchanged" to setresuid. */
                if (safe_atou32_n(p, n, &v) < 0 || v == UINT32_MAX)
                        return -EINVAL;
                if (field == 0)
                        id.uid = v;
                else if (field == 1)
                        id.gid = v;
                else if (id.n_groups < sizeof(id.groups) / sizeof(id.groups[0]))
                        id.groups[id.n_groups++] = v;
                else
                        return -EINVAL;
                p += n;
                if (!*p)
                        break;
                p++;
        }
        if (field < 1)
                return -EINVAL; /* a uid without a gid */
        *ret = id;
        return 0;
}

static _noreturn_ void child_exec(char *const argv[], bool take_tty, const struct init_identity *id) {
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;
        int e;

        /* init handles no signal with a handler, but the launcher may have left some
         * ignored, and ignored signals survive exec. */
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* Its own session and process group, so a shell in it can manage jobs and a
         * "kill 0" inside it does not aim at init. */
        (void) setsid();
        /* Not stolen (argument 0): fails if the terminal is another session's already. */
        if (take_tty && isatty(STDIN_FILENO))
                (void) ioctl(STDIN_FILENO, TIOCSCTTY, 0);
        /* Groups, then gid, then uid: after the uid change nothing else could be changed. A
         * VSU-list user keeps the permitted set across it (KEEPCAPS), narrowed to the VSU set
         * and raised as ambient by vsu_caps_apply(); anyone else ends with nothing. */
        if (id && id->set) {
                bool vsu = id->vsu && id->uid != 0;

                if (setgroups(id->n_groups, id->groups) < 0 || setresgid(id->gid, id->gid, id->gid) < 0 ||
                    (vsu && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) || setresuid(id->uid, id->uid, id->uid) < 0) {
                        log_error_errno(errno, "cannot become uid %u: %m", (unsigned) id->uid);
                        _exit(126);
                }
                if (vsu && (e = vsu_caps_apply()) < 0) {
                        log_error_errno(e, "uid %u: cannot take the VSU capabilities: %m", (unsigned) id->uid);
                        _exit(126);
                }
        }

        execvp(argv[0], argv);
        e = errno;
        log_error_errno(e, "cannot run '%s': %m", argv[0]);
        _exit(e == ENOENT ? 127 : 126);
}

int init_spawn(char *const argv[], bool take_tty, const struct init_identity *id, pid_t *ret_pid) {
        pid_t pid;

        if (!argv || !argv[0])
                return -EINVAL;
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0)
                child_exec(argv, take_tty, id);
        *ret_pid = pid;
        return 0;
}

int init_reap(pid_t watch, int *ret_watch_status) {
        int found = 0;

        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);

                if (pid < 0 && errno == EINTR)
                        continue;
                if (pid <= 0)
                        return found; /* 0: none exited yet; ECHILD: no children */
                if (watch > 0 && pid == watch) {
                        *ret_watch_status = status;
                        found = 1;
                }
        }
}

bool init_has_children(void) {
        siginfo_t si = {};

        /* WNOWAIT: look without reaping; ECHILD when there is no child at all. */
        return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

bool init_has_processes(void) {
        /* Signal 0 checks without sending; kill(-1) skips the caller and, in a PID
         * namespace, everything outside it. */
        return kill(-1, 0) == 0 || errno != ESRCH;
}
