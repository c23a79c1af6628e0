/* Virtual super-users. The VSUID encoding of the seed (Eq. 1, FIG. 4-5 and 11): the host uid
 * of virtual uid VUID in the VPS with VPID is VPID << 16 | VUID, so the VSU (vuid 0) of VPID 1
 * is 0x00010000 -- an ordinary uid to the host. And the VSU list of a VPS (NAME/vsu, FIG. 14):
 * further vuids whose processes vpsmgr starts with the VSU capability set.
 *
 * File form: one decimal vuid a line, '#' comments and blank lines allowed; written sorted
 * and without duplicates. vuid 0 is always a VSU and is never stored: listing it in the
 * file is an error, vsu_list_add(0) is a no-op and vsu_list_remove(0) is refused. Listed
 * vuids are 1..65535, the virtual IDs of the VPS's default 65,536-ID block. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSU_SHIFT 16
#define VSU_BLOCK_SIZE (UINT32_C(1) << VSU_SHIFT)
#define VSU_VUID_MAX UINT32_C(65535)

/* Eq. 1 of the seed: the host (alternative) uid of vuid in the VPS with vpid. */
static inline uint32_t vsu_uid(uint16_t vpid, uint16_t vuid) {
        return (uint32_t) vpid << VSU_SHIFT | vuid;
}

/* Eq. 2 of the seed: what getuid() gives back inside the VPS, and the VPS it belongs to. */
static inline uint16_t vsu_vuid_of(uint32_t alt) {
        return (uint16_t) (alt & (VSU_BLOCK_SIZE - 1));
}

static inline uint16_t vsu_vpid_of(uint32_t alt) {
        return (uint16_t) (alt >> VSU_SHIFT);
}

struct vsu_list {
        size_t n;
        uint32_t *vuids; /* sorted, no duplicates, never 0 */
};

struct vsu_list *vsu_list_new(void);
void vsu_list_free(struct vsu_list *l);

/* 1 if vuid was added, 0 if it already was a VSU (always so for 0), -ERANGE above 65535. */
int vsu_list_add(struct vsu_list *l, uint32_t vuid);
/* 1 if vuid was removed, 0 if it was not listed, -EPERM for vuid 0 (root of the VPS). */
int vsu_list_remove(struct vsu_list *l, uint32_t vuid);
bool vsu_list_contains(const struct vsu_list *l, uint32_t vuid);

/* Parses the file form; on -EINVAL *ret_error (if given) says "FILENAME:LINE: reason". */
int vsu_list_parse(const char *text, const char *filename, struct vsu_list **ret, char **ret_error);
/* A missing file is an empty list (only vuid 0 is a VSU). */
int vsu_list_load_at(int dirfd, const char *path, struct vsu_list **ret, char **ret_error);
int vsu_list_format(const struct vsu_list *l, char **ret_text);
/* Atomic replacement (temporary, fsync, rename, fsync of the directory), mode 0600. */
int vsu_list_save_at(int dirfd, const char *path, const struct vsu_list *l);

static inline void vsu_list_freep(struct vsu_list **l) {
        vsu_list_free(*l);
}
#define _cleanup_vsu_list_ __attribute__((cleanup(vsu_list_freep)))
