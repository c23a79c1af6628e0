/* vpsfs's slab (vpsfs/slab.c): zeroed objects, reuse of freed ones, blocks that empty and are
 * filled again. Under ASan a reused object must not still be poisoned from its free. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "vpsfs/vpsfs.h"

#define OBJ 144
/* More than one 64 KiB block holds, so that blocks fill, empty and come back. */
#define N 2000

static bool all_zero(const unsigned char *p, size_t n) {
        for (size_t k = 0; k < n; k++)
                if (p[k])
                        return false;
        return true;
}

Test(slab, objects_are_zeroed_and_distinct) {
        static unsigned char *o[N];
        struct slab s;

        slab_init(&s, OBJ);
        for (int k = 0; k < N; k++) {
                o[k] = slab_alloc(&s);
                cr_assert_not_null(o[k]);
                cr_assert(all_zero(o[k], OBJ), "object %d is not zeroed", k);
                memset(o[k], 0xa5, OBJ);
        }
        for (int k = 1; k < N; k++)
                cr_assert_neq(o[k - 1], o[k]);
        for (int k = 0; k < N; k++)
                slab_free(&s, o[k]);
        slab_done(&s);
}

/* Every block emptied (one kept as the spare), then filled again: the objects handed out from
 * the spare were freed (and, under ASan, poisoned) in its previous life. */
Test(slab, emptied_blocks_are_filled_again) {
        static unsigned char *o[N];
        struct slab s;

        slab_init(&s, OBJ);
        for (int round = 0; round < 3; round++) {
                for (int k = 0; k < N; k++) {
                        o[k] = slab_alloc(&s);
                        cr_assert_not_null(o[k]);
                        cr_assert(all_zero(o[k], OBJ), "round %d: object %d is not zeroed", round, k);
                        memset(o[k], 0x5a, OBJ);
                }
                /* Out of order, so that free lists and block lists both get exercised. */
                for (int k = 0; k < N; k += 2)
                        slab_free(&s, o[k]);
                for (int k = 1; k < N; k += 2)
                        slab_free(&s, o[k]);
        }
        slab_done(&s);
}
