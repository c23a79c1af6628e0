/* vps_launch: plan on the host (maps, hostname; the host never reads the VPS's files), clone
 * into the new namespaces, write the maps, wait for root if asked, release the child, and
 * learn from a CLOEXEC socket whether it reached exec (EOF) or which step failed (one record). */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/idmap.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/mounts.h"
#include "vpsmgr/netlo.h"
#include "vpsmgr/ns.h"
#include "vpsmgr/policy.h"
#include "vpsmgr/step.h"

struct launch_plan {
        const struct vps_launch *l;
        uint64_t clone_flags;
        struct mounts_plan mounts;
        const char *hostname;
        char *const *envp;
        char *uid_map;
        char *gid_map;
};

static void launch_plan_done(struct launch_plan *p) {
        free(p->uid_map);
        free(p->gid_map);
}

void vps_step_error_set(struct vps_step_error *e, const char *step, int r) {
        if (!e)
                return;
        /* Hand-rolled copy: also called in the child, where snprintf is best avoided. */
        size_t i = 0;
        for (; step && step[i] && i < sizeof(e->step) - 1; i++)
                e->step[i] = step[i];
        e->step[i] = '\0';
        e->error = r < 0 ? -r : r;
}

static int launch_plan(const struct vps_launch *l, struct launch_plan *p, const char **ret_step) {
        static char *const empty_env[] = { NULL };
        uint32_t alt;
        int r;

        *ret_step = "check arguments";
        if (!l->name || !l->root || !l->idmap || l->init_fd < 0 || !l->init_argv ||
            !l->init_argv[0])
                return -EINVAL;

        /* The seccomp program is compiled here: the child must not allocate. */
        *ret_step = "seccomp";
        r = policy_prepare();
        if (r < 0)
                return r;

        p->l = l;
        /* All but the mount namespace, which the child makes once root is ready (child_setup). */
        p->clone_flags = (NS_VPS_FLAGS & ~(uint64_t) CLONE_NEWNS) | (l->private_network ? CLONE_NEWNET : 0);
        p->envp = l->init_envp ? l->init_envp : empty_env;
        p->mounts.own_sysfs = l->private_network;
        p->mounts.idmap = l->idmap;

        p->hostname = l->hostname ? l->hostname : l->name;
        *ret_step = "check hostname";
        if (!*p->hostname || strlen(p->hostname) > HOST_NAME_MAX)
                return -EINVAL;

        /* The init becomes vuid/vgid 0; without them in the table it could not. */
        *ret_step = "check idmap";
        if (idmap_to_alt(l->idmap, IDMAP_UID, 0, &alt) < 0 ||
            idmap_to_alt(l->idmap, IDMAP_GID, 0, &alt) < 0)
                return -EINVAL;
        r = idmap_kernel_map(l->idmap, IDMAP_UID, &p->uid_map);
        if (r < 0)
                return r;
        r = idmap_kernel_map(l->idmap, IDMAP_GID, &p->gid_map);
        if (r < 0)
                return r;
        return 0;
}

/* The child, from clone to exec. Only async-signal-safe calls: no allocation, no stdio. */
static int child_setup(const struct launch_plan *p, const char **ret_step) {
        const struct vps_launch *l = p->l;
        int rootfd = -1;   /* CLOEXEC: gone at exec, like every other descriptor */
        sigset_t all;
        int r;

        /* The init starts with a clean slate, whatever the caller blocked or ignored. */
        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        sigemptyset(&all);
        STEP(sigprocmask(SIG_SETMASK, &all, NULL), "reset signal mask");
        /* Own session: no host terminal can be the VPS's controlling terminal. */
        STEP(setsid(), "setsid");
        umask(022);

        /* Our mount namespace is made now, not at clone: root (a vpsfs mount) may have come
         * up after the clone (root_wait), and a copy of the host's namespace made now holds
         * it, with the flags the kernel locks on mounts passed to a less privileged one. */
        STEP(unshare(CLONE_NEWNS), "unshare mount namespace");

        /* The host path to the root is the host's business: reach it while still host
         * root's uid (holding capabilities in the new namespaces only). */
        r = mounts_bind_root(l->root, &rootfd, ret_step);
        if (r < 0)
                return r;

        /* Then become the VSU, so that all that follows (the /dev tmpfs, its files) is
         * done, owned and permission-checked as root of the VPS, never as host root. Host
         * root's supplementary groups must go: they would stay host groups. */
        STEP(setresgid(0, 0, 0), "setresgid");
        STEP(setgroups(0, NULL), "setgroups");
        STEP(setresuid(0, 0, 0), "setresuid");

        r = mounts_setup(rootfd, &p->mounts, ret_step);
        if (r < 0)
                return r;

        STEP(sethostname(p->hostname, strlen(p->hostname)), "sethostname");
        if (l->private_network) {
                r = netlo_up();
                if (r < 0) {
                        *ret_step = "bring up lo";
                        return r;
                }
        }

        r = policy_apply(ret_step);
        if (r < 0)
                return r;

        /* No host descriptor but 0, 1, 2 may reach the VPS. CLOEXEC rather than closing:
         * init_fd and the sync socket must live until exec itself. */
        STEP(close_range(3, ~0U, CLOSE_RANGE_CLOEXEC), "close_range");
        STEP(execveat(l->init_fd, "", l->init_argv, p->envp, AT_EMPTY_PATH), "execveat");
        *ret_step = "execveat";
        return -EIO;
}

/* The child's end of the sync socket: a one-byte release from the parent comes in, and
 * either nothing (it closes at exec) or one failure record goes out. */
static _noreturn_ void child_run(const struct launch_plan *p, int sync_fd) {
        struct vps_step_error e = {};
        const char *step = "setup";
        ssize_t n;
        char c;
        int r;

        /* Until the parent has written the maps we are nobody in the new namespace. EOF
         * means it gave up (or died): leave quietly. */
        do
                n = recv(sync_fd, &c, 1, 0);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                _exit(EXIT_FAILURE);

        r = child_setup(p, &step);
        vps_step_error_set(&e, step, r);
        /* One datagram; MSG_NOSIGNAL: a parent that died must not kill us with SIGPIPE. */
        (void) !send(sync_fd, &e, sizeof(e), MSG_NOSIGNAL);
        _exit(127);
}

static void kill_and_reap(int pidfd) {
        siginfo_t si;

        (void) pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        while (waitid((idtype_t) P_PIDFD_COMPAT, (id_t) pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
}

/* EOF: the child exec'd (its end of the socket was CLOEXEC). A record: it failed at e->step. Nothing
 * within the timeout: it hangs, and the caller kills it. The poll restarts its full timeout
 * after a signal; a caller interrupted that often has other problems. */
static int read_report(int fd, unsigned timeout_ms, struct vps_step_error *e, const char **ret_step) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        int r;

        do
                r = poll(&p, 1, (int) MIN(timeout_ms, (unsigned) INT_MAX));
        while (r < 0 && errno == EINTR);
        *ret_step = "wait for init";
        if (r < 0)
                return negative_errno();
        if (r == 0)
                return -ETIMEDOUT;

        do
                n = recv(fd, e, sizeof(*e), 0);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                return 0;
        *ret_step = "read report";
        if (n < 0)
                return negative_errno();
        if ((size_t) n != sizeof(*e) || e->error <= 0)
                return -EIO;
        e->step[sizeof(e->step) - 1] = '\0';
        *ret_step = e->step;
        return -e->error;
}

int vps_launch(const struct vps_launch *l, struct vps_launch_result *ret,
               struct vps_step_error *ret_error) {
        _cleanup_(launch_plan_done) struct launch_plan plan = {};
        _cleanup_close_ int pidfd = -1;
        int sync[2] = { -1, -1 };
        struct vps_step_error child_error = {};
        const char *step = NULL;
        pid_t pid = 0;
        int r;

        r = launch_plan(l, &plan, &step);
        if (r < 0)
                goto out;

        /* SEQPACKET: records keep their boundaries, EOF tells exec, and send() can refuse
         * SIGPIPE should the other side be gone (a pipe could not). */
        step = "socketpair";
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
                r = negative_errno();
                goto out;
        }

        pid = ns_clone(plan.clone_flags, l->cgroup_fd, &pidfd);
        if (pid < 0) {
                r = pid;
                step = "clone3";
                goto out;
        }
        if (pid == 0) {
                sync[0] = safe_close(sync[0]);
                child_run(&plan, sync[1]);
        }
        sync[1] = safe_close(sync[1]);

        r = ns_write_maps(pid, plan.uid_map, plan.gid_map, &step);
        if (r < 0)
                goto out_kill;

        if (l->root_wait) {
                r = l->root_wait(l->root_wait_data, &step);
                if (r < 0)
                        goto out_kill;
        }

        step = "release child";
        if (send(sync[0], "x", 1, MSG_NOSIGNAL) != 1) {
                r = negative_errno();
                goto out_kill;
        }

        r = read_report(sync[0], l->timeout_ms ?: VPS_LAUNCH_TIMEOUT_MS, &child_error, &step);
        if (r < 0)
                goto out_kill;

        log_debug("%s: init running as host PID %d", l->name, (int) pid);
        ret->pid = pid;
        ret->pidfd = TAKE_FD(pidfd);
        goto out;

out_kill:
        kill_and_reap(pidfd);
out:
        safe_close(sync[0]);
        safe_close(sync[1]);
        if (r < 0)
                vps_step_error_set(ret_error, step, r);
        return r;
}
