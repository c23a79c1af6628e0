/* The alternative-ID translation table of a VPS: extents "virtual alt count", one list for
 * uids and one for gids, in the shape of /proc/PID/uid_map. The single source of truth for
 * the VPS's user-namespace maps and for vpsfs. Text form, one extent a line:
 *     u VUID ALT COUNT
 *     g VGID ALT COUNT
 * with '#' comments and blank lines. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDMAP_MAX_EXTENTS 340     /* the kernel's limit per map */
#define IDMAP_OVERFLOW_ID 65534u  /* how an unmapped ID is shown */

enum idmap_kind {
        IDMAP_UID,
        IDMAP_GID,
        _IDMAP_KIND_MAX,
};

struct idmap_extent {
        uint32_t virt;  /* first virtual ID */
        uint32_t alt;   /* first alternative (host) ID */
        uint32_t count;
};

struct idmap_list {
        size_t n;
        struct idmap_extent *by_virt; /* sorted by virt */
        struct idmap_extent *by_alt;  /* the same extents, sorted by alt */
};

struct idmap {
        struct idmap_list list[_IDMAP_KIND_MAX];
};

struct idmap *idmap_new(void);
void idmap_free(struct idmap *m);

/* Adds an extent after validating it against the rest of the list: count 0, wrapping past
 * 2^32-1, overlap of virtual or alternative ranges, mapping onto host ID 0 or (uid_t)-1 and
 * more than IDMAP_MAX_EXTENTS are refused with -EINVAL and a static reason. */
int idmap_add(struct idmap *m, enum idmap_kind kind, uint32_t virt, uint32_t alt, uint32_t count,
              const char **ret_reason);

/* Parses the text form. On failure returns -EINVAL (or -ENOMEM) and, if ret_error is
 * given, an allocated message "FILENAME:LINE: reason". */
int idmap_parse(const char *text, const char *filename, struct idmap **ret, char **ret_error);
int idmap_load_at(int dirfd, const char *path, struct idmap **ret, char **ret_error);

/* The text form, uids first, each list sorted by virtual ID. */
int idmap_format(const struct idmap *m, char **ret_text);

/* The kernel's uid_map / gid_map form: "virt alt count\n" per extent. */
int idmap_kernel_map(const struct idmap *m, enum idmap_kind kind, char **ret_text);

/* O(log n) look-ups both ways. -ENOENT when the ID is not in the table. */
int idmap_to_alt(const struct idmap *m, enum idmap_kind kind, uint32_t virt, uint32_t *ret_alt);
int idmap_to_virt(const struct idmap *m, enum idmap_kind kind, uint32_t alt, uint32_t *ret_virt);

/* Both tables hold the same extents. */
bool idmap_equal(const struct idmap *a, const struct idmap *b);

static inline void idmap_freep(struct idmap **m) {
        idmap_free(*m);
}
#define _cleanup_idmap_ __attribute__((cleanup(idmap_freep)))
