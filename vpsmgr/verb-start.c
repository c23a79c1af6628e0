/* vpsmgr start: a per-VPS monitor daemon (double-forked, own session, a fresh exec of vpsmgr)
 * brings the VPS up and reports success or the failing step through a pipe; start returns
 * once init runs, holding the VPS's lock until then. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/args.h"
#include "vpsmgr/control.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/monitor.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/state.h"
#include "vpsmgr/vpsfs-spawn.h"

/* A monitor may wait up to this for vpsfs and then for the init. */
#define START_REPORT_TIMEOUT_MS (VPSFS_READY_TIMEOUT_MS + VPS_LAUNCH_TIMEOUT_MS + 5000)
/* A monitor still tearing down a VPS that stopped by itself: how long start waits for it. */
#define START_TEARDOWN_WAIT_MS 15000

/* In the grandchild: stdio to run/log (0 from /dev/null), the report pipe as fd 3, exec. */
static _noreturn_ void exec_monitor(const struct vps_handle *h, int report_fd) {
        char fd_arg[16];
        int null_fd, log_fd;
        char *argv[] = {
                (char *) "vpsmgr", (char *) "--root", h->root, (char *) "--log-level",
                (char *) log_level_to_string(log_get_level()), (char *) "__monitor", (char *) h->name,
                fd_arg, NULL,
        };
        struct vps_step_error e = {};

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        log_fd = openat(h->vps_fd, "run/log", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
            dup2(log_fd >= 0 ? log_fd : null_fd, STDOUT_FILENO) < 0 ||
            dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO) < 0 || dup2(report_fd, 3) < 0 ||
            chdir("/") < 0)
                goto fail;
        snprintf(fd_arg, sizeof(fd_arg), "%d", 3);
        /* Our own binary, even if it was replaced on disk since. Everything else (the lock,
         * the caller's descriptors) is left behind. */
        (void) close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
        execv("/proc/self/exe", argv);
fail:
        vps_step_error_set(&e, "exec monitor", negative_errno());
        (void) !write(report_fd, &e, sizeof(e));
        _exit(EXIT_FAILURE);
}

static int spawn_monitor(const struct vps_handle *h, int report_fd) {
        pid_t pid;
        int status;

        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                /* Own session, then fork again: the monitor is no session leader and can
                 * never acquire a controlling terminal; nobody's child but init's. */
                if (setsid() < 0)
                        _exit(EXIT_FAILURE);
                pid = fork();
                if (pid < 0)
                        _exit(EXIT_FAILURE);
                if (pid == 0)
                        exec_monitor(h, report_fd);
                _exit(EXIT_SUCCESS);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

/* One record: error 0 for success. EOF without one: the monitor died. *ret_reported says
 * whether the monitor answered at all (and so undid what it had done if it failed). */
static int read_report(int fd, struct vps_step_error *e, bool *ret_reported) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        int r;

        *ret_reported = false;
        do
                r = poll(&p, 1, START_REPORT_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r <= 0) {
                vps_step_error_set(e, "wait for the monitor", r < 0 ? negative_errno() : -ETIMEDOUT);
                return -e->error;
        }
        do
                n = read(fd, e, sizeof(*e));
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t) sizeof(*e)) {
                vps_step_error_set(e, "monitor died (see run/log)", -EPIPE);
                return -EPIPE;
        }
        e->step[sizeof(e->step) - 1] = '\0';
        *ret_reported = true;
        return -e->error;
}

int vps_start(const struct vpsmgr_context *ctx, const struct vps_handle *h) {
        struct monitor m;
        struct vps_step_error e = {};
        int report[2], r;
        bool reported;

        /* A corrupted config or table: say so now, with nothing changed. */
        r = monitor_load(&m, h);
        monitor_free(&m);
        if (r < 0)
                return r;

        if (pipe2(report, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), "cannot start %s: pipe: %m", h->name);
        r = spawn_monitor(h, report[1]);
        close(report[1]);
        if (r < 0) {
                close(report[0]);
                return log_error_errno(r, "cannot start %s: fork monitor: %m", h->name);
        }
        r = read_report(report[0], &e, &reported);
        close(report[0]);
        if (r < 0) {
                log_error_errno(r, "cannot start %s: %s: %m", h->name, e.step);
                /* A monitor that died or hangs undid nothing, or may still bring the VPS up
                 * after we said it failed: stop whatever it started, under our lock. */
                if (!reported)
                        (void) vps_stop(h, 0);
                return r;
        }
        return 0;
}

/* A monitor alive while nothing runs is tearing down a VPS that stopped by itself. */
static int wait_for_old_monitor(const struct vps_handle *h) {
        _cleanup_close_ int pidfd = -1;

        if (vps_monitor_pidfd(h, &pidfd) < 0)
                return 0;
        if (pidfd_wait_exit(pidfd, START_TEARDOWN_WAIT_MS) > 0)
                return 0;
        return log_error_errno(-EBUSY, "%s: its monitor is still stopping it", h->name);
}

static int start_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        _cleanup_(vps_op_done) struct vps_op op = { .root_fd = -1, .vps_fd = -1, .lock_fd = -1 };
        int r;

        r = args_no_options("start", argc, argv);
        if (r >= 0)
                r = vps_op_begin(&op, ctx, "start", argc, argv);
        if (r < 0)
                return r;
        r = vps_refuse_running(&op.h);
        if (r < 0)
                return r;
        r = wait_for_old_monitor(&op.h);
        if (r < 0)
                return r;
        return vps_start(ctx, &op.h);
}

const struct verb verb_start = {
        .name = "start",
        .summary = "start a stopped VPS",
        .usage =
                "Usage: vpsmgr start NAME\n"
                "\n"
                "Starts a per-VPS monitor (logging to NAME/run/log) that mounts the VPS's vpsfs\n"
                "on NAME/mnt, creates its cgroup and starts its vps-init in new namespaces, with\n"
                "the config's start_cmd (default: /etc/vps/rc if present). Returns once init\n"
                "runs, printing nothing; on failure says which step failed, with everything\n"
                "undone. The monitor restarts init after a reboot inside and tears the VPS down\n"
                "when init ends otherwise.\n"
                "\n"
                "Uses $VPSFS, else the vpsfs next to vpsmgr, else vpsfs on PATH; $VPS_INIT,\n"
                "else the installed vps-init.\n"
                "\n"
                "Options:\n"
                "  -h, --help  this text\n"
                "\n"
                "Needs root.\n",
        .run = start_run,
};
