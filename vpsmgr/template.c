/* The busybox template: a copy of the host's static busybox, one symlink per applet, and the
 * few files and directories a shell, `id`, `ps` and `su` expect. All owned by virtual root;
 * see template.h for the exact contents. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/dir-stream.h"
#include "common/elf-static.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/template-fs.h"
#include "vpsmgr/template.h"

/* `busybox --list-full` prints ~300 short lines; anything far bigger is not busybox. */
#define APPLET_LIST_MAX (256 * 1024)
#define ROOT 0, 0

static const struct {
        const char *path;
        mode_t mode;
} layout_dirs[] = {
        { "bin", 0755 },     { "dev", 0755 },      { "etc", 0755 },     { "etc/vps", 0755 },
        { "home", 0755 },    { "proc", 0555 },     { "root", 0700 },    { "run", 0755 },
        { "sbin", 0755 },    { "sys", 0555 },      { "tmp", 01777 },    { "usr", 0755 },
        { "usr/bin", 0755 }, { "usr/sbin", 0755 }, { "var", 0755 },     { "var/log", 0755 },
        { "var/tmp", 01777 },
};

static const struct {
        const char *name;
        const char *data;
        mode_t mode;
} etc_files[] = {
        { "passwd",
          "root:x:0:0:root:/root:/bin/sh\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
          0644 },
        { "group", "root:x:0:\nnogroup:x:65534:\n", 0644 },
        /* "!": locked. The VSU gets in through vpsmgr enter/exec, which need no password; an
         * empty one would let anyone who reaches a login prompt in. */
        { "shadow", "root:!:::::::\nnobody:!:::::::\n", 0600 },
};

bool template_hostname_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
                        return false;
        return true;
}

/* Runs the very file that was checked and will be copied (by descriptor, not by path) with
 * --list-full, and returns its output. */
static int list_applets(int busyboxfd, char **ret_list) {
        _cleanup_free_ char *buf = NULL;
        int pipefd[2], status, r = 0;
        size_t size = 0;
        pid_t pid;

        buf = malloc(APPLET_LIST_MAX + 1);
        if (!buf)
                return -ENOMEM;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                char *argv[] = { (char *) "busybox", (char *) "--list-full", NULL };
                char *envp[] = { NULL };

                if (dup2(pipefd[1], STDOUT_FILENO) >= 0)
                        execveat(busyboxfd, "", argv, envp, AT_EMPTY_PATH);
                _exit(127);
        }
        close(pipefd[1]);
        while (size < APPLET_LIST_MAX) {
                ssize_t n = read(pipefd[0], buf + size, APPLET_LIST_MAX - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = negative_errno();
                if (n <= 0)
                        break;
                size += (size_t) n;
        }
        if (size == APPLET_LIST_MAX)
                r = -EFBIG;
        close(pipefd[0]); /* a child still writing gets EPIPE instead of hanging */
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ENOEXEC;
        buf[size] = 0;
        *ret_list = TAKE_PTR(buf);
        return 0;
}

/* A relative target, so the link works wherever the tree is seen from (chroot, pivot_root,
 * or the host looking into the backing store): "usr/bin/awk" -> "../../bin/busybox". */
static int applet_target(const char *path, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = 0;
        for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
                if (used + 3 >= size)
                        return -ENAMETOOLONG;
                memcpy(buf + used, "../", 4);
                used += 3;
        }
        if (used + sizeof("bin/busybox") > size)
                return -ENAMETOOLONG;
        memcpy(buf + used, "bin/busybox", sizeof("bin/busybox"));
        return 0;
}

/* Links one applet ("usr/bin/awk"); its directory is made if the layout lacks it. */
static int link_applet(int rootfd, char *path) {
        _cleanup_close_ int dirfd = -1;
        char target[256];
        char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        int r;

        if (strcmp(path, "bin/busybox") == 0)
                return 0; /* the binary itself, copied already */
        /* A plain relative path: applet_target() counts its slashes as levels. */
        if (path[0] == '/' || strstr(path, "//") || !*name)
                return -EINVAL;
        r = applet_target(path, target, sizeof(target));
        if (r < 0)
                return r;
        if (slash) {
                *slash = 0;
                dirfd = tfs_open_dir(rootfd, path, true, ROOT);
                *slash = '/';
        } else
                dirfd = tfs_open_dir(rootfd, "", false, ROOT);
        if (dirfd < 0)
                return dirfd;
        /* tfs_open_dir() refuses "." and ".." components; the name is checked here. */
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        r = tfs_symlink(target, dirfd, name, ROOT);
        return r == -EEXIST ? 0 : r; /* an applet listed twice */
}

static int link_applets(int rootfd, char *list) {
        char *save = NULL;

        for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int r = link_applet(rootfd, line);
                if (r < 0)
                        return log_debug_errno(r, "cannot link applet '%s': %m", line);
        }
        return 0;
}

static int install_busybox(int rootfd, int busyboxfd) {
        _cleanup_free_ char *list = NULL;
        _cleanup_close_ int bindir = -1;
        int r;

        r = list_applets(busyboxfd, &list);
        if (r < 0)
                return log_debug_errno(r, "busybox --list-full failed: %m");
        bindir = tfs_open_dir(rootfd, "bin", false, ROOT);
        if (bindir < 0)
                return bindir;
        /* A copy, never a hard link: the VSU may rewrite its /bin/busybox, and must not
         * rewrite the host's. */
        r = tfs_copy(busyboxfd, bindir, "busybox", 0755, ROOT);
        if (r < 0)
                return r;
        return link_applets(rootfd, list);
}

static int write_etc(int rootfd, const char *hostname) {
        _cleanup_close_ int etcfd = -1;
        char buf[512];
        int r;

        etcfd = tfs_open_dir(rootfd, "etc", false, ROOT);
        if (etcfd < 0)
                return etcfd;
        for (size_t i = 0; i < ELEMENTSOF(etc_files); i++) {
                r = tfs_write(etcfd, etc_files[i].name, etc_files[i].data, etc_files[i].mode, ROOT);
                if (r < 0)
                        return r;
        }
        snprintf(buf, sizeof(buf), "%s\n", hostname);
        r = tfs_write(etcfd, "hostname", buf, 0644, ROOT);
        if (r < 0)
                return r;
        snprintf(buf, sizeof(buf),
                 "127.0.0.1\tlocalhost\n"
                 "127.0.1.1\t%s\n"
                 "::1\tlocalhost ip6-localhost ip6-loopback\n",
                 hostname);
        return tfs_write(etcfd, "hosts", buf, 0644, ROOT);
}

int template_busybox(int rootfd, const char *busybox, const char *hostname) {
        _cleanup_close_ int busyboxfd = -1;
        struct stat st;
        int r;

        if (!template_hostname_valid(hostname))
                return -EINVAL;
        r = dir_is_empty_at(rootfd);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOTEMPTY;

        busyboxfd = open(busybox ?: TEMPLATE_BUSYBOX_DEFAULT, O_RDONLY | O_CLOEXEC);
        if (busyboxfd < 0)
                return negative_errno();
        if (fstat(busyboxfd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -ENOEXEC;
        r = elf_is_static(busyboxfd);
        if (r < 0)
                return r;
        if (r == 0)
                return log_debug_errno(-ENOEXEC, "busybox is dynamically linked");

        for (size_t i = 0; i < ELEMENTSOF(layout_dirs); i++) {
                _cleanup_close_ int parent = -1;
                char path[64];
                char *slash;

                snprintf(path, sizeof(path), "%s", layout_dirs[i].path);
                slash = strrchr(path, '/');
                if (slash)
                        *slash = 0;
                parent = tfs_open_dir(rootfd, slash ? path : "", false, ROOT);
                if (parent < 0)
                        return parent;
                r = tfs_mkdir(parent, slash ? slash + 1 : path, layout_dirs[i].mode, ROOT);
                if (r < 0)
                        return r;
        }
        r = write_etc(rootfd, hostname);
        if (r < 0)
                return r;
        return install_busybox(rootfd, busyboxfd);
}
