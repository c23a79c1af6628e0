/* vpsmgr destroy: removes a stopped VPS's state and frees its VPID and ID block; with
 * --force, first kills what runs and unmounts its vpsfs. */
#include <errno.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/cgroup.h"
#include "common/log.h"
#include "common/vpsdb.h"
#include "vpsmgr/args.h"
#include "vpsmgr/json.h"
#include "vpsmgr/lifecycle.h"
#include "vpsmgr/state.h"
#include "vpsmgr/control.h"
#include "vpsmgr/runstate.h"
#include "vpsmgr/teardown.h"
#include "vpsmgr/verbs.h"
#include "vpsmgr/vps-open.h"

static int refuse_running(const struct vps_runtime *rt, const char *name) {
        if (rt->populated)
                log_error("%s: is running (%zu processes in its cgroup): stop it, or use --force to kill them",
                          name, rt->n_processes);
        else
                log_error("%s: its vpsfs is still mounted on mnt/: stop it, or use --force to unmount it", name);
        return -EBUSY;
}

static int stop_everything(const struct vpsmgr_context *ctx, int vps_fd, const char *name, bool force) {
        _cleanup_close_ int monitor_pidfd = -1;
        struct vps_handle h;
        struct vps_runtime rt;
        bool running;
        int r;

        r = vps_runtime_probe(ctx->cgroup_parent, vps_fd, name, &rt);
        if (r < 0)
                return log_error_errno(r, "%s: cannot tell whether it runs: %m", name);
        running = vps_runtime_is_running(&rt);
        if (running && !force)
                r = refuse_running(&rt, name);
        vps_runtime_done(&rt);
        if (r < 0)
                return r;

        r = vps_handle_init(&h, ctx, name, vps_fd);
        if (r < 0)
                return log_error_errno(r, "%s: cannot find its paths or cgroup: %m", name);
        /* A monitor would restart or tear down behind our back: it goes first. */
        if (vps_monitor_pidfd(&h, &monitor_pidfd) >= 0) {
                if (!force) {
                        vps_handle_done(&h);
                        log_error("%s: its monitor is running: stop it, or use --force", name);
                        return -EBUSY;
                }
                (void) pidfd_send_signal(monitor_pidfd, SIGKILL, NULL, 0);
                (void) pidfd_wait_exit(monitor_pidfd, MONITOR_KILL_WAIT_MS);
        }
        /* Stopped: only removes the empty cgroup. Forced: kills, unmounts, ends vpsfs. */
        r = vps_teardown(&h);
        vps_handle_done(&h);
        return r;
}

static int destroy_run(const struct vpsmgr_context *ctx, int argc, char **argv) {
        static const struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                {},
        };
        _cleanup_close_ int root_fd = -1, vps_fd = -1, lock_fd = -1;
        _cleanup_free_ char *error = NULL;
        const char *name;
        bool force = false;
        struct stat st;
        struct json j;
        int c, r;

        args_reset();
        while ((c = args_next("destroy", argc, argv, "f", options)) != -1) {
                if (c != 'f')
                        return c < 0 ? c : -EINVAL;
                force = true;
        }
        r = vps_open_from_args(ctx, "destroy", argc, argv, &name, &root_fd, &vps_fd);
        if (r < 0)
                return r;

        lock_fd = vpsdb_lock_vps(vps_fd, true);
        /* Without run/ (a destroy that crashed halfway) there is no lock to take: the names
         * lock taken for the removal still keeps two destroys apart. */
        if (lock_fd == -ENOENT && (fstat(vps_fd, &st) < 0 || st.st_nlink == 0)) {
                log_error("%s: no such VPS", name);
                return -ENOENT;
        }
        if (lock_fd < 0 && lock_fd != -ENOENT)
                return log_error_errno(lock_fd, "%s: cannot take its lock: %m", name);

        r = stop_everything(ctx, vps_fd, name, force);
        if (r < 0)
                return r;
        r = vps_remove(root_fd, name, &error);
        if (r == -EXDEV)
                return log_error_errno(r, "%s: cannot remove it all: something is mounted inside %s/%s", name,
                                       ctx->root, name);
        if (r < 0 && error)
                return log_error_errno(r, "%s: cannot free its VPID: %s", name, error);
        if (r < 0)
                return log_error_errno(r, "%s: cannot remove it: %m", name);

        if (!ctx->json) {
                printf("destroyed %s\n", name);
                return 0;
        }
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, name);
        json_key(&j, "destroyed");
        json_bool(&j, true);
        json_end_object(&j);
        return json_finish(&j);
}

const struct verb verb_destroy = {
        .name = "destroy",
        .summary = "remove a stopped VPS and free its VPID and ID block",
        .usage =
                "Usage: vpsmgr destroy NAME [--force]\n"
                "\n"
                "Removes the VPS NAME: its state directory with its backing store (no symlink\n"
                "followed, no mount point crossed), its empty cgroup, then its VPID and ID\n"
                "block in the pool. Refuses while NAME runs: while its cgroup holds a process or\n"
                "its mnt/ is a mount point.\n"
                "\n"
                "Options:\n"
                "  -f, --force  kill its monitor and every process of the VPS (cgroup.kill),\n"
                "               unmount its mnt/ (lazily if busy), end its vpsfs, remove its\n"
                "               cgroup (as 'vpsmgr stop' does when its time is up), then\n"
                "               destroy it\n"
                "  -h, --help   this text\n"
                "\n"
                "Prints \"destroyed NAME\" (with --json {\"name\": NAME, \"destroyed\": true}).\n"
                "Needs root.\n",
        .run = destroy_run,
};
