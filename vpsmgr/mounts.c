/* Builds the VPS's mounts with the fd-based mount API (fsopen/fsmount/open_tree/move_mount):
 * every target is an O_NOFOLLOW descriptor, never a path the VPS's files could redirect,
 * and the per-mount flags are set before the mount becomes visible. */
#include <fcntl.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/idmap.h"
#include "common/macro.h"
#include "vpsmgr/mounts.h"
#include "vpsmgr/rootfs.h"
#include "vpsmgr/step.h"

/* Mounts a new instance of fstype on the directory name under dirfd. opts is a NULL-ended
 * list of key, value pairs (value NULL: a flag). With ret_fd, hands back the new mount's
 * root so that the caller can fill it. */
static int fs_mount_at(int dirfd, const char *name, const char *fstype, const char *const *opts,
                       unsigned attrs, int *ret_fd) {
        _cleanup_close_ int target = -1, fs = -1, mnt = -1;

        target = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (target < 0)
                return negative_errno();
        fs = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
        for (; opts && opts[0]; opts += 2)
                if (fsconfig(fs, opts[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opts[0],
                             opts[1], 0) < 0)
                        return negative_errno();
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
        if (mnt < 0)
                return negative_errno();
        if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        if (ret_fd)
                *ret_fd = TAKE_FD(mnt);
        return 0;
}

/* Binds the host's source (recursively or not) onto target_fd with attrs added. */
static int bind_onto(const char *source, bool recursive, unsigned attrs, int target_fd) {
        _cleanup_close_ int tree = -1;
        struct mount_attr attr = { .attr_set = attrs };

        tree = open_tree(AT_FDCWD, source,
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (tree < 0)
                return negative_errno();
        if (attrs && mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
                                   &attr, sizeof(attr)) < 0)
                return negative_errno();
        if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

static int bind_at(int dirfd, const char *name, const char *source, bool recursive, unsigned attrs) {
        _cleanup_close_ int target = -1;

        target = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (target < 0)
                return negative_errno();
        return bind_onto(source, recursive, attrs, target);
}

/* An entry of /dev: its name, what it is made from, and the step that makes it. */
struct dev_entry {
        const char *name, *source, *step;
};

/* A user namespace may not mknod, so the device nodes are the host's, bound onto empty
 * files: the kernel still checks every open against the node's own mode. */
static const struct dev_entry dev_nodes[] = {
        { "null", "/dev/null", "bind /dev/null" },
        { "zero", "/dev/zero", "bind /dev/zero" },
        { "full", "/dev/full", "bind /dev/full" },
        { "random", "/dev/random", "bind /dev/random" },
        { "urandom", "/dev/urandom", "bind /dev/urandom" },
        { "tty", "/dev/tty", "bind /dev/tty" },
};

/* Symlinks: source is the link's target. */
static const struct dev_entry dev_links[] = {
        { "fd", "/proc/self/fd", "symlink /dev/fd" },
        { "stdin", "/proc/self/fd/0", "symlink /dev/stdin" },
        { "stdout", "/proc/self/fd/1", "symlink /dev/stdout" },
        { "stderr", "/proc/self/fd/2", "symlink /dev/stderr" },
        { "ptmx", "pts/ptmx", "symlink /dev/ptmx" },
};

/* Decimal digits of v into buf (at least 11 bytes): snprintf is not async-signal-safe. */
static const char *format_u32(uint32_t v, char *buf, size_t size) {
        char *p = buf + size;

        *--p = '\0';
        do
                *--p = (char) ('0' + v % 10);
        while ((v /= 10) && p > buf);
        return p;
}

/* devpts refuses a gid= that the VPS's user namespace does not map, so take the rootfs's tty
 * group, else 5 (Debian's and most distributions'), and leave the option out if neither
 * maps: ptys then get their opener's group, as on a system without a tty group. */
static const char *pts_gid(int rootfd, const struct idmap *m, char *buf, size_t size) {
        uint32_t gid, alt;

        if (rootfs_tty_gid(rootfd, &gid) < 0)
                gid = 5;
        if (idmap_to_alt(m, IDMAP_GID, gid, &alt) < 0)
                return NULL;
        return format_u32(gid, buf, size);
}

static int dev_setup(int rootfd, const struct mounts_plan *p, const char **ret_step) {
        static const char *const dev_opts[] = { "mode", "0755", "size", "64k", NULL };
        static const char *const shm_opts[] = { "mode", "1777", NULL };
        char gid_buf[16];
        const char *gid = pts_gid(rootfd, p->idmap, gid_buf, sizeof(gid_buf));
        const char *pts_opts[] = { "newinstance", NULL, "ptmxmode", "0666", "mode", "0620",
                                   gid ? "gid" : NULL, gid, NULL };
        _cleanup_close_ int dev = -1;

        STEP(fs_mount_at(rootfd, "dev", "tmpfs", dev_opts,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, &dev), "mount /dev");

        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                _cleanup_close_ int node = -1;

                node = openat(dev, dev_nodes[i].name,
                              O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
                STEP(node, dev_nodes[i].step);
                /* noexec, nosuid: a device node is never a program. */
                STEP(bind_onto(dev_nodes[i].source, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                               node), dev_nodes[i].step);
        }
        for (size_t i = 0; i < ELEMENTSOF(dev_links); i++)
                STEP(symlinkat(dev_links[i].source, dev, dev_links[i].name), dev_links[i].step);

        /* A private devpts: the VPS's ptys are numbered from 0 and invisible to the host's
         * /dev/pts and to other VPSs. */
        STEP(mkdirat(dev, "pts", 0755), "mount /dev/pts");
        STEP(fs_mount_at(dev, "pts", "devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, NULL),
             "mount /dev/pts");
        STEP(mkdirat(dev, "shm", 0755), "mount /dev/shm");
        STEP(fs_mount_at(dev, "shm", "tmpfs", shm_opts,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, NULL), "mount /dev/shm");
        return 0;
}

int mounts_bind_root(const char *root, int *ret_rootfd, const char **ret_step) {
        int rootfd;

        /* Nothing we mount may propagate back into the host's namespace. */
        STEP(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private");

        /* pivot_root needs the new root to be a mount point; a recursive bind of it onto
         * itself makes it one (a vpsfs mount already is, and binding it again is harmless). */
        STEP(mount(root, root, NULL, MS_BIND | MS_REC, NULL), "bind root");
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        STEP(rootfd, "open root");
        *ret_rootfd = rootfd;
        return 0;
}

int mounts_setup(int rootfd, const struct mounts_plan *p, const char **ret_step) {
        static const unsigned ro_attrs =
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        int r;

        STEP(fs_mount_at(rootfd, "proc", "proc", NULL,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL), "mount /proc");

        /* sysfs may be mounted only by the user namespace that owns the current network
         * namespace; sharing the host's network, the VPS sees the host's /sys read-only
         * (recursively: the flag is set on every submount of the clone). */
        if (p->own_sysfs)
                r = fs_mount_at(rootfd, "sys", "sysfs", NULL, ro_attrs, NULL);
        else
                r = bind_at(rootfd, "sys", "/sys", true, ro_attrs);
        if (r < 0) {
                *ret_step = "mount /sys";
                return r;
        }

        r = dev_setup(rootfd, p, ret_step);
        if (r < 0)
                return r;

        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it then
         * leaves only the VPS's tree, with no directory to reach the host's through. */
        STEP(fchdir(rootfd), "pivot_root");
        STEP(syscall(SYS_pivot_root, ".", "."), "pivot_root");
        STEP(umount2(".", MNT_DETACH), "detach old root");
        STEP(chdir("/"), "chdir /");
        return 0;
}
