/* Hostile backing content: symlinks out of BACKING, fifos where files are expected, files
 * replaced behind vpsfs's back. The daemon must never follow a stored symlink, never hang,
 * never crash; errors are fine. */
#include <sys/syscall.h>

#include "vpsfs-fixture.h"

static void setup_vsu(void) {
        fx_setup_nomount();
        fx_mount("hostroot=vsu", 0);
}

TestSuite(vpsfs_hostile, .init = setup_vsu, .fini = fx_teardown, .timeout = 120);

static const char *outside(const char *name) {
        static char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s/%s", fx.dir, name);
        return buf;
}

static void assert_alive(void) {
        struct stat st;

        cr_assert_eq(stat(M("."), &st), 0, "daemon no longer answers: %s", strerror(errno));
}

/* Runs fn in a child that must finish within 10 s; returns its result. */
static int bounded(int (*fn)(void *), void *arg) {
        pid_t pid = fork();
        int status;

        cr_assert_geq(pid, 0);
        if (pid == 0) {
                alarm(10);
                _exit(fn(arg));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(!WIFSIGNALED(status), "operation hung (killed by signal %d)", WTERMSIG(status));
        return WEXITSTATUS(status);
}

static int in_chroot(void *arg) {
        struct stat root, up;

        if (chroot(fx.mnt) < 0 || chdir("/") < 0)
                return 100;
        if (stat("/", &root) < 0 || stat("/..", &up) < 0 || root.st_ino != up.st_ino)
                return 101;
        /* The links resolve inside the VPS's root, where there is no etc/passwd. */
        if (open("/escape/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != ENOENT)
                return 102;
        if (open("/rel/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != ENOENT)
                return 103;
        return 0;
}

Test(vpsfs_hostile, stored_symlinks_are_only_read) {
        char target[PATH_MAX] = "";
        int fd;

        cr_assert_eq(symlink("/etc", B("escape")), 0);
        cr_assert_eq(symlink("../../../../../../../../etc", B("rel")), 0);
        cr_assert_eq(readlink(M("escape"), target, sizeof(target) - 1), 4);
        cr_assert_str_eq(target, "/etc");
        fd = open(M("escape"), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        cr_assert_eq(fd, -1);
        cr_assert_eq(errno, ELOOP);
        cr_assert_eq(bounded(in_chroot, NULL), 0);
        assert_alive();
}

static int create_through(void *arg) {
        int fd = open(arg, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

/* The kernel caches "trap" as absent; then a symlink out of BACKING appears behind vpsfs's
 * back. A create through the mount reaches the daemon by name: it must not follow it. */
Test(vpsfs_hostile, create_never_follows_planted_symlink) {
        struct stat st;

        cr_assert_eq(stat(M("trap"), &st), -1);
        cr_assert_eq(symlink(outside("victim"), B("trap")), 0);
        cr_assert_neq(bounded(create_through, (void *) M("trap")), 0);
        cr_assert_eq(stat(outside("victim"), &st), -1, "the daemon followed a stored symlink");
        cr_assert_eq(lstat(B("trap"), &st), 0);
        cr_assert(S_ISLNK(st.st_mode));
        assert_alive();
}

/* Non-blocking, because the kernel may find the fifo again itself and then serves it with
 * fifo semantics (a blocking open waits for a writer); the daemon must not block either way. */
static int open_read_nonblock(void *arg) {
        char c;
        int fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

        if (fd < 0)
                return errno;
        (void) read(fd, &c, 1);
        close(fd);
        return 0;
}

Test(vpsfs_hostile, fifo_where_file_expected) {
        struct stat st;

        /* A known regular file replaced by a fifo. */
        fx_write_file(B("f"), "data", 0644);
        cr_assert_eq(stat(M("f"), &st), 0);
        cr_assert_eq(unlink(B("f")), 0);
        cr_assert_eq(mkfifo(B("f"), 0644), 0);
        bounded(open_read_nonblock, (void *) M("f"));
        assert_alive();
        /* A name the kernel believes absent, now a fifo: create without O_EXCL. */
        cr_assert_eq(stat(M("g"), &st), -1);
        cr_assert_eq(mkfifo(B("g"), 0644), 0);
        cr_assert_neq(bounded(create_through, (void *) M("g")), 0);
        assert_alive();
}

Test(vpsfs_hostile, file_replaced_by_directory) {
        struct stat st;
        int fd;

        fx_write_file(B("x"), "data", 0644);
        cr_assert_eq(stat(M("x"), &st), 0);
        fd = open(M("x"), O_RDWR | O_CLOEXEC);
        cr_assert_geq(fd, 0);
        cr_assert_eq(unlink(B("x")), 0);
        cr_assert_eq(mkdir(B("x"), 0755), 0);
        bounded(fx_open_read, (void *) M("x"));
        (void) write(fd, "y", 1);
        (void) fsync(fd);
        close(fd);
        (void) chmod(M("x"), 0700);
        (void) truncate(M("x"), 0);
        (void) stat(M("x"), &st);
        (void) rmdir(M("x"));
        assert_alive();
        /* A directory replaced by a file while the kernel still has it cached. */
        cr_assert_eq(mkdir(M("d"), 0755), 0);
        fx_write_file(M("d/in"), "in", 0644);
        cr_assert_eq(unlink(B("d/in")), 0);
        cr_assert_eq(rmdir(B("d")), 0);
        fx_write_file(B("d"), "now a file", 0644);
        (void) stat(M("d/in"), &st);
        (void) open(M("d/new"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        (void) mkdir(M("d/sub"), 0755);
        assert_alive();
        cr_assert_eq(stat(outside("rootfs/d/new"), &st), -1);
}

Test(vpsfs_hostile, long_and_odd_names) {
        char name[300];

        memset(name, 'n', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        cr_assert_eq(open(M("%s", name), O_CREAT | O_WRONLY | O_CLOEXEC, 0644), -1);
        cr_assert_eq(errno, ENAMETOOLONG);
        name[255] = '\0';
        fx_write_file(M("%s", name), "max", 0644);
        cr_assert_eq(access(B("%s", name), F_OK), 0);
        assert_alive();
}
