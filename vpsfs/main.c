/* vpsfs: serves BACKING (owners stored as virtual IDs) at MOUNTPOINT with owners shown as
 * alternative IDs. Parses the command line into a plain record, sets up the filesystem
 * instance, mounts, and runs libfuse's multithreaded loop until unmounted or signalled. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/parse.h"
#include "vpsfs/vpsfs.h"

#define FD_CACHE_MAX 4096
#define MAX_THREADS 16

struct options {
        const char *backing;
        const char *mountpoint;
        const char *idmap;
        const char *name;
        bool readonly;
        bool debug;
        bool foreground;
        bool writeback;
        bool noacl;
        bool nopassthrough;
        bool suid;
        enum vpsfs_hostroot hostroot;
        int ready_fd;
        /* Copies of the -o lists (values point into them), so that /proc/PID/cmdline keeps
         * the commas strtok() would have eaten. */
        char *lists[8];
        size_t n_lists;
};

static void print_help(void) {
        printf("Usage: vpsfs BACKING MOUNTPOINT -o idmap=FILE[,ro][,debug][,name=NAME][,hostroot=deny|vsu]\n"
               "             [-f] [--ready-fd N]\n"
               "\n"
               "Serves the directory BACKING, whose files are owned by virtual IDs, at MOUNTPOINT,\n"
               "showing every owner as its alternative ID from the translation table FILE\n"
               "(\"u VUID ALT COUNT\" / \"g VGID ALT COUNT\" lines) and storing owners written\n"
               "through the mount as virtual IDs. Mounted allow_other,default_permissions with\n"
               "fsname=vpsfs:NAME. Runs as host root.\n"
               "\n"
               "BACKING must not be changed behind vpsfs's back while it is mounted: vpsfs is its\n"
               "only writer and the kernel caches names and attributes for a long time.\n"
               "\n"
               "Options:\n"
               "  -o idmap=FILE     the translation table (required)\n"
               "  -o ro             read-only mount\n"
               "  -o debug          log every request (implies -f)\n"
               "  -o name=NAME      NAME in fsname=vpsfs:NAME (default: the VPS name guessed\n"
               "                    from BACKING, <root>/NAME/rootfs)\n"
               "  -o hostroot=deny  host root (uid 0, outside every table) may not create files\n"
               "                    through the mount: EPERM (default); host administrators\n"
               "                    write to BACKING directly\n"
               "  -o hostroot=vsu   host root creates files as the VPS's root (virtual ID 0),\n"
               "                    and chown to host ID 0 stores virtual ID 0 (tar as root)\n"
               "  -o suid           honour set-user/group-ID bits (a VPS's su and sudo need it;\n"
               "                    owners are alternative IDs, never host root, but keep the\n"
               "                    mount point out of reach of other host users)\n"
               "  -o noacl          do not enforce POSIX ACLs (the kernel then never asks vpsfs\n"
               "                    for them: one request less per inode it checks, and after\n"
               "                    every refusal)\n"
               "  -o writeback      use the kernel's writeback cache (slower here, see ops.c;\n"
               "                    turns passthrough off)\n"
               "  -o nopassthrough  serve file data through vpsfs even where the kernel could\n"
               "                    read and write the backing files directly (FUSE passthrough,\n"
               "                    Linux 6.9 and later, the default there)\n"
               "  -f                stay in the foreground (without it, vpsfs returns once the\n"
               "                    mount is live, and serves from the background)\n"
               "  --ready-fd N      write one byte to fd N once the mount is live, then close it\n"
               "  -h, --help        this text\n"
               "  --version         the version\n");
}

static int parse_mount_options(char *list, struct options *o) {
        for (char *opt = strtok(list, ","); opt; opt = strtok(NULL, ",")) {
                if (strncmp(opt, "idmap=", 6) == 0)
                        o->idmap = opt + 6;
                else if (strncmp(opt, "name=", 5) == 0)
                        o->name = opt + 5;
                else if (strcmp(opt, "ro") == 0)
                        o->readonly = true;
                else if (strcmp(opt, "rw") == 0)
                        o->readonly = false;
                else if (strcmp(opt, "debug") == 0)
                        o->debug = o->foreground = true;
                else if (strcmp(opt, "suid") == 0)
                        o->suid = true;
                else if (strcmp(opt, "noacl") == 0)
                        o->noacl = true;
                else if (strcmp(opt, "writeback") == 0)
                        o->writeback = true;
                else if (strcmp(opt, "nopassthrough") == 0)
                        o->nopassthrough = true;
                else if (strcmp(opt, "hostroot=deny") == 0)
                        o->hostroot = VPSFS_HOSTROOT_DENY;
                else if (strcmp(opt, "hostroot=vsu") == 0)
                        o->hostroot = VPSFS_HOSTROOT_VSU;
                else
                        return log_error_errno(-EINVAL, "unknown mount option '%s' (see --help)", opt);
        }
        return 0;
}

/* Returns 1 if the program should go on, 0 if it is done (help, version), or -errno. */
static int parse_argv(int argc, char **argv, struct options *o) {
        static const struct option long_options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "ready-fd", required_argument, NULL, 'R' },
                {},
        };
        int c, r;

        *o = (struct options) { .ready_fd = -1 };
        while ((c = getopt_long(argc, argv, "ho:fV", long_options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        print_help();
                        return 0;
                case 'V':
                        printf("vpsfs %s (libfuse %s)\n", VPS_VERSION, fuse_pkgversion());
                        return 0;
                case 'o':
                        if (o->n_lists == ELEMENTSOF(o->lists))
                                return log_error_errno(-E2BIG, "too many -o options");
                        o->lists[o->n_lists] = strdup(optarg);
                        if (!o->lists[o->n_lists])
                                return log_error_errno(-ENOMEM, "out of memory");
                        r = parse_mount_options(o->lists[o->n_lists++], o);
                        if (r < 0)
                                return r;
                        break;
                case 'f':
                        o->foreground = true;
                        break;
                case 'R':
                        r = safe_atoi(optarg, &o->ready_fd);
                        if (r < 0 || o->ready_fd < 0)
                                return log_error_errno(-EINVAL, "--ready-fd: '%s' is not a descriptor", optarg);
                        break;
                default:
                        return -EINVAL;
                }
        if (argc - optind != 2)
                return log_error_errno(-EINVAL, "expected BACKING and MOUNTPOINT (see --help)");
        o->backing = argv[optind];
        o->mountpoint = argv[optind + 1];
        if (!o->idmap)
                return log_error_errno(-EINVAL, "missing -o idmap=FILE");
        return 1;
}

/* <root>/NAME/rootfs gives NAME; any other BACKING its own last component. */
static int default_name(const char *backing, char **ret) {
        _cleanup_free_ char *a = strdup(backing), *b = strdup(backing);
        const char *base;

        if (!a || !b)
                return -ENOMEM;
        base = basename(a);
        if (strcmp(base, "rootfs") == 0)
                base = basename(dirname(b));
        *ret = strdup(base);
        return *ret ? 0 : -ENOMEM;
}

static size_t fd_cache_size(void) {
        struct rlimit rl;

        /* Raising the soft limit to the hard one needs no privilege. */
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 64;
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
        /* Leave most descriptors to open files and directories of the VPS's processes. */
        return MAX(16, MIN(FD_CACHE_MAX, rl.rlim_cur / 4));
}

static int fs_setup(struct vpsfs *fs, const struct options *o) {
        _cleanup_free_ char *error = NULL;
        int fd, r;

        r = idmap_load_at(AT_FDCWD, o->idmap, &fs->idmap, &error);
        if (r < 0)
                return log_error_errno(r, "cannot load the translation table: %s", error ? error : "");
        fd = open(o->backing, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "cannot open '%s': %m", o->backing);
        fs->root_fd = fd;
        r = idview_caps_init(fs);
        if (r < 0)
                return log_error_errno(r, "cannot read capabilities: %m");
        r = inode_table_init(fs, fd, fd_cache_size());
        if (r < 0)
                return log_error_errno(r, "cannot set up the inode table: %m");
        fs->readonly = o->readonly;
        fs->hostroot = o->hostroot;
        fs->writeback = o->writeback;
        fs->passthrough_wanted = !o->nopassthrough;
        fs->acl = !o->noacl;
        return 0;
}

static void fs_done(struct vpsfs *fs) {
        if (fs->table.slots)
                inode_table_done(fs);
        safe_close(fs->root_fd);
        idmap_free(fs->idmap);
}

static int mount_params(const struct options *o, const char *mountpoint, char **ret_name,
                        struct vpsfs_mount_params *ret) {
        _cleanup_free_ char *name = NULL;
        int r;

        if (o->name)
                name = strdup(o->name);
        else {
                r = default_name(o->backing, &name);
                if (r < 0)
                        return r;
        }
        if (!name)
                return -ENOMEM;
        /* -o splits at ',': such a NAME could not be given back as -o name=NAME. */
        if (strchr(name, ','))
                return log_error_errno(-EINVAL, "name must not contain ','");
        *ret = (struct vpsfs_mount_params) {
                .mountpoint = mountpoint,
                .name = name,
                .readonly = o->readonly,
                .suid = o->suid,
        };
        *ret_name = TAKE_PTR(name);
        return 0;
}

/* Without -f, vpsfs goes to the background, and the process that started it exits once the
 * mount is attached (0) or cannot be (1), as mount(8) returns; *ret_fd is the pipe the
 * attach thread tells it through. Before any thread starts: fork keeps none. */
static int daemonize(bool foreground, int *ret_fd) {
        int p[2];
        pid_t pid;
        char c;

        if (chdir("/") < 0)
                return log_error_errno(-errno, "cannot change to /: %m");
        if (foreground)
                return 0;
        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(-errno, "cannot make a pipe: %m");
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return log_error_errno(-errno, "cannot fork: %m");
        }
        if (pid > 0) {
                close(p[1]);
                _exit(read(p[0], &c, 1) == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
        }
        close(p[0]);
        if (setsid() < 0)
                log_warning_errno(-errno, "cannot start a session: %m");
        *ret_fd = p[1];
        return 0;
}

static int serve(struct vpsfs *fs, const struct options *o) {
        _cleanup_free_ char *name = NULL, *mnt_path = realpath(o->mountpoint, NULL);
        struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
        struct fuse_loop_config *cfg = NULL;
        struct vpsfs_mount_params mp;
        struct vpsfs_attach attach = {
                .fs = fs, .mnt_fd = -1, .mountpoint = mnt_path, .ready_fd = o->ready_fd, .parent_fd = -1,
                .lock = PTHREAD_MUTEX_INITIALIZER,
        };
        char max_read[32];
        int r, attach_r;

        /* Absolute: vpsfs mounts after the chdir("/") of daemonize(). */
        if (!mnt_path)
                return log_error_errno(-errno, "cannot mount on '%s': %m", o->mountpoint);
        r = mount_params(o, mnt_path, &name, &mp);
        if (r < 0)
                return r;
        /* libfuse checks that INIT's max_read is the one it was told of. */
        snprintf(max_read, sizeof(max_read), "-omax_read=%d", VPSFS_MAX_READ);
        if (fuse_opt_add_arg(&args, "vpsfs") < 0 || fuse_opt_add_arg(&args, max_read) < 0 ||
            (o->debug && fuse_opt_add_arg(&args, "-odebug") < 0)) {
                fuse_opt_free_args(&args);
                return -ENOMEM;
        }
        fs->se = fuse_session_new(&args, &vpsfs_ops, sizeof(vpsfs_ops), fs);
        fuse_opt_free_args(&args);
        if (!fs->se)
                return log_error_errno(-EINVAL, "cannot create the FUSE session");
        r = -EIO;
        if (fuse_set_signal_handlers(fs->se) < 0)
                goto out_destroy;
        /* Before the mount: a starter that held the connection would keep it alive. */
        r = daemonize(o->foreground, &attach.parent_fd);
        if (r < 0)
                goto out_signals;
        r = vpsfs_mount(&mp, &fs->dev_fd, &attach.mnt_fd);
        if (r < 0)
                goto out_signals;
        /* From here the session owns the descriptor and closes it when destroyed. */
        r = fuse_session_custom_io(fs->se, &passthrough_io, fs->dev_fd);
        if (r < 0) {
                log_error_errno(r, "cannot set up the FUSE session's I/O: %m");
                close(fs->dev_fd);
                goto out_signals;
        }
        r = vpsfs_attach_start(&attach);
        if (r < 0)
                goto out_signals;
        r = -EIO;
        cfg = fuse_loop_cfg_create();
        if (!cfg)
                goto out_signals;
        fuse_loop_cfg_set_max_threads(cfg, MAX_THREADS);
        fuse_loop_cfg_set_idle_threads(cfg, MAX_THREADS);
        memory_start();
        r = fuse_session_loop_mt(fs->se, cfg) < 0 ? -EIO : 0;
        memory_stop();
        fuse_loop_cfg_destroy(cfg);
out_signals:
        if (vpsfs_attach_stop(&attach))
                vpsfs_unmount(attach.mountpoint, fs->dev_fd);
        fuse_remove_signal_handlers(fs->se);
out_destroy:
        /* Closes the connection: an attach still waiting on it gives up. */
        fuse_session_destroy(fs->se);
        attach_r = vpsfs_attach_join(&attach);
        return r < 0 ? r : attach_r;
}

int main(int argc, char **argv) {
        struct vpsfs fs = { .root_fd = -1, .dev_fd = -1 };
        struct options o;
        int r;

        log_set_program("vpsfs");
        r = parse_argv(argc, argv, &o);
        if (r > 0) {
                if (o.debug)
                        log_set_level(LOG_LEVEL_DEBUG);
                r = fs_setup(&fs, &o);
                if (r >= 0)
                        r = serve(&fs, &o);
                fs_done(&fs);
        }
        for (size_t k = 0; k < o.n_lists; k++)
                free(o.lists[k]);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
