/* The per-VPS monitor: the host-side parent of vps-init. It brings the VPS up (vpsfs, cgroup,
 * init), records the run state, waits on init's pidfd, restarts init after a reboot asked
 * inside, and tears the VPS down when init ends for any other reason, when vpsfs dies, or
 * when it is asked to stop (SIGTERM, SIGINT or SIGHUP to the monitor: it passes SIGTERM on to
 * init, which shuts the VPS down in order; a second request kills the cgroup).
 *
 * `vpsmgr start` runs it as a daemon (`vpsmgr __monitor`, a fresh exec of vpsmgr: a small
 * address space); `vpsmgr run` is its own monitor, in the foreground, with a workload. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "vpsmgr/launch.h"
#include "vpsmgr/vpsfs-spawn.h"

struct vps_handle;
struct vps_config;
struct idmap;
struct vps_user;

struct monitor {
        const struct vps_handle *h;
        struct vps_config *config;
        struct idmap *idmap;
        char *const *workload;   /* run: CMD...; NULL: service mode (start_cmd) */
        const struct vps_user *workload_user;  /* run --user: who CMD runs as; NULL: root */
        bool workload_vsu;       /* and it is on the VSU list: vps-init --vsu */
        int stdio_fd;            /* what init gets as 0, 1, 2: -1 for ours */
        int init_stdio[3];       /* run: what init gets as fd i instead (a pipe standing in
                                  * for our terminal), -1: as stdio_fd says */
        int init_bin_fd;
        struct vpsfs_child vpsfs;
        int cgfd;
        pid_t init_pid;
        int init_pidfd;
        int sigfd;
        unsigned stop_requests;
};

/* Loads the VPS's config and translation table, logging "NAME: ..." on failure: start and
 * run call it before anything changes, so a corrupted file changes nothing. */
int monitor_load(struct monitor *m, const struct vps_handle *h);

/* Blocks the stop signals and opens the signalfd that the loop reads them from. */
int monitor_catch_signals(struct monitor *m);

/* vpsfs, cgroup, init, run files. On failure *e names the step; the caller then calls
 * monitor_down() to undo what was done. */
int monitor_up(struct monitor *m, struct vps_step_error *e);

/* Until the VPS ends. Returns init's last status as one shell-style code (the workload's
 * status in run mode). */
int monitor_loop(struct monitor *m);

/* Tears down (teardown.h), reaps vpsfs, frees. Returns the teardown's result. */
int monitor_down(struct monitor *m);
/* Frees what monitor_load() loaded, for a caller that only checked it. */
void monitor_free(struct monitor *m);
