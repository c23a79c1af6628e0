/* The inode table: one entry per backing inode the kernel holds a lookup reference to, keyed
 * by (st_dev, st_ino). An entry keeps a file handle rather than a descriptor, so the number of
 * inodes is not bounded by RLIMIT_NOFILE; a bounded LRU cache of O_PATH descriptors makes the
 * common case cheap, and evicted descriptors are reopened with open_by_handle_at(). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "vpsfs/vpsfs.h"

#define ROOT_IDX 1u
/* The arrays never shrink below their starting size; they grow by doubling and shrink, once
 * mostly empty, to a quarter full at most, so a table near one size does not flap. */
#define MIN_SLOTS 1024u
#define MIN_BUCKETS 1024u
#define SHRINK_FRACTION 8u
/* Handles up to this size (ext4's are 8 bytes, btrfs's 20) make an inode of slab size; a
 * larger one comes from malloc(). */
#define INODE_SLAB_HANDLE 24u

struct handle_buf {
        struct file_handle fh;
        unsigned char buf[MAX_HANDLE_SZ];
};

fuse_ino_t inode_nodeid(const struct inode *i) {
        return ((fuse_ino_t) i->gen << 32) | i->idx;
}

bool inode_is_root(fuse_ino_t ino) {
        return ino == FUSE_ROOT_ID || ino == VPSFS_ROOT_ALIAS;
}

/* Slot and generation of a node ID; the root's alias is the root's slot. */
static uint32_t slot_of(fuse_ino_t ino, uint32_t *ret_gen) {
        if (ino == VPSFS_ROOT_ALIAS)
                ino = FUSE_ROOT_ID;
        *ret_gen = (uint32_t) (ino >> 32);
        return (uint32_t) ino;
}

/* The inode a node ID names, or NULL if it names none (any more). */
static struct inode *slot_locked(struct inode_table *t, fuse_ino_t ino) {
        uint32_t gen, idx = slot_of(ino, &gen);

        return idx < t->n_slots && t->slots[idx] && t->slots[idx]->gen == gen ? t->slots[idx] : NULL;
}

static size_t hash_bucket(const struct inode_table *t, dev_t dev, ino_t ino) {
        uint64_t h = (uint64_t) ino * 0x9E3779B97F4A7C15ull ^ (uint64_t) dev;

        return (size_t) (h ^ (h >> 31)) & (t->n_buckets - 1);
}

static struct inode *hash_find(const struct inode_table *t, dev_t dev, ino_t ino) {
        for (struct inode *i = t->buckets[hash_bucket(t, dev, ino)]; i; i = i->hnext)
                if (i->ino == ino && i->dev == dev)
                        return i;
        return NULL;
}

static int hash_resize(struct inode_table *t, size_t n) {
        struct inode **b = calloc(n, sizeof(*b));
        struct inode **old = t->buckets;
        size_t old_n = t->n_buckets;

        if (!b)
                return -ENOMEM;
        t->buckets = b;
        t->n_buckets = n;
        for (size_t k = 0; k < old_n; k++)
                for (struct inode *i = old[k], *next; i; i = next) {
                        size_t h = hash_bucket(t, i->dev, i->ino);

                        next = i->hnext;
                        i->hnext = b[h];
                        b[h] = i;
                }
        free(old);
        return 0;
}

static void hash_insert(struct inode_table *t, struct inode *i) {
        size_t h = hash_bucket(t, i->dev, i->ino);

        i->hnext = t->buckets[h];
        t->buckets[h] = i;
        i->hashed = true;
        t->n_hashed++;
}

static void hash_remove(struct inode_table *t, struct inode *i) {
        struct inode **p = &t->buckets[hash_bucket(t, i->dev, i->ino)];

        if (!i->hashed)
                return;
        while (*p != i)
                p = &(*p)->hnext;
        *p = i->hnext;
        i->hashed = false;
        t->n_hashed--;
}

static void lru_unlink(struct inode_table *t, struct inode *i) {
        if (i->lru_prev)
                i->lru_prev->lru_next = i->lru_next;
        else
                t->lru_head = i->lru_next;
        if (i->lru_next)
                i->lru_next->lru_prev = i->lru_prev;
        else
                t->lru_tail = i->lru_prev;
        i->lru_prev = i->lru_next = NULL;
}

static void lru_push(struct inode_table *t, struct inode *i) {
        i->lru_prev = NULL;
        i->lru_next = t->lru_head;
        if (t->lru_head)
                t->lru_head->lru_prev = i;
        else
                t->lru_tail = i;
        t->lru_head = i;
}

/* Only descriptors that can be reopened from a handle live in the LRU. */
static bool in_lru(const struct inode *i) {
        return i->fd >= 0 && !i->pinned;
}

static void evict_locked(struct inode_table *t) {
        struct inode *i = t->lru_tail;

        while (t->n_cached > t->max_cached && i) {
                struct inode *prev = i->lru_prev;

                if (i->fd_users == 0 && i->opens == 0) {
                        lru_unlink(t, i);
                        i->fd = safe_close(i->fd);
                        t->n_cached--;
                }
                i = prev;
        }
}

static void cache_fd_locked(struct inode_table *t, struct inode *i, int fd) {
        i->fd = fd;
        if (i->pinned)
                return;
        lru_push(t, i);
        t->n_cached++;
        evict_locked(t);
}

/* The kernel has closed every file of i (or i goes away): its backing file is no longer
 * named by any open, and the next open may choose again. */
static void end_io_locked(struct vpsfs *fs, struct inode *i) {
        passthrough_unregister(fs, i->backing_id);
        i->backing_id = 0;
        i->cached_io = false;
}

static void inode_free(struct inode_table *t, struct inode *i) {
        if (i->in_slab)
                slab_free(&t->inodes, i);
        else
                free(i);
}

static void destroy_locked(struct vpsfs *fs, struct inode *i) {
        struct inode_table *t = &fs->table;

        end_io_locked(fs, i);
        if (in_lru(i)) {
                lru_unlink(t, i);
                t->n_cached--;
        }
        safe_close(i->fd);
        inode_free(t, i);
}

static int slot_alloc(struct inode_table *t, struct inode *i) {
        uint32_t idx;

        if (t->n_free > 0)
                idx = t->free_idx[--t->n_free];
        else {
                if (t->n_slots == t->cap_slots) {
                        uint32_t cap = t->cap_slots * 2;
                        struct inode **s = realloc(t->slots, cap * sizeof(*s));
                        uint32_t *g, *f;

                        if (!s)
                                return -ENOMEM;
                        t->slots = s;
                        g = realloc(t->slot_gen, cap * sizeof(*g));
                        if (!g)
                                return -ENOMEM;
                        t->slot_gen = g;
                        f = realloc(t->free_idx, cap * sizeof(*f));
                        if (!f)
                                return -ENOMEM;
                        t->free_idx = f;
                        memset(g + t->cap_slots, 0, (cap - t->cap_slots) * sizeof(*g));
                        t->cap_slots = cap;
                        t->shrink_at = cap / SHRINK_FRACTION;
                }
                idx = t->n_slots++;
                /* Its generation may have been forgotten when the arrays last shrank. */
                t->slot_gen[idx] = MAX(t->slot_gen[idx], t->gen_floor);
        }
        /* A reused slot gets a new generation, so a stale fuse_ino_t never matches. */
        if (++t->slot_gen[idx] == 0)
                t->slot_gen[idx] = 1;
        t->slots[idx] = i;
        i->idx = idx;
        i->gen = t->slot_gen[idx];
        return 0;
}

int inode_table_init(struct vpsfs *fs, int root_fd, size_t max_cached) {
        struct inode_table *t = &fs->table;
        struct handle_buf h = { .fh.handle_bytes = MAX_HANDLE_SZ };
        struct inode *root;
        struct stat st;

        if (fstat(root_fd, &st) < 0)
                return -errno;
        if (name_to_handle_at(root_fd, "", &h.fh, &t->mount_id, AT_EMPTY_PATH) < 0)
                t->mount_id = -1; /* no handles on this fs: every inode pins its fd */
        t->mount_fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t->mount_fd < 0)
                return -errno;
        t->cap_slots = MIN_SLOTS;
        t->shrink_at = 0;
        t->n_slots = ROOT_IDX + 1;
        t->slots = calloc(t->cap_slots, sizeof(*t->slots));
        t->slot_gen = calloc(t->cap_slots, sizeof(*t->slot_gen));
        t->free_idx = calloc(t->cap_slots, sizeof(*t->free_idx));
        t->n_buckets = MIN_BUCKETS;
        t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
        root = calloc(1, sizeof(*root));
        if (!t->slots || !t->slot_gen || !t->free_idx || !t->buckets || !root) {
                free(root);
                return -ENOMEM;
        }
        t->max_cached = max_cached;
        slab_init(&t->inodes, sizeof(struct inode) + sizeof(struct file_handle) + INODE_SLAB_HANDLE);
        pthread_mutex_init(&t->lock, NULL);

        /* The root keeps its descriptor for the life of the mount; gen 0 makes it FUSE_ROOT_ID. */
        *root = (struct inode) {
                .dev = st.st_dev, .ino = st.st_ino, .type = S_IFDIR, .idx = ROOT_IDX,
                .nlookup = 1, .fd = root_fd, .pinned = true,
        };
        t->slots[ROOT_IDX] = root;
        hash_insert(t, root);
        return 0;
}

void inode_table_done(struct vpsfs *fs) {
        struct inode_table *t = &fs->table;

        for (uint32_t k = 0; k < t->n_slots; k++)
                if (t->slots && t->slots[k] && k != ROOT_IDX)
                        destroy_locked(fs, t->slots[k]);
        if (t->slots)
                free(t->slots[ROOT_IDX]); /* its fd is fs->root_fd, closed by the caller */
        free(t->slots);
        free(t->slot_gen);
        free(t->free_idx);
        free(t->buckets);
        slab_done(&t->inodes);
        safe_close(t->mount_fd);
        pthread_mutex_destroy(&t->lock);
}

/* Pins i's descriptor, reopening it from the handle if the cache dropped it. Called with
 * fd_users already raised, without the lock. */
static int pin_fd(struct vpsfs *fs, struct inode *i, int *ret_fd) {
        struct inode_table *t = &fs->table;
        int fd;

        if (!i->handle) /* pinned inodes keep their descriptor; never here, but never crash */
                return -ESTALE;
        fd = open_by_handle_at(fs->table.mount_fd, i->handle, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        pthread_mutex_lock(&t->lock);
        if (i->fd >= 0) {
                safe_close(fd);
                fd = i->fd;
        } else
                cache_fd_locked(t, i, fd);
        pthread_mutex_unlock(&t->lock);
        *ret_fd = fd;
        return 0;
}

int inode_acquire(struct vpsfs *fs, fuse_ino_t ino, struct inode **ret_inode, int *ret_fd) {
        struct inode_table *t = &fs->table;
        struct inode *i;
        int fd, r;

        pthread_mutex_lock(&t->lock);
        i = slot_locked(t, ino);
        if (!i) {
                pthread_mutex_unlock(&t->lock);
                return -ESTALE;
        }
        i->fd_users++;
        fd = i->fd;
        if (in_lru(i) && t->lru_head != i) {
                lru_unlink(t, i);
                lru_push(t, i);
        }
        pthread_mutex_unlock(&t->lock);

        if (fd < 0) {
                r = pin_fd(fs, i, &fd);
                if (r < 0) {
                        inode_release(fs, i);
                        return r;
                }
        }
        *ret_inode = i;
        *ret_fd = fd;
        return 0;
}

void inode_release(struct vpsfs *fs, struct inode *i) {
        struct inode_table *t = &fs->table;

        pthread_mutex_lock(&t->lock);
        /* The kernel may forget an inode while a handler still uses it; the last user frees. */
        if (--i->fd_users == 0 && i->nlookup == 0)
                destroy_locked(fs, i);
        pthread_mutex_unlock(&t->lock);
}

static void fill_entry(const struct vpsfs *fs, const struct inode *i, const struct stat *st,
                       struct fuse_entry_param *e) {
        *e = (struct fuse_entry_param) {
                .ino = inode_nodeid(i),
                .attr = *st,
                .attr_timeout = VPSFS_TIMEOUT,
                .entry_timeout = VPSFS_TIMEOUT,
        };
        idview_stat(fs, &e->attr);
}

/* Finds (dev, ino) and takes a lookup reference; a stale entry of another type (the name was
 * replaced behind vpsfs's back) is dropped from the hash so that it is not confused. */
static struct inode *ref_existing_locked(struct inode_table *t, const struct stat *st) {
        struct inode *i = hash_find(t, st->st_dev, st->st_ino);

        if (i && i->type != (st->st_mode & S_IFMT)) {
                hash_remove(t, i);
                return NULL;
        }
        if (i)
                i->nlookup++;
        return i;
}

static struct inode *inode_new(struct inode_table *t, const struct stat *st, const struct file_handle *fh) {
        size_t hsize = fh ? sizeof(*fh) + fh->handle_bytes : 0;
        bool in_slab = sizeof(struct inode) + hsize <= t->inodes.size;
        struct inode *i = in_slab ? slab_alloc(&t->inodes) : calloc(1, sizeof(*i) + hsize);

        if (!i)
                return NULL;
        i->in_slab = in_slab;
        i->dev = st->st_dev;
        i->ino = st->st_ino;
        i->type = st->st_mode & S_IFMT;
        i->nlookup = 1;
        i->fd = -1;
        if (fh) {
                i->handle = (struct file_handle *) (i + 1);
                memcpy(i->handle, fh, hsize);
        } else
                i->pinned = true;
        return i;
}

static int insert_locked(struct vpsfs *fs, struct inode *i) {
        struct inode_table *t = &fs->table;
        int r;

        if (t->n_hashed >= t->n_buckets) {
                r = hash_resize(t, t->n_buckets * 2);
                if (r < 0)
                        return r;
        }
        r = slot_alloc(t, i);
        if (r < 0)
                return r;
        hash_insert(t, i);
        return 0;
}

/* Takes a lookup reference on the inode st describes, making it if new with the handle fh
 * (NULL: none usable) and caching owned (-1: none); opening counts an open handle. */
static int ref_stat(struct vpsfs *fs, const struct stat *st, const struct file_handle *fh, int owned,
                    bool opening, struct fuse_entry_param *e) {
        struct inode_table *t = &fs->table;
        struct inode *i;
        int r = 0;

        pthread_mutex_lock(&t->lock);
        i = ref_existing_locked(t, st);
        if (!i) {
                i = inode_new(t, st, fh);
                if (!i)
                        r = -ENOMEM;
                else if ((r = insert_locked(fs, i)) < 0)
                        inode_free(t, i);
        }
        if (r >= 0 && opening)
                i->opens++;
        if (r >= 0 && i->fd < 0 && owned >= 0)
                cache_fd_locked(t, i, TAKE_FD(owned));
        if (r >= 0)
                fill_entry(fs, i, st, e);
        pthread_mutex_unlock(&t->lock);
        safe_close(owned);
        return r;
}

/* fd: an open descriptor of the entry; own: whether the table may keep it (if not, it keeps
 * a duplicate when it needs one); opening: the kernel gets an open handle with this. */
static int ref_fd(struct vpsfs *fs, int fd, bool own, bool opening, struct fuse_entry_param *e) {
        struct handle_buf h = { .fh.handle_bytes = MAX_HANDLE_SZ };
        _cleanup_close_ int owned = own ? fd : -1;
        bool have_handle;
        struct stat st;
        int mount_id;

        if (fstat(fd, &st) < 0)
                return -errno;
        /* Handles of another mount (a submount in BACKING) or of a filesystem without export
         * support cannot be reopened through root_fd: such inodes pin their descriptor. */
        have_handle = name_to_handle_at(fd, "", &h.fh, &mount_id, AT_EMPTY_PATH) == 0 &&
                      mount_id == fs->table.mount_id;
        if (owned < 0 && !have_handle) {
                owned = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (owned < 0)
                        return -errno;
        }
        return ref_stat(fs, &st, have_handle ? &h.fh : NULL, TAKE_FD(owned), opening, e);
}

/* A new inode by name without opening it: the handle, then a second fstatat() to check that
 * the name still denotes what st describes. Through vpsfs nothing can change the name in
 * between (the kernel holds the directory for the lookup); if something behind vpsfs's back
 * did, the caller falls back to opening. */
static int ref_name(struct vpsfs *fs, int parent_fd, const char *name, const struct stat *st,
                    struct fuse_entry_param *e) {
        struct handle_buf h = { .fh.handle_bytes = MAX_HANDLE_SZ };
        struct stat again;
        int mount_id;

        if (name_to_handle_at(parent_fd, name, &h.fh, &mount_id, 0) < 0 || mount_id != fs->table.mount_id)
                return -EAGAIN;
        if (fstatat(parent_fd, name, &again, AT_SYMLINK_NOFOLLOW) < 0 || again.st_ino != st->st_ino ||
            again.st_dev != st->st_dev || ((again.st_mode ^ st->st_mode) & S_IFMT))
                return -EAGAIN;
        return ref_stat(fs, &again, &h.fh, -1, false, e);
}

int inode_ref_created(struct vpsfs *fs, int fd, struct fuse_entry_param *e) {
        return ref_fd(fs, fd, false, true, e);
}

int inode_lookup_root_alias(struct vpsfs *fs, struct fuse_entry_param *e) {
        struct inode_table *t = &fs->table;
        struct stat st;

        if (fstat(fs->root_fd, &st) < 0)
                return -errno;
        pthread_mutex_lock(&t->lock);
        fill_entry(fs, t->slots[ROOT_IDX], &st, e);
        pthread_mutex_unlock(&t->lock);
        e->ino = VPSFS_ROOT_ALIAS;
        return 0;
}

int inode_lookup(struct vpsfs *fs, int parent_fd, const char *name, struct fuse_entry_param *e) {
        struct inode_table *t = &fs->table;
        struct inode *i;
        struct stat st;
        int fd, r;

        /* Fast path: a known inode costs one fstatat() and no descriptor. */
        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        pthread_mutex_lock(&t->lock);
        i = ref_existing_locked(t, &st);
        if (i)
                fill_entry(fs, i, &st, e);
        pthread_mutex_unlock(&t->lock);
        if (i)
                return 0;

        r = ref_name(fs, parent_fd, name, &st, e);
        if (r != -EAGAIN)
                return r;
        fd = openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return ref_fd(fs, fd, true, false, e);
}

/* The smallest power of two, at least min, that holds n at most a quarter full. */
static size_t shrunk_size(size_t n, size_t min) {
        size_t size = min;

        while (size < 4 * n)
                size *= 2;
        return size;
}

/* Slots can only go down to the highest one in use, since a slot's index is part of the
 * fuse_ino_t the kernel holds; the free list is rebuilt to hand out the lowest first, which
 * keeps that index low. If a slot in use holds the arrays up, the next try waits until half
 * as many are in use. */
static void slots_shrink_locked(struct inode_table *t) {
        uint32_t top = t->n_slots - 1, cap;
        struct inode **s;
        uint32_t *g, *f;

        while (top > ROOT_IDX && !t->slots[top])
                top--;
        cap = (uint32_t) shrunk_size(top + 1, MIN_SLOTS);
        if (cap >= t->cap_slots) {
                t->shrink_at = (t->n_slots - t->n_free) / 2;
                return;
        }
        for (uint32_t k = cap; k < t->cap_slots; k++)
                t->gen_floor = MAX(t->gen_floor, t->slot_gen[k]);
        /* The free list in descending order, so that the lowest is taken first. */
        t->n_slots = top + 1;
        t->n_free = 0;
        for (uint32_t k = top; k > ROOT_IDX; k--)
                if (!t->slots[k])
                        t->free_idx[t->n_free++] = k;
        /* Should realloc() fail to shrink one, the old array stays, larger than cap. */
        s = realloc(t->slots, cap * sizeof(*s));
        if (s)
                t->slots = s;
        g = realloc(t->slot_gen, cap * sizeof(*g));
        if (g)
                t->slot_gen = g;
        f = realloc(t->free_idx, cap * sizeof(*f));
        if (f)
                t->free_idx = f;
        t->cap_slots = cap;
        t->shrink_at = cap / SHRINK_FRACTION;
}

/* After the kernel forgot most inodes (drop_caches, rm -rf of a large tree), the arrays
 * sized for the peak go back to the allocator, and from there, once the daemon is quiet, to
 * the kernel (memory.c). */
static void table_shrink_locked(struct inode_table *t) {
        if (t->cap_slots > MIN_SLOTS && t->n_slots - t->n_free <= t->shrink_at)
                slots_shrink_locked(t);
        if (t->n_buckets > MIN_BUCKETS && t->n_hashed <= t->n_buckets / SHRINK_FRACTION)
                (void) hash_resize(t, shrunk_size(t->n_hashed, MIN_BUCKETS));
}

void inode_forget(struct vpsfs *fs, fuse_ino_t ino, uint64_t n) {
        struct inode_table *t = &fs->table;
        struct inode *i;

        pthread_mutex_lock(&t->lock);
        i = slot_locked(t, ino);
        /* The root is never forgotten. */
        if (i && i->idx != ROOT_IDX) {
                i->nlookup -= MIN(n, i->nlookup);
                if (i->nlookup == 0) {
                        hash_remove(t, i);
                        t->slots[i->idx] = NULL;
                        t->free_idx[t->n_free++] = i->idx;
                        if (i->fd_users == 0)
                                destroy_locked(fs, i);
                        table_shrink_locked(t);
                }
        }
        pthread_mutex_unlock(&t->lock);
}

void inode_unlinking(struct vpsfs *fs, dev_t dev, ino_t ino) {
        struct inode_table *t = &fs->table;
        struct inode *i;
        int fd;

        pthread_mutex_lock(&t->lock);
        i = hash_find(t, dev, ino);
        if (i && (i->fd >= 0 || i->opens == 0))
                i = NULL;
        if (i)
                i->fd_users++;
        pthread_mutex_unlock(&t->lock);
        /* Open, so not evictable once cached; the handle still works while it has a name. */
        if (i) {
                (void) pin_fd(fs, i, &fd);
                inode_release(fs, i);
        }
}

void inode_unlinked(struct vpsfs *fs, dev_t dev, ino_t ino) {
        struct inode_table *t = &fs->table;
        struct inode *i;
        struct stat st;
        int fd, r;

        pthread_mutex_lock(&t->lock);
        i = hash_find(t, dev, ino);
        if (i && i->fd < 0 && i->opens == 0 && !S_ISDIR(i->type)) {
                /* Its last name is gone and nobody has it open: nothing can reach it. */
                hash_remove(t, i);
                i = NULL;
        }
        if (i)
                i->fd_users++;
        fd = i ? i->fd : -1;
        pthread_mutex_unlock(&t->lock);
        if (!i)
                return;

        r = fd >= 0 ? 0 : pin_fd(fs, i, &fd);
        if (r >= 0 && fstat(fd, &st) < 0)
                r = -errno;
        pthread_mutex_lock(&t->lock);
        if (r < 0 || st.st_nlink == 0) {
                /* Gone: its inode number may be reused by a new file, which must not find this
                 * entry. An unlinked file still open cannot be reopened from its handle, so its
                 * descriptor stays. */
                hash_remove(t, i);
                if (r >= 0 && in_lru(i)) {
                        lru_unlink(t, i);
                        t->n_cached--;
                        i->pinned = true;
                }
        }
        pthread_mutex_unlock(&t->lock);
        inode_release(fs, i);
}

void inode_opened(struct vpsfs *fs, fuse_ino_t ino, int delta) {
        struct inode *i;

        pthread_mutex_lock(&fs->table.lock);
        i = slot_locked(&fs->table, ino);
        if (i) {
                i->opens += (unsigned) delta;
                /* A release comes only after the kernel let go of the file, so at 0 no open
                 * file of the inode is left that names the backing file. */
                if (i->opens == 0)
                        end_io_locked(fs, i);
        }
        pthread_mutex_unlock(&fs->table.lock);
}

int inode_open_backing(struct vpsfs *fs, fuse_ino_t ino, int fd) {
        struct inode *i;
        int id = 0;

        /* The first open since all were closed decides, for all until they are closed
         * again: the kernel refuses a second backing file for an inode, and a cached open
         * beside a passthrough one. Under the lock, so that concurrent opens agree. */
        pthread_mutex_lock(&fs->table.lock);
        i = slot_locked(&fs->table, ino);
        if (i && S_ISREG(i->type)) {
                if (i->backing_id == 0 && !i->cached_io) {
                        i->backing_id = passthrough_register(fs, fd);
                        i->cached_io = i->backing_id == 0;
                }
                id = i->backing_id;
        }
        pthread_mutex_unlock(&fs->table.lock);
        return id;
}

int inode_reopen(struct vpsfs *fs, struct inode *i, int fd, int flags) {
        char path[VPSFS_PROC_FD_MAX];
        int r;

        /* O_NONBLOCK: no effect on regular-file I/O, but should a fifo ever stand where a
         * file was (behind vpsfs's back), opening it cannot block a worker. */
        flags = (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC | O_NONBLOCK;
        if (!i->pinned)
                r = open_by_handle_at(fs->table.mount_fd, i->handle, flags);
        else {
                /* The magic link leads to the inode itself, never through a stored symlink. */
                vpsfs_proc_fd(fd, path);
                r = open(path, flags);
        }
        return r < 0 ? -errno : r;
}

bool inode_xattr_absent(struct vpsfs *fs, struct inode *i, int kind, uint32_t *ret_gen) {
        bool absent;

        pthread_mutex_lock(&fs->table.lock);
        absent = i->xattr_absent & kind;
        *ret_gen = i->xattr_gen;
        pthread_mutex_unlock(&fs->table.lock);
        return absent;
}

void inode_xattr_seen_absent(struct vpsfs *fs, struct inode *i, int kind, uint32_t gen) {
        pthread_mutex_lock(&fs->table.lock);
        /* Only if no ACL change raced with the look-up that saw it absent. */
        if (i->xattr_gen == gen)
                i->xattr_absent |= (uint8_t) kind;
        pthread_mutex_unlock(&fs->table.lock);
}

void inode_xattr_changed(struct vpsfs *fs, struct inode *i) {
        pthread_mutex_lock(&fs->table.lock);
        i->xattr_gen++;
        i->xattr_absent = 0;
        pthread_mutex_unlock(&fs->table.lock);
}
