/* Whole-file reads and atomic writes of state files. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"

int write_all(int fd, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int write_string_at(int dirfd, const char *name, const char *s) {
        _cleanup_close_ int fd = -1;

        fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return write_all(fd, s, strlen(s));
}

static int replace_file_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode,
                           bool durable) {
        char tmp[4096];
        _cleanup_close_ int fd = -1;
        int r;

        r = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int) getpid());
        if (r < 0 || (size_t) r >= sizeof(tmp))
                return -ENAMETOOLONG;

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return negative_errno();
        if (fchmod(fd, mode) < 0)
                goto fail_errno;
        r = write_all(fd, data, size);
        if (r < 0)
                goto fail;
        if (durable && fsync(fd) < 0)
                goto fail_errno;
        if (renameat(dirfd, tmp, dirfd, name) < 0)
                goto fail_errno;
        /* The rename is durable only once the directory is. */
        if (durable && fsync(dirfd) < 0 && errno != EINVAL)
                return negative_errno();
        return 0;

fail_errno:
        r = negative_errno();
fail:
        (void) unlinkat(dirfd, tmp, 0);
        return r;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode) {
        return replace_file_at(dirfd, name, data, size, mode, true);
}

int write_file_replace_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode) {
        return replace_file_at(dirfd, name, data, size, mode, false);
}

int read_file_at(int dirfd, const char *name, size_t max_size, char **ret_data, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        /* Non-blocking: a FIFO planted where a file belongs must not hang us at open(). */
        fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        return read_fd(fd, max_size, ret_data, ret_size);
}

int read_fd(int fd, size_t max_size, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADF;

        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        size_t want = allocated ? allocated * 2 : 4096;
                        char *p;

                        if (want > max_size + 2)
                                want = max_size + 2;
                        if (want <= allocated)
                                return -EFBIG;
                        p = realloc(buf, want);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = want;
                }
                n = read(fd, buf + size, allocated - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = '\0';
        *ret_data = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}
