/* untar(): tar in a child process, its stderr kept for the error message. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"
#include "vpsmgr/interrupt.h"
#include "vpsmgr/untar.h"

#define STDERR_KEEP 4096

static const struct {
        const char *magic;
        size_t size;
        const char *option;
} compressions[] = {
        { "\x1f\x8b", 2, "--gzip" },
        { "BZh", 3, "--bzip2" },
        { "\xfd" "7zXZ\0", 6, "--xz" },
        { "\x28\xb5\x2f\xfd", 4, "--zstd" },
};

const char *untar_compression_option(const unsigned char *head, size_t size) {
        for (size_t i = 0; i < ELEMENTSOF(compressions); i++)
                if (size >= compressions[i].size &&
                    memcmp(head, compressions[i].magic, compressions[i].size) == 0)
                        return compressions[i].option;
        return NULL;
}

_noreturn_ static void run_tar(int tarfd, int rootfd, int errfd, const char *compression) {
        char *argv[] = {
                "tar", "--extract", "--file=-", "--numeric-owner", "--same-owner",
                "--same-permissions", "--xattrs", "--xattrs-include=*", "--acls",
                (char *) compression, NULL,
        };
        char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

        /* dup2() clears O_CLOEXEC on the copies, and only on them. */
        if (devnull < 0 || dup2(tarfd, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
            dup2(errfd, STDERR_FILENO) < 0 || lseek(STDIN_FILENO, 0, SEEK_SET) < 0 || fchdir(rootfd) < 0)
                _exit(127);
        execve("/usr/bin/tar", argv, envp);
        execve("/bin/tar", argv, envp);
        dprintf(STDERR_FILENO, "cannot run tar: %m\n");
        _exit(127);
}

/* Lines of tar that say nothing about why it failed. */
static bool line_is_noise(const char *line) {
        return strstr(line, "Removing leading") || strstr(line, "Exiting with failure status");
}

/* The first telling line of what tar said, for a one-line message. */
static char *first_line(int errfd) {
        char buf[STDERR_KEEP + 1], *line, *save = NULL, *fallback = NULL;
        ssize_t n = pread(errfd, buf, STDERR_KEEP, 0);

        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!line_is_noise(line))
                        return strdup(line);
                if (!fallback)
                        fallback = line;
        }
        return fallback ? strdup(fallback) : NULL;
}

int untar(int tarfd, int rootfd, char **ret_error) {
        _cleanup_close_ int errfd = -1;
        _cleanup_free_ char *said = NULL;
        unsigned char head[8];
        ssize_t n;
        pid_t pid;
        int status;

        if (ret_error)
                *ret_error = NULL;
        n = pread(tarfd, head, sizeof(head), 0);
        if (n < 0)
                return negative_errno();
        errfd = memfd_create("tar-stderr", MFD_CLOEXEC);
        if (errfd < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0)
                run_tar(tarfd, rootfd, errfd, untar_compression_option(head, (size_t) n));
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return negative_errno();
                /* Our SIGTERM is tar's too (a terminal's SIGINT reached it already). */
                if (interrupt_pending())
                        (void) kill(pid, SIGTERM);
        }
        said = first_line(errfd);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                if (said)
                        log_debug("tar: %s", said);
                return 0;
        }
        if (!ret_error)
                return -EIO;
        if (said)
                *ret_error = TAKE_PTR(said);
        else if (asprintf(ret_error, "tar %s %d",
                          WIFEXITED(status) ? "exited with status" : "was killed by signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)) < 0)
                *ret_error = NULL;
        return -EIO;
}
