/* VPIDs and alternative-ID blocks. The default is the seed's encoding: VPID v owns the 65,536
 * IDs from v << 16, used for both uids and gids. Valid VPIDs are 1..65534 (0's block holds
 * host root, 65535's holds (uid_t)-1). A VPID whose block overlaps an ID the host uses
 * (common/hostids.h) or another VPS's block is skipped.
 *
 * File <root>/pool, one entry a line, '#' comments allowed, sorted by VPID:
 *     VPID BASE COUNT NAME
 * Every change happens under flock(<root>/pool.lock) and replaces the file atomically. A
 * malformed file is an error naming file and line, never silently reset.
 *
 * Crash rule. Callers keep this order:
 *   create:  vpsdb_create_vps(NAME), then pool_alloc(NAME), then write NAME/config etc.
 *   destroy: stop the VPS, remove the directory NAME entirely, then pool_release(NAME).
 * So a pool entry whose directory is missing is always a destroy that crashed before its
 * release: pool_alloc() and pool_release() drop such orphans (under the lock) before they
 * do their own change. A directory without an entry (create crashed before alloc) holds no
 * block: vpsmgr reports it and destroy removes it (release then gives -ENOENT). No block is
 * handed out twice: an entry is dropped only once its directory is gone.
 * One corner: a destroy crashed before release, then a new VPS of the same name was created
 * before any other alloc. pool_alloc(NAME) then gives -EEXIST; the caller, which has just
 * created NAME itself, knows the entry is the old VPS's, calls pool_release(NAME) and
 * allocates again. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/hostids.h"
#include "common/vpsdb.h"

#define POOL_VPID_MIN 1u
#define POOL_VPID_MAX 65534u
#define POOL_BLOCK_SIZE 65536u
#define POOL_FILE "pool"
#define POOL_LOCK_FILE "pool.lock"

struct pool_entry {
        uint32_t vpid;
        uint32_t base;  /* first alternative ID of the block */
        uint32_t count;
        char name[VPS_NAME_MAX + 1];
};

struct pool {
        size_t n;
        struct pool_entry *entries; /* sorted by vpid */
};

struct pool *pool_new(void);
void pool_free(struct pool *p);

/* Adds an entry, refusing (-EINVAL, static reason) an invalid VPID or name, an empty block,
 * one containing ID 0 or (uid_t)-1, and a VPID, name or block another entry has. */
int pool_add(struct pool *p, const struct pool_entry *e, const char **ret_reason);
int pool_parse(const char *text, const char *filename, struct pool **ret, char **ret_error);
int pool_format(const struct pool *p, char **ret_text);
/* Reads <root>/pool without the lock (it is replaced atomically); missing = empty. */
int pool_load(int root_fd, struct pool **ret, char **ret_error);

/* Allocates a VPID and its block for NAME, whose directory must exist (-ENOENT otherwise).
 * want_vpid 0 takes the lowest free VPID (-ENOSPC if none); another is taken exactly, or
 * refused: -ERANGE outside 1..65534, -EBUSY if another VPS has it (or its block),
 * -EADDRINUSE if its block overlaps IDs of the host. -EEXIST if NAME has an entry. Errors
 * in the pool or host files are -EINVAL with "FILE:LINE: reason" in *ret_error. */
int pool_alloc(int root_fd, const struct host_id_files *host, const char *name, uint32_t want_vpid,
               struct pool_entry *ret_entry, char **ret_error);
/* Frees NAME's entry; -ENOENT if it has none. */
int pool_release(int root_fd, const char *name, char **ret_error);

/* Look-ups in a loaded pool; -ENOENT if there is no such entry. pool_find_id() finds the
 * block an alternative uid or gid falls into (for "whois --uid"). */
int pool_find_vpid(const struct pool *p, uint32_t vpid, const struct pool_entry **ret);
int pool_find_name(const struct pool *p, const char *name, const struct pool_entry **ret);
int pool_find_id(const struct pool *p, uint32_t alt_id, const struct pool_entry **ret);

static inline void pool_freep(struct pool **p) {
        pool_free(*p);
}
#define _cleanup_pool_ __attribute__((cleanup(pool_freep)))
