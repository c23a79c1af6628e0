/* Reading a directory given as a descriptor without giving the descriptor up: the stream
 * gets its own, so closedir() leaves the caller's open and its position untouched. */
#pragma once

#include <dirent.h>

/* Opens a stream on the directory fd (a new open of ".", not a dup: its own position). */
int dir_stream_at(int fd, DIR **ret);

/* The next entry other than "." and "..": 1 with *ret set, 0 at the end, or -errno. */
int dir_next(DIR *d, struct dirent **ret);

/* 1 if the directory fd has no entry but "." and "..", 0 if it has one, or -errno. */
int dir_is_empty_at(int fd);
