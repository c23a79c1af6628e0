/* Fixed-size objects in blocks mapped for them alone, so that what the inode table frees goes
 * back to the kernel as soon as a block empties. From malloc's heap, tens of thousands of
 * forgotten inodes left holes that libfuse's per-worker request buffers (512 KiB) were later
 * carved from, dirty, for the life of the worker. Not thread-safe: the caller's lock is. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "common/macro.h"
#include "vpsfs/vpsfs.h"

/* Under ASan a freed object is poisoned as malloc()'s would be, so that CI still catches a
 * use after free; an unmapped block is unpoisoned, for whatever is mapped there next. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void) (addr), (void) (size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void) (addr), (void) (size))
#endif

#define BLOCK_SIZE (64 * 1024)

struct slab_object {
        struct slab_object *next;
};

/* At the start of each block, which is aligned to BLOCK_SIZE so that an object finds it. */
struct slab_block {
        struct slab_block *prev, *next; /* in the list of blocks with a free object */
        struct slab_object *free;       /* objects freed in this block */
        size_t used;                    /* objects ever handed out: the rest were never touched */
        size_t live;
        bool listed;
};

static size_t header_size(void) {
        return (sizeof(struct slab_block) + 15) & ~(size_t) 15;
}

static size_t capacity(const struct slab *s) {
        return (BLOCK_SIZE - header_size()) / s->size;
}

static struct slab_block *block_of(void *p) {
        return (struct slab_block *) ((uintptr_t) p & ~(uintptr_t) (BLOCK_SIZE - 1));
}

static void list_add(struct slab *s, struct slab_block *b) {
        b->prev = NULL;
        b->next = s->partial;
        if (s->partial)
                s->partial->prev = b;
        s->partial = b;
        b->listed = true;
}

static void list_del(struct slab *s, struct slab_block *b) {
        if (b->prev)
                b->prev->next = b->next;
        else
                s->partial = b->next;
        if (b->next)
                b->next->prev = b->prev;
        b->listed = false;
}

/* mmap() aligns to pages only: map twice the size and unmap what lies outside the block. */
static struct slab_block *block_new(void) {
        uint8_t *p = mmap(NULL, 2 * BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        uintptr_t start;
        size_t head;

        if (p == MAP_FAILED)
                return NULL;
        start = ((uintptr_t) p + BLOCK_SIZE - 1) & ~(uintptr_t) (BLOCK_SIZE - 1);
        head = start - (uintptr_t) p;
        if (head > 0)
                (void) munmap(p, head);
        (void) munmap((uint8_t *) start + BLOCK_SIZE, BLOCK_SIZE - head);
        return (struct slab_block *) start; /* fresh anonymous memory: already zero */
}

static void block_unmap(struct slab_block *b) {
        ASAN_UNPOISON_MEMORY_REGION(b, BLOCK_SIZE);
        (void) munmap(b, BLOCK_SIZE);
}

void slab_init(struct slab *s, size_t size) {
        *s = (struct slab) { .size = (MAX(size, sizeof(struct slab_object)) + 15) & ~(size_t) 15 };
}

void *slab_alloc(struct slab *s) {
        struct slab_block *b = s->partial;
        struct slab_object *o;

        if (!b) {
                b = s->spare ? s->spare : block_new();
                if (!b)
                        return NULL;
                s->spare = NULL;
                list_add(s, b);
        }
        if (b->free) {
                o = b->free;
                ASAN_UNPOISON_MEMORY_REGION(o, s->size);
                b->free = o->next;
        } else
                o = (struct slab_object *) ((uint8_t *) b + header_size() + b->used++ * s->size);
        if (++b->live == capacity(s))
                list_del(s, b);
        memset(o, 0, s->size);
        return o;
}

/* An emptied block goes back to the kernel, but one is kept as a spare, so that a table
 * hovering at a block's edge does not map and unmap on every create and forget. */
void slab_free(struct slab *s, void *p) {
        struct slab_block *b = block_of(p);
        struct slab_object *o = p;

        o->next = b->free;
        b->free = o;
        ASAN_POISON_MEMORY_REGION(o, s->size);
        if (!b->listed)
                list_add(s, b);
        if (--b->live > 0)
                return;
        list_del(s, b);
        if (s->spare) {
                block_unmap(b);
                return;
        }
        /* The spare's pages go too; they come back zero, an empty header included, and its
         * objects are handed out again from the start, so none may stay poisoned. */
        ASAN_UNPOISON_MEMORY_REGION(b, BLOCK_SIZE);
        (void) madvise(b, BLOCK_SIZE, MADV_DONTNEED);
        s->spare = b;
}

/* Every object must have been freed. */
void slab_done(struct slab *s) {
        if (s->spare)
                block_unmap(s->spare);
        s->spare = NULL;
}
