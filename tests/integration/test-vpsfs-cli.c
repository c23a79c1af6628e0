/* The vpsfs command line and its life cycle: --help and --version, refusals of bad usage,
 * the fsname, clean unmount on SIGTERM and SIGINT, fusermount3 -u ending the daemon, and
 * the background mode. */
#include <dirent.h>

#include "vpsfs-fixture.h"

static void cli_teardown(void);

TestSuite(vpsfs_cli, .init = fx_setup, .fini = cli_teardown, .timeout = 60);

/* Runs "vpsfs ARGS" with stdout to a pipe; returns the exit status, output in out. */
static int run_vpsfs(char *out, size_t size, const char *a1, const char *a2) {
        int p[2], status;
        ssize_t n, len = 0;
        pid_t pid;

        cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                dup2(p[1], 1);
                dup2(p[1], 2);
                execl(getenv("VPSFS"), "vpsfs", a1, a2, (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        while ((n = read(p[0], out + len, size - 1 - (size_t) len)) > 0)
                len += n;
        out[len] = '\0';
        close(p[0]);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

Test(vpsfs_cli, help_and_version) {
        char out[8192];

        cr_assert_eq(run_vpsfs(out, sizeof(out), "--help", NULL), 0);
        cr_assert(strstr(out, "must not be changed behind"), "--help does not warn about BACKING: %s", out);
        cr_assert(strstr(out, "idmap=FILE"));
        cr_assert_eq(run_vpsfs(out, sizeof(out), "--version", NULL), 0);
        cr_assert(strstr(out, "vpsfs"));
        cr_assert_neq(run_vpsfs(out, sizeof(out), fx.backing, fx.mnt), 0); /* no idmap */
        cr_assert(strstr(out, "idmap"));
}

Test(vpsfs_cli, fsname_and_options) {
        char line[1024];
        bool found = false;
        FILE *f = fopen("/proc/self/mounts", "re");

        cr_assert(f);
        while (fgets(line, sizeof(line), f))
                if (strstr(line, fx.mnt)) {
                        found = true;
                        cr_assert(strncmp(line, "vpsfs:test ", 11) == 0, "%s", line);
                        cr_assert(strstr(line, "default_permissions"), "%s", line);
                        cr_assert(strstr(line, "allow_other"), "%s", line);
                        cr_assert(strstr(line, "nosuid"), "%s", line);
                        cr_assert(strstr(line, "nodev"), "%s", line);
                }
        fclose(f);
        cr_assert(found);
}

static void assert_ends_unmounted(void) {
        int status;

        for (int k = 0; k < 500 && waitpid(fx.pid, &status, WNOHANG) == 0; k++)
                usleep(10000);
        cr_assert(!fx_is_mounted(), "still mounted");
        cr_assert_eq(kill(fx.pid, 0), -1, "daemon still running");
        fx.pid = 0;
}

Test(vpsfs_cli, sigterm_unmounts) {
        cr_assert_eq(kill(fx.pid, SIGTERM), 0);
        assert_ends_unmounted();
}

Test(vpsfs_cli, sigint_unmounts) {
        cr_assert_eq(kill(fx.pid, SIGINT), 0);
        assert_ends_unmounted();
}

Test(vpsfs_cli, fusermount_unmounts) {
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "fusermount3 -u %s", fx.mnt);
        cr_assert_eq(system(cmd), 0);
        assert_ends_unmounted();
}

Test(vpsfs_cli, read_only_mount) {
        struct stat st;

        fx_write_file(B("f"), "ro", 0644);
        fx_remount("ro,hostroot=vsu", 0);
        cr_assert_eq(stat(M("f"), &st), 0);
        cr_assert_eq(open(M("f"), O_WRONLY | O_CLOEXEC), -1);
        cr_assert_eq(errno, EROFS);
        cr_assert_eq(mkdir(M("d"), 0755), -1);
        cr_assert_eq(errno, EROFS);
}

Test(vpsfs_cli, suid_option) {
        char line[1024];
        bool found = false;
        FILE *f;

        fx_remount("suid", 0);
        f = fopen("/proc/self/mounts", "re");
        cr_assert(f);
        while (fgets(line, sizeof(line), f))
                if (strstr(line, fx.mnt)) {
                        found = true;
                        cr_assert(!strstr(line, "nosuid"), "%s", line);
                        cr_assert(strstr(line, "nodev"), "%s", line);
                }
        fclose(f);
        cr_assert(found);
}

/* The PID of a process whose command line holds word, or 0. */
static pid_t pid_with_arg(const char *word) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        pid_t found = 0;

        cr_assert(d);
        while (!found && (e = readdir(d))) {
                char path[300], cmd[4096];
                ssize_t n;
                int fd;

                if (e->d_name[0] < '1' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                n = read(fd, cmd, sizeof(cmd) - 1);
                close(fd);
                for (ssize_t k = 0; k < n; k += (ssize_t) strlen(cmd + k) + 1) {
                        cmd[n] = '\0';
                        if (strcmp(cmd + k, word) == 0)
                                found = atoi(e->d_name);
                }
        }
        closedir(d);
        return found;
}

/* The background test's second mount point, and its daemon: gone even after a failure. */
static void cli_teardown(void) {
        const char *mnt2 = fx_at(fx.dir, "mnt2");
        pid_t daemon;

        if (fx.dir[0] && umount2(mnt2, 0) < 0 && errno != EINVAL && errno != ENOENT)
                (void) umount2(mnt2, MNT_DETACH);
        daemon = fx.dir[0] ? pid_with_arg(mnt2) : 0;
        if (daemon > 0)
                kill(daemon, SIGTERM);
        fx_teardown();
}

/* Without -f, vpsfs returns once the mount is there (as mount(8) does) and serves from the
 * background until unmounted. */
Test(vpsfs_cli, background_returns_once_mounted) {
        const char *mnt2 = fx_at(fx.dir, "mnt2");
        char opts[256];
        int status;
        pid_t pid, daemon = 0;
        struct stat st;

        fx_write_file(B("f"), "bg", 0644);
        cr_assert_eq(mkdir(mnt2, 0755), 0);
        snprintf(opts, sizeof(opts), "idmap=%s", fx.idmap);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                execl(getenv("VPSFS"), "vpsfs", fx.backing, mnt2, "-o", opts, (char *) NULL);
                _exit(127);
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
        daemon = pid_with_arg(mnt2);
        cr_assert_eq(stat(fx_at(mnt2, "f"), &st), 0, "not mounted when vpsfs returned: %s", strerror(errno));
        cr_assert_neq(daemon, 0, "no daemon in the background");
        cr_assert_eq(umount2(mnt2, 0), 0, "%s", strerror(errno));
        for (int k = 0; k < 500 && pid_with_arg(mnt2); k++)
                usleep(10000);
        cr_assert_eq(pid_with_arg(mnt2), 0, "the daemon outlived its mount");
}
