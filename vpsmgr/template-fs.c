/* File creation for templates: O_NOFOLLOW and O_EXCL everywhere, so a path is created exactly
 * where asked, never through a symlink, and never over something already there. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "vpsmgr/template-fs.h"

/* Owner first, then mode: chown would clear set-ID bits set before it. */
static int own(int fd, mode_t mode, uid_t uid, gid_t gid) {
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
                return negative_errno();
        return 0;
}

int tfs_mkdir(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_close_ int fd = -1;

        /* 0700 until owner and mode are right: nobody looks in meanwhile. */
        if (mkdirat(dirfd, name, 0700) < 0)
                return negative_errno();
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return own(fd, mode, uid, gid);
}

int tfs_open_dir(int rootfd, const char *path, bool create, uid_t uid, gid_t gid) {
        _cleanup_close_ int fd = -1;
        const char *p = path;

        fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        while (*p) {
                char name[256];
                size_t len = strcspn(p, "/");
                int next, r;

                if (len == 0 || len >= sizeof(name))
                        return -EINVAL;
                memcpy(name, p, len);
                name[len] = 0;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        return -EINVAL;
                if (create) {
                        r = tfs_mkdir(fd, name, 0755, uid, gid);
                        if (r < 0 && r != -EEXIST)
                                return r;
                }
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return negative_errno();
                close(fd);
                fd = next;
                p += len;
                p += strspn(p, "/");
        }
        return TAKE_FD(fd);
}

static int create_file(int dirfd, const char *name) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

        return fd < 0 ? negative_errno() : fd;
}

int tfs_write(int dirfd, const char *name, const char *data, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_close_ int fd = -1;
        int r;

        fd = create_file(dirfd, name);
        if (fd < 0)
                return fd;
        r = write_all(fd, data, strlen(data));
        if (r < 0)
                return r;
        return own(fd, mode, uid, gid);
}

/* Plain read/write: copy_file_range() may refuse between filesystems, and a template is
 * copied once. */
static int copy_data(int srcfd, int dstfd) {
        char buf[65536];
        off_t offset = 0;

        for (;;) {
                ssize_t n = pread(srcfd, buf, sizeof(buf), offset);
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return 0;
                r = write_all(dstfd, buf, (size_t) n);
                if (r < 0)
                        return r;
                offset += n;
        }
}

int tfs_copy(int srcfd, int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_close_ int fd = -1;
        int r;

        fd = create_file(dirfd, name);
        if (fd < 0)
                return fd;
        r = copy_data(srcfd, fd);
        if (r < 0)
                return r;
        return own(fd, mode, uid, gid);
}

int tfs_symlink(const char *target, int dirfd, const char *name, uid_t uid, gid_t gid) {
        if (symlinkat(target, dirfd, name) < 0)
                return negative_errno();
        if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        return 0;
}
