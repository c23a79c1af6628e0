/* A private temporary directory per test. Criterion runs every test in its own process, so
 * each gets its own mkdtemp() directory; .fini removes it whole, even after a failure. */
#pragma once

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/rm-rf.h"

static char test_dir[64];
static int test_dir_fd = -1;

static inline void test_dir_setup(void) {
        snprintf(test_dir, sizeof(test_dir), "/tmp/vps-test.XXXXXX");
        cr_assert_not_null(mkdtemp(test_dir));
        test_dir_fd = open(test_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(test_dir_fd, 0);
}

static inline void test_dir_teardown(void) {
        if (test_dir_fd >= 0)
                close(test_dir_fd);
        if (test_dir[0])
                rm_rf_path(test_dir);
}

/* Writes a small file below the test directory, for fixtures. */
static inline void test_write(const char *name, const char *content) {
        int fd = openat(test_dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        cr_assert_geq(fd, 0, "cannot create %s", name);
        cr_assert_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

/* The number of entries in dirfd, to see that no temporary file was left behind. */
static inline size_t test_count_entries(int dirfd) {
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fdopendir(fd);
        struct dirent *e;
        size_t n = 0;

        cr_assert_not_null(d);
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}
