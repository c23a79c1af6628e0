/* A static probe for the attack matrix (test-attack.c), copied into a VPS's rootfs and run
 * there through `vpsmgr exec`: makes one attempt and prints one line, "OK[ detail]" or the
 * errno's name, so that a test can assert the precise failure. Static and unsanitized like
 * vps-init: the busybox template has no C library.
 *
 * It refuses to run in the host's user namespace (an identity uid_map): some attempts,
 * kill(-1) first, are harmless only inside a VPS.
 *
 *   attack-probe OP ARG...   see the table at the end */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int report(long r) {
        if (r >= 0)
                puts("OK");
        else
                puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
        return 0;
}

/* Whether we run in the initial user namespace: its uid_map is the identity on all IDs. */
static int on_host(void) {
        char buf[128] = "";
        unsigned long a = 1, b = 1, n = 0;
        int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
        ssize_t k;

        if (fd < 0)
                return 1;
        k = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (k <= 0)
                return 1;
        buf[k] = '\0';
        return sscanf(buf, "%lu %lu %lu", &a, &b, &n) == 3 && a == 0 && b == 0 && n == 4294967295UL;
}

static long num(const char *s) {
        return strtol(s, NULL, 10);
}

static int op_read(char **a) {
        char buf[256];
        int fd = open(a[0], O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return report(-1);
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return report(-1);
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        printf("OK %s\n", buf);
        return 0;
}

/* Opening for writing is where procfs and a read-only mount refuse: nothing is written. */
static int op_wopen(char **a) {
        int fd = open(a[0], O_WRONLY | O_CLOEXEC);

        if (fd >= 0)
                close(fd);
        return report(fd);
}

static int op_write(char **a) {
        int fd = open(a[0], O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return report(-1);
        n = write(fd, a[1], strlen(a[1]));
        close(fd);
        return report(n);
}

static int op_create(char **a) {
        int fd = open(a[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

        if (fd >= 0)
                close(fd);
        return report(fd);
}

/* Writes our uid_map a second time, as the VPS's root would to widen it. */
static int op_uidmap(char **a) {
        return op_write((char *[]) { (char *) "/proc/self/uid_map", a[0] });
}

static int op_ptrace(char **a) {
        return report(ptrace(PTRACE_SEIZE, (pid_t) num(a[0]), NULL, NULL));
}

static int op_vmread(char **a) {
        char buf[16];
        struct iovec local = { buf, sizeof(buf) }, remote = { (void *) 0x400000, sizeof(buf) };

        return report(process_vm_readv((pid_t) num(a[0]), &local, 1, &remote, 1, 0));
}

static int op_kill(char **a) {
        long pid = num(a[0]);

        /* pid 0 would be our own group; -1 only by its own name (killall). */
        if (pid == 0 || pid == -1)
                return 2;
        return report(kill((pid_t) pid, (int) num(a[1])));
}

static int op_killall(char **a) {
        return report(kill(-1, (int) num(a[0])));
}

static int op_handle(char **a) {
        struct { unsigned bytes; int type; unsigned char f[128]; } h = { 128, 0, { 0 } };
        int mount_id;

        if (syscall(SYS_name_to_handle_at, AT_FDCWD, a[0], &h, &mount_id, 0) < 0)
                return report(-1);
        return report(syscall(SYS_open_by_handle_at, AT_FDCWD, &h, O_RDONLY));
}

static int op_mount(char **a) {
        unsigned long flags = 0;

        if (strcmp(a[3], "bind") == 0)
                flags = MS_BIND | MS_REC;
        else if (strcmp(a[3], "remount") == 0)
                flags = MS_REMOUNT | MS_BIND;
        return report(mount(a[0], a[1], strcmp(a[2], "-") ? a[2] : NULL, flags, NULL));
}

static int op_module(char **a) {
        static char image[64];
        int fd;

        if (strcmp(a[0], "init") == 0)
                return report(syscall(SYS_init_module, image, sizeof(image), ""));
        fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
        return report(syscall(SYS_finit_module, fd, "", 0));
}

/* To the current time: harmless should it ever succeed. */
static int op_settime(char **a) {
        struct timespec ts;
        struct timeval tv;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (strcmp(a[0], "clock_settime") == 0)
                return report(clock_settime(CLOCK_REALTIME, &ts));
        tv.tv_sec = ts.tv_sec;
        tv.tv_usec = ts.tv_nsec / 1000;
        return report(settimeofday(&tv, NULL));
}

static int op_reboot(char **a) {
        int cmd = strcmp(a[0], "restart") == 0  ? LINUX_REBOOT_CMD_RESTART
                  : strcmp(a[0], "cad_off") == 0 ? LINUX_REBOOT_CMD_CAD_OFF
                                                  : LINUX_REBOOT_CMD_KEXEC;

        return report(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, NULL));
}

/* The classic chroot break-out: chroot into a subdirectory, climb out of it with "..", chroot
 * there; then open PATH. Inside a pivoted mount namespace the top is still the VPS's root. */
static int op_chroot_escape(char **a) {
        char jail[64];

        snprintf(jail, sizeof(jail), "/tmp/.jail-%u", (unsigned) getuid());
        (void) mkdir(jail, 0700);
        if (chroot(jail) < 0)
                return report(-1);
        for (int i = 0; i < 64; i++)
                (void) chdir("..");
        if (chroot(".") < 0)
                return report(-1);
        return op_read(a);
}

/* A user namespace of our own, in which we are root, and a mount namespace in it: then
 * open PATH. Files of the VPS's root are not ours there either. */
static int op_nested(char **a) {
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();
        int fd;

        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return report(-1);
        fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void) write(fd, "deny", 4);
                close(fd);
        }
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) uid);
        fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, map, strlen(map)) < 0)
                return report(-1);
        close(fd);
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) gid);
        fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, map, strlen(map)) < 0)
                return report(-1);
        close(fd);
        return op_read(a);
}

/* A fresh procfs of our own (as /proc/sys "mounted read-write"), then open its sys/SUB for
 * writing: the kernel's global sysctls stay the host root's. */
static int op_procsys(char **a) {
        char dir[64], path[256];
        int fd;

        snprintf(dir, sizeof(dir), "/tmp/.proc-%u", (unsigned) getuid());
        (void) mkdir(dir, 0755);
        if (mount("proc", dir, "proc", 0, NULL) < 0)
                return report(-1);
        snprintf(path, sizeof(path), "%s/sys/%s", dir, a[0]);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0)
                close(fd);
        report(fd);
        (void) umount2(dir, MNT_DETACH);
        return 0;
}

/* Binds SRC (recursively) at a directory of ours and reads PATH below it: only what SRC
 * names in our mount namespace can show there. */
static int op_bind_read(char **a) {
        char dir[64], path[512];

        snprintf(dir, sizeof(dir), "/tmp/.bind-%u", (unsigned) getuid());
        (void) mkdir(dir, 0755);
        if (mount(a[0], dir, NULL, MS_BIND | MS_REC, NULL) < 0)
                return report(-1);
        snprintf(path, sizeof(path), "%s%s", dir, a[1]);
        a[0] = path;
        op_read(a);
        (void) umount2(dir, MNT_DETACH);
        return 0;
}

/* Mounts the cgroup2 file system (only our cgroup namespace's root is visible) and lists its
 * directories: "OK" and the names. */
static int op_cgroup(char **a) {
        DIR *d;
        struct dirent *e;

        (void) mkdir(a[0], 0755);
        if (mount("none", a[0], "cgroup2", 0, NULL) < 0)
                return report(-1);
        d = opendir(a[0]);
        if (!d)
                return report(-1);
        printf("OK");
        while ((e = readdir(d)))
                if (e->d_type == DT_DIR && e->d_name[0] != '.')
                        printf(" %s", e->d_name);
        puts("");
        closedir(d);
        (void) umount2(a[0], MNT_DETACH);
        return 0;
}

/* Every descriptor that is a terminal must belong to the devpts instance of our /dev/pts:
 * "OK N" (N terminals seen) or "FOREIGN FD". */
static int op_ttys(char **a) {
        struct stat own, st;
        int n = 0;

        if (stat("/dev/pts/ptmx", &own) < 0)
                return report(-1);
        for (int fd = 0; fd < 256; fd++) {
                if (fstat(fd, &st) < 0 || !isatty(fd))
                        continue;
                if (st.st_dev != own.st_dev) {
                        printf("FOREIGN %d\n", fd);
                        return 0;
                }
                n++;
        }
        printf("OK %d\n", n);
        return 0;
}

/* Descriptors beyond the standard three that we did not open: "OK" or "LEAKED FD -> TARGET". */
static int op_fds(char **a) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        char path[64], target[256];

        if (!d)
                return report(-1);
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);
                ssize_t n;

                if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
                        continue;
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                n = readlink(path, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = '\0';
                printf("LEAKED %d -> %s\n", fd, target);
                closedir(d);
                return 0;
        }
        closedir(d);
        puts("OK");
        return 0;
}

static int op_tiocsti(char **a) {
        char c = ' ';
        int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return report(-1);
        return report(ioctl(fd, TIOCSTI, &c));
}

#define OP(name, n, fn) { name, n, fn }
static const struct {
        const char *name;
        int args;
        int (*fn)(char **a);
} ops[] = {
        OP("read", 1, op_read),                 /* PATH */
        OP("wopen", 1, op_wopen),               /* PATH */
        OP("write", 2, op_write),               /* PATH DATA */
        OP("create", 1, op_create),             /* PATH */
        OP("uidmap", 1, op_uidmap),             /* TEXT */
        OP("ptrace", 1, op_ptrace),             /* PID */
        OP("vmread", 1, op_vmread),             /* PID */
        OP("kill", 2, op_kill),                 /* PID SIG (PID < -1: a group) */
        OP("killall", 1, op_killall),           /* SIG: kill(-1, SIG) */
        OP("handle", 1, op_handle),             /* PATH */
        OP("mount", 4, op_mount),               /* SRC TARGET FSTYPE|- none|bind|remount */
        OP("module", 1, op_module),             /* init|finit */
        OP("settime", 1, op_settime),           /* clock_settime|settimeofday */
        OP("reboot", 1, op_reboot),             /* restart|cad_off|kexec */
        OP("chroot-escape", 1, op_chroot_escape), /* PATH */
        OP("nested", 1, op_nested),             /* PATH */
        OP("cgroup", 1, op_cgroup),             /* MOUNTPOINT */
        OP("procsys", 1, op_procsys),           /* SUB below /proc/sys */
        OP("bind-read", 2, op_bind_read),       /* SRC PATH */
        OP("ttys", 0, op_ttys),
        OP("tiocsti", 0, op_tiocsti),
        OP("fds", 0, op_fds),
};

int main(int argc, char **argv) {
        if (on_host()) {
                fputs("attack-probe: refusing to run in the host's user namespace\n", stderr);
                return 99;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2)
                return 2;
        if (strcmp(argv[1], "chown") == 0 && argc == 5)
                return report(chown(argv[2], (uid_t) num(argv[3]), (gid_t) num(argv[4])));
        if (strcmp(argv[1], "unlink") == 0 && argc == 3)
                return report(unlink(argv[2]));
        if (strcmp(argv[1], "rename") == 0 && argc == 4)
                return report(rename(argv[2], argv[3]));
        if (strcmp(argv[1], "link") == 0 && argc == 4)
                return report(link(argv[2], argv[3]));
        if (strcmp(argv[1], "setuid") == 0 && argc == 3)
                return report(setuid((uid_t) num(argv[2])));
        if (strcmp(argv[1], "mknod") == 0 && argc == 3)
                return report(mknod(argv[2], S_IFBLK | 0600, makedev(8, 0)));
        if (strcmp(argv[1], "sethostname") == 0 && argc == 3)
                return report(sethostname(argv[2], strlen(argv[2])));
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (strcmp(argv[1], ops[i].name) == 0) {
                        if (argc != ops[i].args + 2)
                                return 2;
                        return ops[i].fn(argv + 2);
                }
        return 2;
}
