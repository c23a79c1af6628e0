/* Whole-file reads and atomic replacement of small state files: a crash leaves either the
 * old or the new content, never a mix (write temporary, fsync, rename, fsync directory). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replaces dirfd/name with data. The temporary file lives in the same directory. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);
/* The same without the fsyncs: atomic (a reader sees old or new) but not durable, for
 * state that means nothing after the host restarts. */
int write_file_replace_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);

/* Reads all of dirfd/name (no symlink followed) into a NUL-terminated buffer, refusing
 * files over max_size bytes with -EFBIG. */
int read_file_at(int dirfd, const char *name, size_t max_size, char **ret_data, size_t *ret_size);

/* The same from an open descriptor of a regular file, read from its current offset. */
int read_fd(int fd, size_t max_size, char **ret_data, size_t *ret_size);

/* Writes a whole buffer, retrying on short writes and EINTR. */
int write_all(int fd, const void *data, size_t size);

/* Writes s to the existing file dirfd/name (no symlink followed, nothing created): for
 * kernel interface files, where each open-and-write is one command. */
int write_string_at(int dirfd, const char *name, const char *s);
