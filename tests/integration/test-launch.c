/* The launcher on real namespaces and cgroups: a tiny busybox rootfs in a temporary directory,
 * busybox itself as "init" (static, so execveat works with no libc in the root), and what
 * the init observes inside compared with what the host sees. Every test kills its init and
 * removes its rootfs and cgroup in .fini, even when an assertion failed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/idmap.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "skip.h"
#include "vpsmgr/caps.h"
#include "vpsmgr/launch.h"
#include "vpsmgr/ns.h"

#define ALT_BASE 196608u   /* VPID 3 << 16, the DESIGN.md example */
#define TIMEOUT_MS 10000

static const char *const applets[] = {
        "sh", "id", "hostname", "cat", "ls", "grep", "sleep", "head", "wc", "readlink",
        "stat", "touch", "echo",
};

static struct {
        char dir[64];        /* temporary directory, 0700 like the state directory may be */
        char root[80];       /* the rootfs in it */
        int busybox_fd;
        struct idmap *idmap;
        int pidfd;           /* the launched init */
        pid_t pid;
        pid_t helper;        /* the join test's forked child */
        char cgroup[PATH_MAX];
        int cgroup_fd;
        char fuse_mnt[96];   /* a FUSE mount that never answers */
        int fuse_fd;
} t = { .busybox_fd = -1, .pidfd = -1, .cgroup_fd = -1, .fuse_fd = -1 };

static int copy_busybox(int dirfd) {
        _cleanup_close_ int in = -1, out = -1;
        struct stat st;

        in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
        if (in < 0 || fstat(in, &st) < 0)
                return -errno;
        out = openat(dirfd, "bin/busybox", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
        if (out < 0)
                return -errno;
        for (off_t off = 0; off < st.st_size;)
                if (sendfile(out, in, &off, (size_t) (st.st_size - off)) <= 0)
                        return -EIO;
        return 0;
}

/* bin/busybox with a few applet links, the mount points, a tmp the VSU can write to, and an
 * /etc/group with the usual tty group. Returns 0 or -errno (no assertion: a half-built
 * rootfs must still reach teardown). */
static int make_rootfs(void) {
        static const char group[] = "root:x:0:\ntty:x:5:\n";
        static const struct { const char *path; mode_t mode; } dirs[] = {
                { "bin", 0755 }, { "proc", 0755 }, { "sys", 0755 }, { "dev", 0755 },
                { "tmp", 01777 }, { "etc", 0755 },
        };
        _cleanup_close_ int dirfd = -1, fd = -1;
        int r;

        strcpy(t.dir, "/tmp/launch-test-XXXXXX");
        if (!mkdtemp(t.dir)) {
                t.dir[0] = '\0';
                return -errno;
        }
        /* The rootfs's own top must admit the VSU, who is not host root; the 0700 directory
         * above it need not (the launcher reaches the root as host root's uid). */
        snprintf(t.root, sizeof(t.root), "%s/rootfs", t.dir);
        if (mkdir(t.root, 0) < 0 || chmod(t.root, 0755) < 0)
                return -errno;
        dirfd = open(t.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(dirfd, dirs[i].path, 0) < 0 ||
                    fchmodat(dirfd, dirs[i].path, dirs[i].mode, 0) < 0)
                        return -errno;
        r = copy_busybox(dirfd);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(applets); i++) {
                char link[64];

                snprintf(link, sizeof(link), "bin/%s", applets[i]);
                if (symlinkat("busybox", dirfd, link) < 0)
                        return -errno;
        }
        fd = openat(dirfd, "etc/group", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        return write_all(fd, group, strlen(group));
}

static void teardown(void);

static void setup(void) {
        int r;

        skip_unless_userns();
        cleanup_at_exit(teardown);
        r = make_rootfs();
        if (r >= 0) {
                t.busybox_fd = open("/bin/busybox", O_PATH | O_CLOEXEC);
                r = t.busybox_fd < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = idmap_parse("u 0 196608 65536\ng 0 196608 65536\n", "test", &t.idmap, NULL);
        if (r < 0) {
                /* Criterion skips .fini when .init fails. */
                teardown();
                cr_assert_fail("setup: %s", strerror(-r));
        }
}

static void teardown(void) {
        siginfo_t si;

        if (t.pidfd >= 0) {
                pidfd_send_signal(t.pidfd, SIGKILL, NULL, 0);
                waitid((idtype_t) P_PIDFD_COMPAT, (id_t) t.pidfd, &si, WEXITED);
                t.pidfd = safe_close(t.pidfd);
        }
        if (t.helper > 0) {
                kill(t.helper, SIGKILL);
                waitpid(t.helper, NULL, 0);
                t.helper = 0;
        }
        if (t.cgroup[0]) {
                /* The kernel may take a moment to let go of a cgroup whose last task was
                 * just reaped. */
                for (int i = 0; i < 100 && rmdir(t.cgroup) < 0 && errno == EBUSY; i++)
                        usleep(10000);
                t.cgroup[0] = '\0';
        }
        t.cgroup_fd = safe_close(t.cgroup_fd);
        t.busybox_fd = safe_close(t.busybox_fd);
        if (t.fuse_mnt[0])
                umount2(t.fuse_mnt, MNT_DETACH);
        t.fuse_mnt[0] = '\0';
        t.fuse_fd = safe_close(t.fuse_fd);
        if (t.dir[0])
                rm_rf_path(t.dir);
        t.dir[0] = '\0';
        idmap_free(t.idmap);
        t.idmap = NULL;
}

TestSuite(launch, .init = setup, .fini = teardown, .timeout = 60);

static void make_cgroup(void) {
        _cleanup_free_ char *root = NULL;

        skip_unless_cgroup2();
        cr_assert_eq(cgroup_find_root(&root), 0);
        snprintf(t.cgroup, sizeof(t.cgroup), "%s/vps-launch-test-%d", root, (int) getpid());
        cr_assert_eq(mkdir(t.cgroup, 0755), 0, "mkdir %s: %s", t.cgroup, strerror(errno));
        t.cgroup_fd = open(t.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(t.cgroup_fd, 0);
}

/* A launch description with busybox as init running script through sh. */
static struct vps_launch vps(const char *script, char **argv) {
        static char *envp[] = { "PATH=/bin", NULL };

        argv[0] = "sh";
        argv[1] = "-c";
        argv[2] = (char *) script;
        argv[3] = NULL;
        return (struct vps_launch) {
                .name = "web1",
                .root = t.root,
                .idmap = t.idmap,
                .init_fd = t.busybox_fd,
                .init_argv = argv,
                .init_envp = envp,
                .cgroup_fd = -1,
                .private_network = true,
        };
}

static void launch_ok(const struct vps_launch *l) {
        struct vps_launch_result res = {};
        struct vps_step_error e = {};
        int r;

        r = vps_launch(l, &res, &e);
        cr_assert_eq(r, 0, "vps_launch: %s: %s", e.step, strerror(e.error));
        cr_assert_gt(res.pid, 0);
        t.pid = res.pid;
        t.pidfd = res.pidfd;
}

/* Waits for the init to end; returns its exit status. */
static int wait_init(void) {
        struct pollfd p = { .fd = t.pidfd, .events = POLLIN };
        siginfo_t si = {};

        cr_assert_eq(poll(&p, 1, TIMEOUT_MS), 1, "init did not exit");
        cr_assert_eq(waitid((idtype_t) P_PIDFD_COMPAT, (id_t) t.pidfd, &si, WEXITED), 0);
        t.pidfd = safe_close(t.pidfd);
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* What the script wrote to /tmp/out inside, as seen from the host. */
static char *read_out(const char *name) {
        char path[PATH_MAX];
        char *text = NULL;
        int dirfd;

        snprintf(path, sizeof(path), "%s/tmp", t.root);
        dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dirfd, 0);
        cr_assert_eq(read_file_at(dirfd, name, 1 << 20, &text, NULL), 0, "no %s/%s", path, name);
        close(dirfd);
        return text;
}

/* Runs script as the VPS's init to its end; returns its output. */
static char *run(struct vps_launch *l) {
        int status;

        launch_ok(l);
        status = wait_init();
        cr_assert_eq(status, 0, "init exited with %d; output: %s", status, read_out("out"));
        return read_out("out");
}

static char *run_script(const char *script) {
        char *argv[4];
        struct vps_launch l = vps(script, argv);

        return run(&l);
}

static void wait_for_file(const char *name) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/tmp/%s", t.root, name);
        for (int i = 0; i < TIMEOUT_MS / 10; i++) {
                if (access(path, F_OK) == 0)
                        return;
                usleep(10000);
        }
        cr_assert_fail("%s did not appear", path);
}

/* /proc/PID/name on the host. */
static char *host_proc(pid_t pid, const char *name) {
        char path[PATH_MAX];
        char *text = NULL;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, name);
        cr_assert_eq(read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL), 0, "read %s", path);
        return text;
}

/* The line of a /proc/PID/mountinfo text whose mount point is mnt. */
static char *mountinfo_line(char *info, const char *mnt) {
        for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n")) {
                char point[PATH_MAX];

                if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && strcmp(point, mnt) == 0)
                        return strdup(line);
        }
        return NULL;
}

Test(launch, init_is_pid_1_and_the_vsu) {
        char *out = run_script("exec >/tmp/out 2>&1; echo $$; id -u; id -g; id -G");

        cr_assert_str_eq(out, "1\n0\n0\n0\n");
        free(out);
}

Test(launch, host_sees_the_alt_ids_and_setgroups_stays_allowed) {
        char *argv[4];
        struct vps_launch l = vps("exec sleep 1000", argv);
        char *status, *setgroups, *uid_map, *groups;
        char want[128];

        launch_ok(&l);
        status = host_proc(t.pid, "status");
        snprintf(want, sizeof(want), "\nUid:\t%u\t%u\t%u\t%u\n", ALT_BASE, ALT_BASE, ALT_BASE, ALT_BASE);
        cr_assert_not_null(strstr(status, want), "status: %s", status);
        snprintf(want, sizeof(want), "\nGid:\t%u\t%u\t%u\t%u\n", ALT_BASE, ALT_BASE, ALT_BASE, ALT_BASE);
        cr_assert_not_null(strstr(status, want), "status: %s", status);
        /* Host root's supplementary groups were dropped, not carried into the VPS. */
        groups = strstr(status, "\nGroups:");
        cr_assert_not_null(groups);
        groups += strlen("\nGroups:");
        groups += strspn(groups, " \t");
        cr_assert_eq(*groups, '\n', "status: %s", status);

        setgroups = host_proc(t.pid, "setgroups");
        cr_assert_str_eq(setgroups, "allow\n");
        uid_map = host_proc(t.pid, "uid_map");
        cr_assert_not_null(strstr(uid_map, "196608"), "uid_map: %s", uid_map);
        free(status);
        free(setgroups);
        free(uid_map);
}

Test(launch, hostname_is_set_and_defaults_to_the_name) {
        char *argv[4];
        struct vps_launch l = vps("exec >/tmp/out 2>&1; hostname; cat /proc/sys/kernel/hostname", argv);
        struct utsname host;
        char *out;

        l.hostname = "www.example";
        out = run(&l);
        cr_assert_str_eq(out, "www.example\nwww.example\n");
        free(out);

        l.hostname = NULL;
        out = run(&l);
        cr_assert_str_eq(out, "web1\nweb1\n");
        free(out);

        /* The host's own name is untouched (new UTS namespace). */
        cr_assert_eq(uname(&host), 0);
        cr_assert_str_neq(host.nodename, "web1");
}

Test(launch, proc_shows_only_the_vps_processes) {
        char *out = run_script("exec >/tmp/out 2>&1; sleep 1000 & ls /proc | grep '^[0-9]'; kill $!");
        char self[16];
        int n = 0;

        /* sh (1), the sleep, ls and grep: nothing else, certainly not the test itself. */
        snprintf(self, sizeof(self), "%d", (int) getpid());
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                cr_assert_str_neq(line, self);
                cr_assert_leq(atoi(line), 10, "unexpected PID %s inside", line);
                n++;
        }
        cr_assert_geq(n, 2);
        free(out);
}

Test(launch, dev_has_the_nodes_links_and_modes) {
        char *out = run_script(
                "exec >/tmp/out 2>&1;"
                "[ -c /dev/null ] && echo char;"
                "echo x >/dev/null && echo write;"
                "head -c 5 /dev/zero | wc -c;"
                "head -c 7 /dev/urandom | wc -c;"
                "echo x 2>/dev/null >/dev/full || echo full;"
                "readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin;"
                "stat -c %a /dev /dev/shm;"
                "ls /dev");

        cr_assert_str_eq(out,
                         "char\nwrite\n5\n7\nfull\n"
                         "pts/ptmx\n/proc/self/fd\n/proc/self/fd/0\n"
                         "755\n1777\n"
                         "fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n");
        free(out);
}

Test(launch, mounts_have_the_promised_types_and_options) {
        char *out = run_script("exec >/tmp/out 2>&1; cat /proc/self/mountinfo");
        struct {
                const char *point, *type, *mount_opts, *super_opts;
        } want[] = {
                { "/", NULL, NULL, NULL },
                { "/proc", " - proc ", "rw,nosuid,nodev,noexec", NULL },
                { "/sys", " - sysfs ", "ro,nosuid,nodev,noexec", NULL },
                { "/dev", " - tmpfs ", "rw,nosuid,noexec", "mode=755" },
                { "/dev/null", NULL, "nosuid", NULL },
                /* devpts shows its gid as the host sees it: vgid 5 is ALT_BASE + 5. */
                { "/dev/pts", " - devpts ", "rw,nosuid,noexec", "gid=196613,mode=620,ptmxmode=666" },
                { "/dev/shm", " - tmpfs ", "rw,nosuid,nodev", "uid=196608,gid=196608" },
        };

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                char *copy = strdup(out);
                char *line = mountinfo_line(copy, want[i].point);

                cr_assert_not_null(line, "no mount on %s in:\n%s", want[i].point, out);
                if (want[i].type)
                        cr_assert_not_null(strstr(line, want[i].type), "%s", line);
                if (want[i].mount_opts)
                        cr_assert_not_null(strstr(line, want[i].mount_opts), "%s", line);
                if (want[i].super_opts)
                        cr_assert_not_null(strstr(line, want[i].super_opts), "%s", line);
                free(line);
                free(copy);
        }
        /* Nothing of the host's tree is left: the old root was detached, and every mount
         * point is one of ours. */
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                char point[PATH_MAX];

                cr_assert_eq(sscanf(line, "%*s %*s %*s %*s %4095s", point), 1);
                cr_assert(strcmp(point, "/") == 0 || strcmp(point, "/proc") == 0 ||
                          strcmp(point, "/sys") == 0 || strncmp(point, "/dev", 4) == 0,
                          "unexpected mount point %s", point);
        }
        free(out);
}

Test(launch, devpts_is_a_new_instance) {
        char *out = run_script("exec >/tmp/out 2>&1; exec 3<>/dev/ptmx; ls /dev/pts; stat -c %d /dev/pts");
        struct stat host;
        char want[64];

        /* The first pty of a new instance is 0, and the instance is not the host's. */
        cr_assert_eq(stat("/dev/pts", &host), 0);
        snprintf(want, sizeof(want), "\n%ju\n", (uintmax_t) host.st_dev);
        cr_assert_eq(strncmp(out, "0\nptmx\n", 7), 0, "%s", out);
        cr_assert_null(strstr(out, want), "same device as the host's /dev/pts: %s", out);
        free(out);
}

Test(launch, private_network_has_only_lo_and_it_is_up) {
        char *out = run_script("exec >/tmp/out 2>&1; ls /sys/class/net; cat /sys/class/net/lo/flags");
        unsigned flags = 0;

        cr_assert_eq(strncmp(out, "lo\n", 3), 0, "%s", out);
        cr_assert_eq(sscanf(out + 3, "%x", &flags), 1, "%s", out);
        cr_assert(flags & 0x1, "lo is down: flags %#x", flags);
        free(out);
}

Test(launch, shared_network_binds_the_host_sys_read_only) {
        char *argv[4];
        struct vps_launch l = vps("exec >/tmp/out 2>&1; readlink /proc/self/ns/net;"
                                  "touch /sys/kernel/x 2>/dev/null || echo refused;"
                                  "grep ' /sys/fs/cgroup ' /proc/self/mountinfo", argv);
        char host_net[64] = {}, *out, *line;

        l.private_network = false;
        out = run(&l);
        cr_assert_gt(readlink("/proc/self/ns/net", host_net, sizeof(host_net) - 1), 0);
        cr_assert_eq(strncmp(out, host_net, strlen(host_net)), 0, "%s vs %s", out, host_net);
        cr_assert_not_null(strstr(out, "\nrefused\n"), "%s", out);
        /* Read-only reaches the submounts too. */
        line = strstr(out, " /sys/fs/cgroup ");
        cr_assert_not_null(line, "%s", out);
        cr_assert_eq(strncmp(line, " /sys/fs/cgroup ro,", 19), 0, "%s", out);
        free(out);
}

Test(launch, bounding_set_lacks_the_forbidden_capabilities) {
        char *out = run_script("exec >/tmp/out 2>&1; grep -E '^Cap(Bnd|Eff)' /proc/self/status");
        unsigned long long bnd = 0, eff = 0;

        cr_assert_eq(sscanf(out, "CapEff:\t%llx\nCapBnd:\t%llx", &eff, &bnd), 2, "%s", out);
        for (size_t i = 0; i < caps_forbidden_count; i++)
                cr_assert_eq(bnd & (1ULL << caps_forbidden[i]), 0, "capability %d kept", caps_forbidden[i]);
        cr_assert_eq(bnd & (1ULL << 16), 0, "CAP_SYS_MODULE kept");
        /* Still root of its own namespace: CAP_SYS_ADMIN, CAP_SETUID, CAP_CHOWN there. */
        cr_assert(bnd & (1ULL << 21));
        cr_assert(bnd & (1ULL << 7));
        cr_assert(bnd & (1ULL << 0));
        cr_assert_eq(eff, bnd);
        free(out);
}

Test(launch, init_is_born_in_the_given_cgroup) {
        char *argv[4];
        /* Builtins only, so that the init stays the one process of its cgroup. */
        struct vps_launch l = vps("while read -r line; do echo \"$line\"; done </proc/self/cgroup >/tmp/cg;"
                                  "echo >/tmp/ready; exec sleep 1000", argv);
        char *cg, *procs = NULL, *inside, want[PATH_MAX], pid[16];

        make_cgroup();
        l.cgroup_fd = t.cgroup_fd;
        launch_ok(&l);

        cg = host_proc(t.pid, "cgroup");
        snprintf(want, sizeof(want), "0::/vps-launch-test-%d\n", (int) getpid());
        cr_assert_not_null(strstr(cg, want), "%s", cg);

        /* Inside, its cgroup namespace is rooted at the VPS's cgroup. */
        wait_for_file("ready");
        inside = read_out("cg");
        cr_assert(strncmp(inside, "0::/\n", 5) == 0 || strstr(inside, "\n0::/\n"), "%s", inside);

        cr_assert_eq(read_file_at(t.cgroup_fd, "cgroup.procs", 4096, &procs, NULL), 0);
        snprintf(pid, sizeof(pid), "%d\n", (int) t.pid);
        cr_assert_str_eq(procs, pid);
        free(cg);
        free(procs);
        free(inside);
}

/* Whether any mount of our namespace lies in the test's rootfs: a failed launch must leave
 * none (counting all mounts would race with other tests mounting on the same host). */
static bool mounts_under_rootfs(void) {
        char *text = NULL;
        bool found;

        cr_assert_eq(read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &text, NULL), 0);
        found = strstr(text, t.root) != NULL;
        free(text);
        return found;
}

static void launch_fails(const struct vps_launch *l, const char *step, int error) {
        struct vps_launch_result res = { .pid = -1, .pidfd = -1 };
        struct vps_step_error e = {};
        int r;

        r = vps_launch(l, &res, &e);
        cr_assert_eq(r, -error, "vps_launch returned %d (%s: %s), expected -%d", r, e.step,
                     strerror(e.error), error);
        cr_assert_str_eq(e.step, step);
        cr_assert_eq(e.error, error);
        cr_assert_eq(res.pidfd, -1);
        /* The child was reaped and took its mount namespace along. */
        cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
        cr_assert_eq(errno, ECHILD);
        cr_assert_not(mounts_under_rootfs());
}

Test(launch, missing_root_is_reported_by_step) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);

        l.root = "/nonexistent/launch-test-root";
        launch_fails(&l, "bind root", ENOENT);
}

/* Removes the directory name from the rootfs and, with link, plants a symlink there. */
static void break_mount_point(const char *name, const char *link) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", t.root, name);
        cr_assert_eq(rmdir(path), 0);
        if (link)
                cr_assert_eq(symlink(link, path), 0);
}

Test(launch, root_without_proc_is_reported_by_step) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);

        break_mount_point("proc", NULL);
        launch_fails(&l, "mount /proc", ENOENT);
}

/* A VPS's root planting "dev -> /etc" must not get a tmpfs mounted on the host's /etc (or
 * anywhere else). */
Test(launch, symlinked_mount_point_is_refused) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);

        break_mount_point("dev", "/etc");
        launch_fails(&l, "mount /dev", ENOTDIR);
}

/* A root on a FUSE file system whose daemon never answers (a hung vpsfs): the child blocks on
 * its first look-up inside the root, and the launch gives up instead of hanging the host. */
Test(launch, root_that_does_not_answer_times_out) {
        char *argv[4], opts[128];
        struct vps_launch l = vps("true", argv);

        skip_unless_fuse();
        t.fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        cr_assert_geq(t.fuse_fd, 0);
        snprintf(t.fuse_mnt, sizeof(t.fuse_mnt), "%s/hung", t.dir);
        cr_assert_eq(mkdir(t.fuse_mnt, 0755), 0);
        snprintf(opts, sizeof(opts), "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other",
                 t.fuse_fd);
        cr_assert_eq(mount("launch-test", t.fuse_mnt, "fuse", MS_NOSUID | MS_NODEV, opts), 0,
                     "mount fuse: %s", strerror(errno));
        l.root = t.fuse_mnt;
        l.timeout_ms = 300;
        launch_fails(&l, "wait for init", ETIMEDOUT);
}

/* root_wait: binds the test's rootfs onto t.fuse_mnt only now, as vpsfs mounts only while the
 * init is being cloned. The init must see it: its mount namespace is made after the wait. */
static int bind_root_late(void *userdata, const char **ret_step) {
        *ret_step = "late bind";
        if (mount(t.root, t.fuse_mnt, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return 0;
}

Test(launch, root_mounted_during_root_wait_is_the_root) {
        char *argv[4];
        struct vps_launch l = vps("exec >/tmp/out 2>&1; echo late", argv);
        char *out;

        snprintf(t.fuse_mnt, sizeof(t.fuse_mnt), "%s/late", t.dir);
        cr_assert_eq(mkdir(t.fuse_mnt, 0755), 0);
        l.root = t.fuse_mnt;
        l.root_wait = bind_root_late;
        out = run(&l);
        cr_assert_str_eq(out, "late\n");
        free(out);
}

static int root_never_comes(void *userdata, const char **ret_step) {
        *ret_step = userdata;
        return -ECONNREFUSED;
}

/* vpsfs failed while the init waited for it: the child is killed and reaped, the step is the
 * wait's own. */
Test(launch, failed_root_wait_is_reported_by_its_step) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);

        l.root_wait = root_never_comes;
        l.root_wait_data = (void *) "vpsfs exited (see run/log)";
        launch_fails(&l, "vpsfs exited (see run/log)", ECONNREFUSED);
}

struct fd_case {
        const char *path;   /* in the rootfs */
        int flags;
        bool as_cgroup;     /* passed as cgroup_fd, else as init_fd */
        const char *step;
        int error;
};

Test(launch, unusable_descriptors_are_reported_by_step) {
        static const struct fd_case cases[] = {
                /* A directory that is no cgroup2 directory: clone3 refuses it. */
                { ".", O_RDONLY | O_DIRECTORY, true, "clone3", EBADF },
                /* A 0644 file as init: the kernel's exec permission check fails, after every
                 * other step has been done. */
                { "etc/group", O_PATH, false, "execveat", EACCES },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *argv[4], path[PATH_MAX];
                struct vps_launch l = vps("true", argv);
                int fd;

                snprintf(path, sizeof(path), "%s/%s", t.root, cases[i].path);
                fd = open(path, cases[i].flags | O_CLOEXEC);
                cr_assert_geq(fd, 0);
                if (cases[i].as_cgroup)
                        l.cgroup_fd = fd;
                else
                        l.init_fd = fd;
                launch_fails(&l, cases[i].step, cases[i].error);
                close(fd);
        }
}

Test(launch, table_without_root_is_refused_before_anything_is_done) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);
        struct idmap *m = NULL;

        cr_assert_eq(idmap_parse("u 1000 196608 10\ng 0 196608 10\n", "t", &m, NULL), 0);
        l.idmap = m;
        launch_fails(&l, "check idmap", EINVAL);
        idmap_free(m);
}

struct joined {
        int ok;
        char step[64];
        int error;
        char hostname[65];
        pid_t pid;
        uid_t uid;
        gid_t gid;
        int n_groups;
        char pid_ns[64];
        char init_comm[32];
        char cgroup[512];
        char pts[32];
        unsigned long long cap_eff;
};

static void read_small(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

        buf[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
                close(fd);
}

/* The grandchild: inside every namespace, as vuid 1000 with groups 100 and 5. */
static void joined_report(struct joined *j) {
        static const gid_t groups[] = { 100, 5 };
        const struct vps_identity id = { .uid = 1000, .gid = 1000, .groups = groups, .n_groups = 2 };
        struct vps_step_error e = {};
        struct utsname u;
        char status[4096], *cap;
        int ptm;

        if (vps_become(&id, &e) < 0) {
                memcpy(j->step, e.step, sizeof(j->step));
                j->error = e.error;
                return;
        }
        uname(&u);
        snprintf(j->hostname, sizeof(j->hostname), "%s", u.nodename);
        j->pid = getpid();
        j->uid = getuid();
        j->gid = getgid();
        j->n_groups = getgroups(0, NULL);
        if (readlink("/proc/self/ns/pid", j->pid_ns, sizeof(j->pid_ns) - 1) < 0)
                j->pid_ns[0] = '\0';
        read_small("/proc/1/comm", j->init_comm, sizeof(j->init_comm));
        read_small("/proc/self/cgroup", j->cgroup, sizeof(j->cgroup));
        read_small("/proc/self/status", status, sizeof(status));
        cap = strstr(status, "CapEff:\t");
        j->cap_eff = cap ? strtoull(cap + 8, NULL, 16) : ~0ULL;
        ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (ptm >= 0 && ptsname_r(ptm, j->pts, sizeof(j->pts)) != 0)
                j->pts[0] = '\0';
        j->ok = 1;
}

static void join_and_check(bool private_network) {
        char *argv[4];
        struct vps_launch l = vps("exec sleep 1000", argv);
        struct joined j = {};
        char init_ns[64] = {}, path[64];
        int pipefd[2], status;

        make_cgroup();
        l.cgroup_fd = t.cgroup_fd;
        l.hostname = "joined";
        l.private_network = private_network;
        launch_ok(&l);
        /* The init is sh until it execs sleep: wait, so that what the joiner sees is fixed. */
        for (int i = 0; i < TIMEOUT_MS / 10; i++) {
                char *comm = host_proc(t.pid, "comm");
                bool asleep = strcmp(comm, "sleep\n") == 0;

                free(comm);
                if (asleep)
                        break;
                usleep(10000);
        }

        cr_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
        /* setns into a user namespace wants a single-threaded caller: a fresh fork is one. */
        t.helper = fork();
        cr_assert_geq(t.helper, 0);
        if (t.helper == 0) {
                struct vps_step_error e = {};
                pid_t child;

                close(pipefd[0]);
                if (vps_join(t.pidfd, t.cgroup_fd, &e) < 0) {
                        memcpy(j.step, e.step, sizeof(j.step));
                        j.error = e.error;
                        (void) !write(pipefd[1], &j, sizeof(j));
                        _exit(1);
                }
                child = fork();
                if (child == 0) {
                        joined_report(&j);
                        (void) !write(pipefd[1], &j, sizeof(j));
                        _exit(0);
                }
                _exit(child > 0 && waitpid(child, &status, 0) == child && status == 0 ? 0 : 1);
        }
        close(pipefd[1]);
        cr_assert_eq(read(pipefd[0], &j, sizeof(j)), (ssize_t) sizeof(j));
        close(pipefd[0]);
        cr_assert_eq(waitpid(t.helper, &status, 0), t.helper);
        t.helper = 0;
        cr_assert(j.ok, "join failed at %s: %s", j.step, strerror(j.error));

        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) t.pid);
        cr_assert_gt(readlink(path, init_ns, sizeof(init_ns) - 1), 0);
        cr_assert_str_eq(j.pid_ns, init_ns);
        cr_assert_str_eq(j.hostname, "joined");
        cr_assert_gt(j.pid, 1);
        cr_assert_lt(j.pid, 10, "PID %d is not one of the VPS's", (int) j.pid);
        cr_assert_str_eq(j.init_comm, "sleep\n");
        cr_assert_eq(j.uid, 1000);
        cr_assert_eq(j.gid, 1000);
        cr_assert_eq(j.n_groups, 2, "setgroups inside the VPS must work");
        cr_assert_eq(j.cap_eff, 0, "a plain user keeps no capability");
        cr_assert(strncmp(j.cgroup, "0::/\n", 5) == 0 || strstr(j.cgroup, "\n0::/\n"), "%s", j.cgroup);
        cr_assert_str_eq(j.pts, "/dev/pts/0");
}

Test(launch, join_enters_the_same_namespaces_and_becomes_the_user) {
        join_and_check(true);
}

/* The init's network namespace is then the host's: joining it must not trip setns. */
Test(launch, join_works_for_a_vps_sharing_the_host_network) {
        join_and_check(false);
}

Test(launch, no_host_descriptor_reaches_the_init) {
        /* Not CLOEXEC on purpose: a careless caller's descriptor must still stay outside. */
        int leak = open("/etc/hostname", O_RDONLY);
        char *out;

        cr_assert_geq(leak, 3);
        /* ": " keeps sh as PID 1: ash would exec a last command in its own place. */
        out = run_script("exec >/tmp/out 2>&1; ls /proc/1/fd; :");
        cr_assert_str_eq(out, "0\n1\n2\n");
        free(out);
        close(leak);
}

struct pts_case {
        const char *group;    /* the rootfs's /etc/group, or NULL for a FIFO there */
        const char *idmap;
        const char *want;     /* expected in the devpts superblock options, or NULL: no gid= */
};

Test(launch, devpts_group_follows_the_rootfs_and_the_table) {
        static const struct pts_case cases[] = {
                { "root:x:0:\ntty:x:7:\n", "u 0 196608 65536\ng 0 196608 65536\n", "gid=196615," },
                { "root:x:0:\n", "u 0 196608 65536\ng 0 196608 65536\n", "gid=196613," },
                { "root:x:0:\ntty:x:7", "u 0 196608 65536\ng 0 196608 65536\n", "gid=196615," },
                { "ttyx:x:9:\ntty:x:abc:\n", "u 0 196608 65536\ng 0 196608 65536\n", "gid=196613," },
                /* A FIFO would block a plain open for ever: read non-blocking, skip it. */
                { NULL, "u 0 196608 65536\ng 0 196608 65536\n", "gid=196613," },
                /* Neither tty's gid nor 5 maps into the VPS: devpts gets no gid= at all. */
                { "tty:x:7:\n", "u 0 196608 65536\ng 0 196608 5\n", NULL },
        };
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/etc/group", t.root);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *argv[4], *out, *line;
                struct vps_launch l = vps("exec >/tmp/out 2>&1; cat /proc/self/mountinfo", argv);
                struct idmap *m = NULL;
                int fd;

                cr_assert_eq(unlink(path), 0);
                if (cases[i].group) {
                        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                        cr_assert_geq(fd, 0);
                        cr_assert_eq(write_all(fd, cases[i].group, strlen(cases[i].group)), 0);
                        close(fd);
                } else
                        cr_assert_eq(mkfifo(path, 0644), 0);
                cr_assert_eq(idmap_parse(cases[i].idmap, "t", &m, NULL), 0);
                l.idmap = m;

                out = run(&l);
                idmap_free(m);
                line = mountinfo_line(out, "/dev/pts");
                cr_assert_not_null(line, "case %zu", i);
                if (cases[i].want)
                        cr_assert_not_null(strstr(line, cases[i].want), "case %zu: %s", i, line);
                else
                        cr_assert_null(strstr(line, "gid="), "case %zu: %s", i, line);
                free(line);
                free(out);
        }
}

/* exec on a VPS whose init has just died: a clear "setns" failure, not a half-joined process. */
Test(launch, join_of_a_dead_init_is_refused) {
        char *argv[4];
        struct vps_launch l = vps("true", argv);
        struct pollfd p;
        siginfo_t si = {};
        int status;

        launch_ok(&l);
        p = (struct pollfd) { .fd = t.pidfd, .events = POLLIN };
        cr_assert_eq(poll(&p, 1, TIMEOUT_MS), 1);
        cr_assert_eq(waitid((idtype_t) P_PIDFD_COMPAT, (id_t) t.pidfd, &si, WEXITED), 0);

        t.helper = fork();
        cr_assert_geq(t.helper, 0);
        if (t.helper == 0) {
                struct vps_step_error e = {};
                int r = vps_join(t.pidfd, -1, &e);

                _exit(r == -ESRCH && strcmp(e.step, "setns") == 0 && e.error == ESRCH ? 0 : 1);
        }
        cr_assert_eq(waitpid(t.helper, &status, 0), t.helper);
        t.helper = 0;
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "vps_join did not fail with setns: ESRCH");
        t.pidfd = safe_close(t.pidfd);
}
