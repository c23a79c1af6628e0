/* The contract between vps-init (PID 1 of a VPS) and its parent on the host, the per-VPS
 * monitor: how init is started, how it is asked to stop, and what its wait status means.
 * The monitor includes this header; vps-init implements it (vpsmgr/init.c). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>

/* Command line:
 *
 *   vps-init [--grace SEC] [--user U:G[:G,...] [--vsu]] [--] [CMD [ARG...]]      service mode
 *   vps-init [--grace SEC] [--user U:G[:G,...] [--vsu]] --run [--] CMD [ARG...]  workload mode
 *
 * --user: CMD runs as virtual uid U, gid G and the supplementary groups listed (vpsmgr run
 * --user looks them up in the VPS's files and passes numbers: init reads no file).
 * --vsu (only with --user): U is on the VPS's VSU list (the monitor decides, from NAME/vsu):
 * CMD keeps uid U and gets the VSU capability set (vsu-caps.h) as permitted, effective,
 * inheritable and ambient capabilities, so that its execve keeps them. Without --vsu a U
 * other than 0 ends with no capability; U 0 is the VPS's root either way.
 *
 * Service mode runs CMD (searched in $PATH), or VPS_INIT_RC if no CMD is given and the rootfs
 * has it executable, or nothing; init keeps running after it exits, until asked to stop.
 * Workload mode runs CMD; when CMD exits, init shuts the VPS down and exits with CMD's status.
 * Either command runs in a session of its own with all signals unblocked and at default;
 * in workload mode, a terminal on init's stdin becomes its controlling terminal.
 * --grace is how long processes get between SIGTERM and SIGKILL at shutdown: keep it below
 * the stop timeout of `vpsmgr stop` so that init, not cgroup.kill, ends the VPS.
 *
 * The binary is static and needs no file at run time. It is installed as
 * PREFIX/LIBEXECDIR/vps/vps-init (/usr/local/libexec/vps/vps-init by default; vpsmgr-core is
 * built with that path as VPS_INIT_INSTALLED); $VPS_INIT names another one (the build
 * tree's, in tests). init_binary_open() (init-binary.h) opens the right one. It refuses to
 * run unless it is PID 1. */
#define VPS_INIT_ENV "VPS_INIT"
#define VPS_INIT_RC "/etc/vps/rc"
#define VPS_INIT_GRACE_DEFAULT_SEC 5u
/* After SIGKILL, how long init waits for the last processes to go (a process stuck in
 * uninterruptible sleep cannot make init hang): the monitor may expect init to exit within
 * grace + VPS_INIT_KILL_WAIT_SEC (+ scheduling) of a stop request. */
#define VPS_INIT_KILL_WAIT_SEC 1u

/* Requests, by signal to init. A signal sent from the host (outside the VPS's PID namespace)
 * arrives with si_pid 0; one sent from inside has the sender's PID, so init can tell the
 * host's "stop" from busybox's reboot, which also uses SIGTERM.
 *
 *   signal    from the host           from inside the VPS
 *   SIGTERM   stop                    reboot    (busybox reboot, kill 1)
 *   SIGPWR    stop                    poweroff
 *   SIGINT    reboot                  reboot    (ctrl-alt-del convention)
 *   SIGUSR1   poweroff                poweroff  (busybox halt)
 *   SIGUSR2   poweroff                poweroff  (busybox poweroff)
 *   SIGHUP    ignored                 ignored
 *
 * So the monitor stops a VPS with SIGTERM and restarts it with SIGINT.
 *
 * Every request leads to the same orderly shutdown: SIGTERM and SIGCONT to every process of
 * the VPS, up to --grace seconds for them to exit, SIGKILL to what is left, reap, exit. The
 * first request decides the outcome; later ones are ignored. */

/* Exit codes. In service mode they say why init exited; in workload mode init exits with
 * CMD's status (exit code, or 128 + N if a signal N killed it; 127 if CMD was not found, 126
 * if it could not be executed), whatever ended the run. The reboot and poweroff codes are
 * 128 + the signal with which the kernel kills a PID namespace's init when a process inside
 * calls reboot(2) (RESTART: SIGHUP, POWER_OFF/HALT: SIGINT), so the two channels read alike
 * through vps_init_status_code(). */
#define VPS_INIT_EXIT_STOPPED 0
#define VPS_INIT_EXIT_FAILURE 125 /* bad command line, not PID 1, no signal handling */
#define VPS_INIT_EXIT_REBOOT (128 + SIGHUP)   /* 129 */
#define VPS_INIT_EXIT_POWEROFF (128 + SIGINT) /* 130 */

enum vps_init_outcome {
        VPS_INIT_OUTCOME_STOPPED,  /* stopped as the host asked: tear down */
        VPS_INIT_OUTCOME_REBOOT,   /* reboot asked inside: tear down and start again */
        VPS_INIT_OUTCOME_POWEROFF, /* poweroff or halt asked inside: tear down */
        VPS_INIT_OUTCOME_FAILED,   /* init failed or was killed: tear down, report */
        VPS_INIT_OUTCOME_WORKLOAD, /* workload mode: the code is CMD's status */
};

/* A wait status as one shell-style code: the exit code, or 128 + N for a signal N. */
static inline int vps_init_status_code(int wstatus) {
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

/* What init's wait status asks the monitor to do. */
static inline enum vps_init_outcome vps_init_outcome(int wstatus, bool workload) {
        if (workload)
                return VPS_INIT_OUTCOME_WORKLOAD;
        switch (vps_init_status_code(wstatus)) {
        case VPS_INIT_EXIT_STOPPED:
                return VPS_INIT_OUTCOME_STOPPED;
        case VPS_INIT_EXIT_REBOOT:
                return VPS_INIT_OUTCOME_REBOOT;
        case VPS_INIT_EXIT_POWEROFF:
                return VPS_INIT_OUTCOME_POWEROFF;
        default:
                return VPS_INIT_OUTCOME_FAILED;
        }
}
