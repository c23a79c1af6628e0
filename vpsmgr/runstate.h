/* The run state of a VPS: NAME/run/{monitor,init,vpsfs}.pid, written atomically by the monitor
 * (or by `vpsmgr run`, which is its own monitor) and removed by the teardown. Each holds
 * "PID STARTTIME\n" (STARTTIME: /proc/PID/stat field 22), so that a pid reused after a crash
 * is never mistaken for ours; init's is also checked against the VPS's cgroup.
 *
 * The kernel stays the authority on whether a VPS runs (state.h); these files only say
 * which processes to signal. Every signal goes through a pidfd opened and then verified. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

enum run_file {
        RUN_MONITOR,
        RUN_INIT,
        RUN_VPSFS,
        _RUN_FILE_MAX,
};

/* Records pid (which must be alive: its start time is read now). */
int runstate_write(int vps_fd, enum run_file f, pid_t pid);
/* The recorded pid and start time; -ENOENT if there is no record, -EBADMSG if it is
 * malformed. */
int runstate_read(int vps_fd, enum run_file f, pid_t *ret_pid, uint64_t *ret_starttime);
/* A pidfd (O_CLOEXEC) of the recorded process if it is still the same process and alive;
 * -ESRCH if it is gone (or its pid now names another process), -ENOENT if none is
 * recorded. For RUN_INIT, the process must also be in the cgroup of VPS name below
 * cgroup_parent (NULL skips that check for the other files). */
int runstate_pidfd(int vps_fd, enum run_file f, const char *cgroup_parent, const char *name,
                   int *ret_pidfd, pid_t *ret_pid);
void runstate_remove(int vps_fd, enum run_file f);

/* pidfd_open(pid) refusing pid <= 0 (a stray 0 or -1 must never reach a signal call). */
int pidfd_open_checked(pid_t pid);
/* Waits up to timeout_ms (-1: forever) for the process behind pidfd to exit: 1 if it did,
 * 0 on timeout. */
int pidfd_wait_exit(int pidfd, int timeout_ms);
/* SIGTERM, up to term_ms for it to go, then SIGKILL and up to kill_ms: 0 once gone, -ETIMEDOUT
 * if even SIGKILL did not end it in time (a process stuck in the kernel). */
int pidfd_terminate(int pidfd, int term_ms, int kill_ms);
