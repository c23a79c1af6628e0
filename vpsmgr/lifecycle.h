/* Bringing a VPS name into being and taking it away, for create (and its roll-back) and
 * destroy.
 *
 * The names lock is flock() on the state root directory itself. create holds it from making
 * NAME to allocating its pool entry, destroy from removing NAME to releasing the entry. Without
 * it a create of NAME could slip in between a destroy's removal and its release, and the
 * release would free the new VPS's entry. Lock order: a VPS's lock first, then this one. */
#pragma once

/* Returns the lock fd (closing it releases the lock). */
int vps_names_lock(int root_fd);

/* Removes root/NAME (no symlink followed, no mount crossed) and then frees its pool entry,
 * in pool.h's crash-safe order, under the names lock. An entry already gone is fine.
 * -EXDEV: something is still mounted inside (the rest was removed, the entry is kept). Pool
 * errors come with "FILE:LINE: reason" in *ret_error. */
int vps_remove(int root_fd, const char *name, char **ret_error);
