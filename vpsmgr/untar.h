/* Unpacking a root filesystem tarball into a VPS's empty backing directory with GNU tar, run
 * as host root so that owners (virtual IDs, kept numerically), modes, xattrs, ACLs, device
 * nodes and hard links come out as stored. Compression (gzip, bzip2, xz, zstd) is recognised
 * by content, not by file name.
 *
 * Hostile members cannot land outside the directory: tar gets no path at all (it reads the
 * archive on stdin and runs in the directory), strips leading '/' and '../' from member and
 * link names, and creates a symlink whose target is absolute or climbs with '..' only after
 * every other member, so no member is written through one (tests/integration check this). */
#pragma once

/* Unpacks the archive open at tarfd (read from offset 0) into the directory rootfd; a signal
 * noted by vpsmgr/interrupt.h is passed on to tar. On
 * failure returns -errno with *ret_error (if not NULL) saying why, for example tar's first
 * line of complaint; rootfd then holds a partial tree that the caller removes. */
int untar(int tarfd, int rootfd, char **ret_error);

/* The tar option that decompresses a stream starting with these bytes, or NULL for an
 * uncompressed archive. */
const char *untar_compression_option(const unsigned char *head, size_t size);
