/* Directory streams on a descriptor of their own. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/dir-stream.h"
#include "common/macro.h"

int dir_stream_at(int fd, DIR **ret) {
        DIR *d;
        int dfd;

        dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d) {
                int r = negative_errno();
                close(dfd);
                return r;
        }
        *ret = d;
        return 0;
}

int dir_next(DIR *d, struct dirent **ret) {
        struct dirent *e;

        /* readdir() returns NULL both at the end and on error; only errno tells. */
        errno = 0;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                        *ret = e;
                        return 1;
                }
        return errno != 0 ? negative_errno() : 0;
}

int dir_is_empty_at(int fd) {
        struct dirent *e;
        DIR *d;
        int r;

        r = dir_stream_at(fd, &d);
        if (r < 0)
                return r;
        r = dir_next(d, &e);
        closedir(d);
        return r < 0 ? r : r == 0;
}
