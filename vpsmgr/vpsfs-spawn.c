/* vpsfs as the monitor's child: started first, waited for only where the init needs its root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsmgr/handle.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/vpsfs-spawn.h"

static int executable(const char *path) {
        return access(path, X_OK) == 0;
}

int vpsfs_find(char **ret_path) {
        _cleanup_free_ char *self = NULL, *path_copy = NULL;
        const char *env = getenv(VPSFS_ENV), *path;
        char buf[PATH_MAX];
        char *dir, *save = NULL, *slash;

        if (env && *env) {
                *ret_path = strdup(env);
                return *ret_path ? 0 : -ENOMEM;
        }
        self = realpath("/proc/self/exe", NULL);
        if (self && (slash = strrchr(self, '/'))) {
                *slash = '\0';
                if (snprintf(buf, sizeof(buf), "%s/vpsfs", self) < (int) sizeof(buf) && executable(buf)) {
                        *ret_path = strdup(buf);
                        return *ret_path ? 0 : -ENOMEM;
                }
        }
        path = getenv("PATH");
        path_copy = strdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (!path_copy)
                return -ENOMEM;
        for (dir = strtok_r(path_copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                /* Relative PATH entries would depend on our working directory: skip them. */
                if (dir[0] != '/')
                        continue;
                if (snprintf(buf, sizeof(buf), "%s/vpsfs", dir) < (int) sizeof(buf) && executable(buf)) {
                        *ret_path = strdup(buf);
                        return *ret_path ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

static _noreturn_ void child_exec(const char *binary, char *const argv[], int ready_fd) {
        sigset_t none;

        /* The monitor blocks the signals it reads from a signalfd; vpsfs must get them. */
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* Out of the caller's session: Ctrl-C on the terminal of `run` is for the workload;
         * vpsfs ends only when the monitor unmounts or signals it. */
        (void) setsid();
        if (dup2(ready_fd, 3) < 0)
                _exit(126);
        (void) close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
        execv(binary, argv);
        _exit(127);
}

/* The ready byte, or vpsfs's exit, or the timeout. */
static int wait_ready(int ready_fd, int pidfd, const char **ret_step) {
        struct pollfd p[2] = { { .fd = ready_fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
        char c;
        int r;

        *ret_step = "wait for vpsfs";
        do
                r = poll(p, 2, VPSFS_READY_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return negative_errno();
        if (r == 0)
                return -ETIMEDOUT;
        if (p[0].revents & POLLIN && read(ready_fd, &c, 1) == 1)
                return 0;
        *ret_step = "vpsfs exited (see run/log)";
        return -ECONNREFUSED;
}

static void kill_and_reap(struct vpsfs_child *c) {
        /* Through the pidfd only: never a bare pid that could be 0 or -1. */
        (void) pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
        while (waitid((idtype_t) P_PIDFD_COMPAT, (id_t) c->pidfd, &(siginfo_t) {}, WEXITED) < 0 && errno == EINTR)
                ;
        c->pidfd = safe_close(c->pidfd);
        c->ready_fd = safe_close(c->ready_fd);
        c->pid = 0;
}

int vpsfs_start(const struct vps_handle *h, struct vpsfs_child *ret, const char **ret_step) {
        _cleanup_free_ char *binary = NULL, *opts = NULL;
        char backing[PATH_MAX], mnt[PATH_MAX], idmap[PATH_MAX];
        int ready[2], pidfd;
        pid_t pid;
        int r;

        *ret_step = "find vpsfs";
        r = vpsfs_find(&binary);
        if (r < 0)
                return r;
        *ret_step = "vpsfs arguments";
        if ((r = vps_handle_path(h, "rootfs", backing, sizeof(backing))) < 0 ||
            (r = vps_handle_path(h, "mnt", mnt, sizeof(mnt))) < 0 ||
            (r = vps_handle_path(h, "idmap", idmap, sizeof(idmap))) < 0)
                return r;
        if (asprintf(&opts, "idmap=%s,name=%s", idmap, h->name) < 0)
                return -ENOMEM;
        /* A comma in the path would end the option: refuse rather than mount oddly. */
        if (strchr(idmap, ','))
                return -EINVAL;

        char *argv[] = { (char *) "vpsfs", backing, mnt, (char *) "-o", opts, (char *) "-f",
                         (char *) "--ready-fd", (char *) "3", NULL };

        *ret_step = "pipe";
        if (pipe2(ready, O_CLOEXEC) < 0)
                return negative_errno();
        *ret_step = "fork vpsfs";
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close(ready[0]);
                close(ready[1]);
                return r;
        }
        if (pid == 0)
                child_exec(binary, argv, ready[1]);
        close(ready[1]);
        /* Our unreaped child: its pid cannot be reused before we wait for it. */
        pidfd = pidfd_open_checked(pid);
        if (pidfd < 0) {
                (void) kill(pid, SIGKILL); /* pid > 0: fork's return in the parent */
                (void) waitpid(pid, NULL, 0);
                close(ready[0]);
                return pidfd;
        }
        *ret = (struct vpsfs_child) { .pid = pid, .pidfd = pidfd, .ready_fd = ready[0] };
        return 0;
}

int vpsfs_wait_ready(struct vpsfs_child *c, const char **ret_step) {
        int r;

        r = wait_ready(c->ready_fd, c->pidfd, ret_step);
        if (r < 0) {
                kill_and_reap(c);
                return r;
        }
        c->ready_fd = safe_close(c->ready_fd);
        return 0;
}

void vpsfs_abort(struct vpsfs_child *c) {
        if (c->pidfd >= 0 && c->ready_fd >= 0)
                kill_and_reap(c);
}
