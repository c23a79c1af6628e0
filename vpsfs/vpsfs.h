/* vpsfs internals shared by the ops files: the filesystem instance, the inode table and the
 * translation helpers. Every handler resolves its fuse_ino_t through inode_acquire(), which
 * validates the number and pins a descriptor, and answers with exactly one fuse_reply_*. */
#pragma once

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/idmap.h"

#define VPSFS_TIMEOUT 86400.0 /* vpsfs is the only writer of BACKING, so caches stay true */
/* Half of a pipe's default maximum size (1 MiB), so that libfuse can splice a read reply
 * with its header; with 1 MiB reads it falls back to pread() and a copy. */
#define VPSFS_MAX_READ (512 * 1024)
/* The root directory under a second node ID, the one mounted (attach.c), and the name vpsfs
 * looks it up by in the root while it attaches the mount, which nobody else can reach. */
#define VPSFS_ROOT_ALIAS (((fuse_ino_t) 1 << 32) | FUSE_ROOT_ID)
#define VPSFS_ROOT_ALIAS_NAME ".vpsfs-root"

enum vpsfs_hostroot {
        VPSFS_HOSTROOT_DENY, /* host uid 0 may not create through the mount (EPERM) */
        VPSFS_HOSTROOT_VSU,  /* host uid/gid 0 create as the VPS's root (vid 0) */
};

struct inode {
        dev_t dev;
        ino_t ino;
        mode_t type;         /* S_IFMT bits, fixed for the life of the inode */
        uint32_t idx;        /* slot in the table; with gen forms the fuse_ino_t */
        uint32_t gen;
        uint64_t nlookup;    /* the kernel's references; freed when 0 */
        int fd;              /* cached O_PATH descriptor or -1 */
        unsigned fd_users;   /* handlers using fd right now: not evictable */
        unsigned opens;      /* open file handles the kernel holds */
        bool pinned;         /* fd must stay: no usable handle (see inode.c) */
        bool hashed;         /* findable by (dev, ino) */
        uint8_t xattr_absent;  /* VPSFS_XATTR_* known absent: answered without a syscall */
        bool in_slab;        /* from the table's slab, not malloc() */
        uint32_t xattr_gen;    /* bumped by every change of those through vpsfs */
        /* While the kernel holds open files of the inode (opens > 0): the passthrough
         * backing file they all share, or cached_io when they go through the loop. */
        int backing_id;
        bool cached_io;
        struct inode *hnext;
        struct inode *lru_prev, *lru_next;
        struct file_handle *handle; /* NULL when pinned */
};

/* slab.c: fixed-size objects in mmapped blocks, given back as blocks empty. */
struct slab {
        size_t size;
        struct slab_block *partial; /* blocks with a free object */
        struct slab_block *spare;   /* one empty block kept */
};
void slab_init(struct slab *s, size_t size);
void *slab_alloc(struct slab *s); /* zeroed; NULL when out of memory */
void slab_free(struct slab *s, void *p);
void slab_done(struct slab *s);

struct inode_table {
        pthread_mutex_t lock;
        struct slab inodes; /* inodes whose handle fits INODE_SLAB_HANDLE (inode.c) */
        struct inode **slots;
        uint32_t *slot_gen;
        uint32_t n_slots, cap_slots;
        uint32_t *free_idx;
        uint32_t n_free;
        uint32_t gen_floor;  /* above every generation forgotten by shrinking the arrays */
        uint32_t shrink_at;  /* slots in use at which shrinking is tried next */
        struct inode **buckets;
        size_t n_buckets, n_hashed;
        struct inode *lru_head, *lru_tail; /* most recently used first */
        size_t n_cached, max_cached;
        int mount_id; /* of the root; handles of other mounts cannot be reopened */
        int mount_fd; /* open_by_handle_at() wants a real (not O_PATH) descriptor */
};

struct vpsfs {
        struct idmap *idmap;
        int root_fd;
        bool readonly;
        bool acl;       /* POSIX ACLs enforced by the kernel (FUSE_CAP_POSIX_ACL) */
        bool writeback; /* asked for the kernel's writeback cache; in init: granted */
        bool passthrough_wanted;
        bool passthrough; /* granted at INIT (atomic: set by the thread that answered it) */
        bool init_done;   /* atomic */
        bool root_alias_open; /* atomic: VPSFS_ROOT_ALIAS_NAME finds the alias (attach.c) */
        int dev_fd;       /* the FUSE connection, owned by the session */
        enum vpsfs_hostroot hostroot;
        struct inode_table table;
        struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]; /* effective = permitted */
        struct fuse_session *se;
};

/* mount.c */
struct vpsfs_mount_params {
        const char *mountpoint;
        const char *name; /* in fsname=vpsfs:NAME */
        bool readonly;
        bool suid;
};
/* Opens the FUSE connection and makes a detached mount of it. */
int vpsfs_mount(const struct vpsfs_mount_params *p, int *ret_dev_fd, int *ret_mnt_fd);
void vpsfs_unmount(const char *mountpoint, int fd);

/* attach.c: a thread that puts the detached mount at its mount point, at the root's alias,
 * once the loop serves, then writes the ready byte. */
struct vpsfs_attach {
        struct vpsfs *fs;
        int mnt_fd;     /* the detached mount, taken by the thread */
        const char *mountpoint;
        int ready_fd;   /* -1 for none */
        int parent_fd;  /* daemonized: told as ready_fd is, then stdio goes to /dev/null */
        pthread_t thread;
        pthread_mutex_t lock;
        bool started, stopping, attached;
        int error;      /* the thread's failure, once joined */
};
int vpsfs_attach_start(struct vpsfs_attach *a);
/* After the loop: no attaching from now on. Whether the mount was attached. */
bool vpsfs_attach_stop(struct vpsfs_attach *a);
/* Once the connection is closed (so the thread cannot wait on it): the thread's error. */
int vpsfs_attach_join(struct vpsfs_attach *a);

/* passthrough.c: the session's I/O layer, and backing files for open regular files. */
extern const struct fuse_custom_io passthrough_io;
/* Registers fd's file as a backing file on the connection: its id, or 0 when passthrough
 * is off or the kernel refused (the file is then served through the loop). */
int passthrough_register(struct vpsfs *fs, int fd);
void passthrough_unregister(struct vpsfs *fs, int backing_id);
/* fuse_reply_open()/fuse_reply_create(), the reply naming backing_id if > 0. */
int passthrough_reply_open(fuse_req_t req, const struct fuse_file_info *fi, int backing_id);
int passthrough_reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi,
                             int backing_id);

/* inode.c */
int inode_table_init(struct vpsfs *fs, int root_fd, size_t max_cached);
void inode_table_done(struct vpsfs *fs);
/* Validates ino and pins the inode's O_PATH descriptor; release with inode_release(). */
int inode_acquire(struct vpsfs *fs, fuse_ino_t ino, struct inode **ret_inode, int *ret_fd);
void inode_release(struct vpsfs *fs, struct inode *i);
/* Looks name up in the directory parent_fd without following symlinks, takes one lookup
 * reference and fills e (attributes already translated). */
int inode_lookup(struct vpsfs *fs, int parent_fd, const char *name, struct fuse_entry_param *e);
/* The same for a file just created and opened as fd: also counts the open handle. */
int inode_ref_created(struct vpsfs *fs, int fd, struct fuse_entry_param *e);
/* The entry of VPSFS_ROOT_ALIAS. */
int inode_lookup_root_alias(struct vpsfs *fs, struct fuse_entry_param *e);
/* Whether ino is the root, under either node ID. */
bool inode_is_root(fuse_ino_t ino);
void inode_forget(struct vpsfs *fs, fuse_ino_t ino, uint64_t n);
/* Before a name of (dev, ino) goes away: a file the kernel has open gets its descriptor
 * cached, as an unlinked file cannot be reopened from its handle. After: forget the mapping
 * if the file is gone, keep its descriptor if it lives on unlinked. */
void inode_unlinking(struct vpsfs *fs, dev_t dev, ino_t ino);
void inode_unlinked(struct vpsfs *fs, dev_t dev, ino_t ino);
/* Counts open file handles (open/create +1, release -1): an unlinked file nobody has open
 * needs no descriptor kept. */
void inode_opened(struct vpsfs *fs, fuse_ino_t ino, int delta);
/* For an open handle just counted with fd, its file: the backing id every open of the inode
 * must name in its reply while any is open (see passthrough.c), or 0 for cached I/O. */
int inode_open_backing(struct vpsfs *fs, fuse_ino_t ino, int fd);
/* Opens the inode for I/O with flags (never follows a symlink stored in BACKING). */
int inode_reopen(struct vpsfs *fs, struct inode *i, int fd, int flags);
fuse_ino_t inode_nodeid(const struct inode *i);
/* The kernel asks for ACLs after every attribute refresh and refused permission check, and
 * for security.capability before every write (a capability to remove). vpsfs is the only
 * writer, so absence, once seen, stays true until one of them is set through vpsfs. */
bool inode_xattr_absent(struct vpsfs *fs, struct inode *i, int kind, uint32_t *ret_gen);
void inode_xattr_seen_absent(struct vpsfs *fs, struct inode *i, int kind, uint32_t gen);
void inode_xattr_changed(struct vpsfs *fs, struct inode *i);

/* memory.c: malloc policy and the trimmer thread; start after daemonizing (fork keeps no
 * threads), before the loop makes workers. */
void memory_start(void);
void memory_stop(void);
/* Hands free heap pages and mappings of code not running back to the kernel. */
void memory_trim(void);

/* idview.c */
void idview_stat(const struct vpsfs *fs, struct stat *st);
int idview_uid_to_virt(const struct vpsfs *fs, uid_t alt, uid_t *ret_virt);
int idview_gid_to_virt(const struct vpsfs *fs, gid_t alt, gid_t *ret_virt);
/* Makes the calling thread create files as the request's caller: fsuid/fsgid set to the
 * caller's virtual IDs, capabilities kept, umask the caller's. Undo with idview_end(). */
int idview_begin(struct vpsfs *fs, fuse_req_t req);
void idview_end(void);
int idview_caps_init(struct vpsfs *fs);
/* POSIX ACL xattr blobs: IDs translated in place. to_virt fails with -EINVAL on unmapped. */
enum {
        IDVIEW_ACL_ACCESS = 1,
        IDVIEW_ACL_DEFAULT = 2,
};
/* IDVIEW_ACL_ACCESS or IDVIEW_ACL_DEFAULT for the two ACL names, 0 for anything else. */
int idview_acl_kind(const char *name);
bool idview_is_acl(const char *name);
/* The attributes whose absence the inode table remembers (xattr_absent): the two ACLs and
 * security.capability. */
enum {
        VPSFS_XATTR_ACL_ACCESS = IDVIEW_ACL_ACCESS,
        VPSFS_XATTR_ACL_DEFAULT = IDVIEW_ACL_DEFAULT,
        VPSFS_XATTR_CAPS = 4,
};
int idview_acl_to_virt(const struct vpsfs *fs, void *value, size_t size);
int idview_acl_to_alt(const struct vpsfs *fs, void *value, size_t size);

/* ops-*.c */
extern const struct fuse_lowlevel_ops vpsfs_ops;
void vpsfs_op_init(void *userdata, struct fuse_conn_info *conn);
void vpsfs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void vpsfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void vpsfs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void vpsfs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void vpsfs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void vpsfs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void vpsfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void vpsfs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void vpsfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void vpsfs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                     const char *newname, unsigned int flags);
void vpsfs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                      struct fuse_file_info *fi);
void vpsfs_op_readlink(fuse_req_t req, fuse_ino_t ino);
void vpsfs_op_statfs(fuse_req_t req, fuse_ino_t ino);
void vpsfs_op_access(fuse_req_t req, fuse_ino_t ino, int mask);
void vpsfs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                      struct fuse_file_info *fi);
void vpsfs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi);
void vpsfs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vpsfs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     struct fuse_file_info *fi);
void vpsfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void vpsfs_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf, off_t off,
                        struct fuse_file_info *fi);
void vpsfs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vpsfs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vpsfs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                        struct fuse_file_info *fi);
void vpsfs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);
void vpsfs_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                              struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
                              struct fuse_file_info *fi_out, size_t len, int flags);
void vpsfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                       size_t size, int flags);
void vpsfs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void vpsfs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void vpsfs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* Shared by the ops files. */
static inline struct vpsfs *vpsfs_of(fuse_req_t req) {
        return fuse_req_userdata(req);
}

/* inode_acquire() that answers the request with the error when it fails (the one reply). */
bool vpsfs_acquire_or_reply(fuse_req_t req, fuse_ino_t ino, struct inode **ret_inode, int *ret_fd);
/* Answers an error (r < 0) or the entry e. An entry the kernel no longer wants (its caller
 * was interrupted) gets its lookup reference back, as no forget will ever come for it. */
void vpsfs_reply_entry(fuse_req_t req, struct vpsfs *fs, int r, const struct fuse_entry_param *e);
/* Checks name, then acquires the directory parent it is to be used in. */
int vpsfs_acquire_named(struct vpsfs *fs, fuse_ino_t parent, const char *name, struct inode **ret_inode,
                        int *ret_fd);

/* A name the client may use in a directory: not empty, no '/' (-EINVAL), at most NAME_MAX
 * bytes (-ENAMETOOLONG). */
int vpsfs_name_check(const char *name);
/* "/proc/self/fd/N" for reaching an O_PATH descriptor with calls that take no fd. */
#define VPSFS_PROC_FD_MAX 32
void vpsfs_proc_fd(int fd, char buf[static VPSFS_PROC_FD_MAX]);
