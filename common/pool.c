/* VPID and ID-block allocation: the pool file, its lock, and the choice of a free VPID. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/parse.h"
#include "common/pool.h"
#include "common/textfile.h"
#include "common/vsu.h"

#define POOL_MAX_FILE (16 * 1024 * 1024)

struct pool *pool_new(void) {
        return calloc(1, sizeof(struct pool));
}

void pool_free(struct pool *p) {
        if (!p)
                return;
        free(p->entries);
        free(p);
}

static bool blocks_overlap(const struct pool_entry *a, const struct pool_entry *b) {
        return (uint64_t) a->base < (uint64_t) b->base + b->count &&
               (uint64_t) b->base < (uint64_t) a->base + a->count;
}

static const char *entry_reason(const struct pool *p, const struct pool_entry *e) {
        if (e->vpid < POOL_VPID_MIN || e->vpid > POOL_VPID_MAX)
                return "VPID not in 1..65534";
        if (vps_name_check(e->name, NULL) < 0)
                return "invalid VPS name";
        if (e->count == 0)
                return "block of 0 IDs";
        if (e->base == 0 || (uint64_t) e->base + e->count > UINT32_MAX)
                return "block contains ID 0 or (uid_t)-1, or wraps past 2^32-1";
        for (size_t i = 0; i < p->n; i++) {
                if (p->entries[i].vpid == e->vpid)
                        return "VPID already allocated";
                if (strcmp(p->entries[i].name, e->name) == 0)
                        return "VPS name already has a VPID";
                if (blocks_overlap(&p->entries[i], e))
                        return "block overlaps another VPS's block";
        }
        return NULL;
}

int pool_add(struct pool *p, const struct pool_entry *e, const char **ret_reason) {
        const char *reason = entry_reason(p, e);
        struct pool_entry *entries;
        size_t i;

        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EINVAL;
        }
        entries = realloc(p->entries, (p->n + 1) * sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        p->entries = entries;
        for (i = p->n; i > 0 && entries[i - 1].vpid > e->vpid; i--)
                entries[i] = entries[i - 1];
        entries[i] = *e;
        p->n++;
        return 0;
}

static void pool_remove_at(struct pool *p, size_t i) {
        memmove(&p->entries[i], &p->entries[i + 1], (p->n - i - 1) * sizeof(struct pool_entry));
        p->n--;
}

static int parse_line(char *line, const struct line_location *where, void *userdata,
                      char **ret_error) {
        static const char *const names[] = { "VPID", "BASE", "COUNT" };
        struct pool *p = userdata;
        struct pool_entry e = {};
        uint32_t v[3];
        const char *reason;
        char *fields[4];
        int r;

        if (split_blanks(line, fields, 4) != 4)
                return error_at(ret_error, where->filename, where->line,
                                "expected four fields: VPID BASE COUNT NAME");
        for (int i = 0; i < 3; i++)
                if (safe_atou32(fields[i], &v[i]) < 0)
                        return error_at(ret_error, where->filename, where->line,
                                        "%s '%.32s' is not a number below 2^32", names[i], fields[i]);
        if (strlen(fields[3]) > VPS_NAME_MAX)
                return error_at(ret_error, where->filename, where->line, "invalid VPS name");
        e.vpid = v[0];
        e.base = v[1];
        e.count = v[2];
        strcpy(e.name, fields[3]);
        r = pool_add(p, &e, &reason);
        if (r == -EINVAL)
                return error_at(ret_error, where->filename, where->line, "%s", reason);
        return r;
}

int pool_parse(const char *text, const char *filename, struct pool **ret, char **ret_error) {
        _cleanup_pool_ struct pool *p = pool_new();
        int r;

        if (!p)
                return -ENOMEM;
        r = text_parse_lines(text, filename, parse_line, p, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int pool_format(const struct pool *p, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len = 0;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs("# VPID BASE COUNT NAME -- written by vpsmgr under pool.lock\n", f);
        for (size_t i = 0; i < p->n; i++) {
                const struct pool_entry *e = &p->entries[i];

                fprintf(f, "%" PRIu32 " %" PRIu32 " %" PRIu32 " %s\n", e->vpid, e->base, e->count, e->name);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int pool_load(int root_fd, struct pool **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = text_load_at(root_fd, POOL_FILE, POOL_MAX_FILE, true, &text, ret_error);
        if (r < 0)
                return r;
        return pool_parse(text, POOL_FILE, ret, ret_error);
}

static int pool_save(int root_fd, const struct pool *p) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = pool_format(p, &text);
        if (r < 0)
                return r;
        return write_file_atomic_at(root_fd, POOL_FILE, text, strlen(text), 0600);
}

int pool_find_vpid(const struct pool *p, uint32_t vpid, const struct pool_entry **ret) {
        for (size_t i = 0; i < p->n; i++)
                if (p->entries[i].vpid == vpid) {
                        *ret = &p->entries[i];
                        return 0;
                }
        return -ENOENT;
}

int pool_find_name(const struct pool *p, const char *name, const struct pool_entry **ret) {
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->entries[i].name, name) == 0) {
                        *ret = &p->entries[i];
                        return 0;
                }
        return -ENOENT;
}

int pool_find_id(const struct pool *p, uint32_t alt_id, const struct pool_entry **ret) {
        for (size_t i = 0; i < p->n; i++)
                if (alt_id >= p->entries[i].base && alt_id - p->entries[i].base < p->entries[i].count) {
                        *ret = &p->entries[i];
                        return 0;
                }
        return -ENOENT;
}

/* The crash rule (pool.h): an entry whose directory is gone belongs to a destroy that died
 * before its release. Anything but a clear "no such file" keeps the entry. */
static void drop_orphans(int root_fd, struct pool *p) {
        for (size_t i = p->n; i > 0; i--) {
                struct stat st;

                if (fstatat(root_fd, p->entries[i - 1].name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
                        log_debug("pool: dropping VPID %" PRIu32 " of '%s', whose directory is gone",
                                  p->entries[i - 1].vpid, p->entries[i - 1].name);
                        pool_remove_at(p, i - 1);
                }
        }
}

/* Runs op on the pool under the lock and saves the result if op succeeds. */
typedef int (*pool_op_t)(int root_fd, struct pool *p, void *userdata, char **ret_error);

static int pool_transaction(int root_fd, pool_op_t op, void *userdata, char **ret_error) {
        _cleanup_close_ int lock_fd = -1;
        _cleanup_pool_ struct pool *p = NULL;
        int r;

        lock_fd = vpsdb_lock_at(root_fd, POOL_LOCK_FILE, true);
        if (lock_fd < 0)
                return lock_fd;
        r = pool_load(root_fd, &p, ret_error);
        if (r < 0)
                return r;
        r = op(root_fd, p, userdata, ret_error);
        if (r < 0)
                return r;
        return pool_save(root_fd, p);
}

enum vpid_state {
        VPID_FREE,
        VPID_HOST,  /* its block overlaps IDs of the host */
        VPID_TAKEN, /* another VPS has the VPID or an overlapping block */
};

/* Marks every VPID whose default block overlaps start..start+count-1. */
static void mark_block(uint8_t *state, uint64_t start, uint64_t count, enum vpid_state s) {
        for (uint64_t v = start >> VSU_SHIFT; v <= (start + count - 1) >> VSU_SHIFT; v++)
                state[v] = (uint8_t) s;
}

static int choose_vpid(const struct pool *p, const struct id_ranges *host, uint32_t want, uint32_t *ret) {
        _cleanup_free_ uint8_t *state = calloc(POOL_VPID_MAX + 2, 1);

        if (!state)
                return -ENOMEM;
        for (size_t i = 0; i < host->n; i++)
                mark_block(state, host->ranges[i].start, host->ranges[i].count, VPID_HOST);
        for (size_t i = 0; i < p->n; i++) {
                mark_block(state, p->entries[i].base, p->entries[i].count, VPID_TAKEN);
                state[p->entries[i].vpid] = VPID_TAKEN;
        }
        if (want != 0) {
                if (state[want] != VPID_FREE)
                        return state[want] == VPID_TAKEN ? -EBUSY : -EADDRINUSE;
                *ret = want;
                return 0;
        }
        for (uint32_t v = POOL_VPID_MIN; v <= POOL_VPID_MAX; v++)
                if (state[v] == VPID_FREE) {
                        *ret = v;
                        return 0;
                }
        return -ENOSPC;
}

struct alloc_request {
        const struct host_id_files *host;
        const char *name;
        uint32_t want;
        struct pool_entry result;
};

static int alloc_op(int root_fd, struct pool *p, void *userdata, char **ret_error) {
        struct alloc_request *req = userdata;
        struct id_ranges host = {};
        const struct pool_entry *existing;
        struct stat st;
        uint32_t vpid;
        int r;

        if (pool_find_name(p, req->name, &existing) >= 0)
                return -EEXIST;
        /* The directory comes first (pool.h), so that this entry is never an orphan. */
        if (fstatat(root_fd, req->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        drop_orphans(root_fd, p);
        r = hostids_load(req->host, &host, ret_error);
        if (r < 0)
                return r;
        r = choose_vpid(p, &host, req->want, &vpid);
        id_ranges_done(&host);
        if (r < 0)
                return r;
        req->result = (struct pool_entry) { .vpid = vpid, .base = vpid << VSU_SHIFT, .count = POOL_BLOCK_SIZE };
        strcpy(req->result.name, req->name);
        return pool_add(p, &req->result, NULL);
}

int pool_alloc(int root_fd, const struct host_id_files *host, const char *name, uint32_t want_vpid,
               struct pool_entry *ret_entry, char **ret_error) {
        struct alloc_request req = { .host = host, .name = name, .want = want_vpid };
        int r;

        if (vps_name_check(name, NULL) < 0)
                return -EINVAL;
        if (want_vpid != 0 && (want_vpid < POOL_VPID_MIN || want_vpid > POOL_VPID_MAX))
                return -ERANGE;
        r = pool_transaction(root_fd, alloc_op, &req, ret_error);
        if (r < 0)
                return r;
        *ret_entry = req.result;
        return 0;
}

static int release_op(int root_fd, struct pool *p, void *userdata, char **ret_error) {
        const struct pool_entry *e;
        int r;

        r = pool_find_name(p, userdata, &e);
        if (r < 0)
                return r;
        pool_remove_at(p, (size_t) (e - p->entries));
        drop_orphans(root_fd, p);
        return 0;
}

int pool_release(int root_fd, const char *name, char **ret_error) {
        if (vps_name_check(name, NULL) < 0)
                return -EINVAL;
        return pool_transaction(root_fd, release_op, (void *) name, ret_error);
}
