/* Mounting the session. Where the kernel offers synchronous FUSE_INIT (FUSE_DEV_IOC_SYNC_INIT,
 * Linux 6.18), mount(2) waits until the loop has answered INIT, so the root inode is created
 * knowing that POSIX ACLs are on and its ACL is cached like any other inode's. With the
 * classic asynchronous INIT the kernel makes the root first and marks its ACL uncacheable:
 * then every path walk through the root by a caller who does not own it costs a round trip
 * to the daemon for the root's ACL. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "vpsfs/vpsfs.h" /* FUSE_USE_VERSION, then <fuse_lowlevel.h> */

struct vpsfs_mount {
        /* Set by the caller. */
        const char *mountpoint; /* absolute: the daemon may chdir("/") */
        const char *fsname;     /* "vpsfs:NAME" */
        bool readonly;
        bool suid;
        int ready_fd;           /* gets one byte once the mount is live, or -1 */

        /* Ours. */
        bool sync_init;
        char *data;
        pthread_t thread;
        bool thread_started;
        atomic_bool mounted;
};

/* Before fuse_daemonize(): classic INIT mounts at once; synchronous INIT (only in the
 * foreground, where a failed mount can still be reported) hands the session a prepared
 * /dev/fuse descriptor. */
int vpsfs_mount_prepare(struct fuse_session *se, struct vpsfs_mount *m, bool foreground);

/* Right before the loop: with synchronous INIT starts the thread that mounts while the loop
 * answers INIT; then (in either case) widens readahead and signals --ready-fd. */
int vpsfs_mount_start(struct vpsfs_mount *m);

/* After the loop: unmounts (lazily if busy) and frees. */
void vpsfs_mount_finish(struct fuse_session *se, struct vpsfs_mount *m);
