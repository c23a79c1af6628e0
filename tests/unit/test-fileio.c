/* Atomic replacement and bounded reads of state files, on a real temporary directory. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"

static char dir[] = "/tmp/vps-test-fileio.XXXXXX";
static int dirfd_ = -1;

static void setup(void) {
        cr_assert_not_null(mkdtemp(dir));
        dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dirfd_, 0);
}

static void teardown(void) {
        DIR *d = fdopendir(dirfd_);
        struct dirent *e;

        while (d && (e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        unlinkat(dirfd(d), e->d_name, 0);
        if (d)
                closedir(d);
        rmdir(dir);
}

TestSuite(fileio, .init = setup, .fini = teardown);

static size_t count_entries(void) {
        int fd = openat(dirfd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fdopendir(fd);
        size_t n = 0;
        struct dirent *e;

        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

Test(fileio, write_then_replace) {
        char *data = NULL;
        size_t size = 0;
        struct stat st;

        cr_assert_eq(write_file_atomic_at(dirfd_, "config", "a = 1\n", 6, 0640), 0);
        cr_assert_eq(write_file_atomic_at(dirfd_, "config", "b = 2\n", 6, 0600), 0);
        cr_assert_eq(read_file_at(dirfd_, "config", 1024, &data, &size), 0);
        cr_expect_str_eq(data, "b = 2\n");
        cr_expect_eq(size, 6);
        cr_assert_eq(fstatat(dirfd_, "config", &st, 0), 0);
        cr_expect_eq(st.st_mode & 07777, 0600);
        cr_expect_eq(count_entries(), 1, "a temporary file was left behind");
        free(data);
}

Test(fileio, read_refuses_large_and_symlinks) {
        char *data = NULL;
        char big[100];

        memset(big, 'x', sizeof(big));
        cr_assert_eq(write_file_atomic_at(dirfd_, "big", big, sizeof(big), 0600), 0);
        cr_expect_eq(read_file_at(dirfd_, "big", 99, &data, NULL), -EFBIG);
        cr_expect_eq(read_file_at(dirfd_, "big", 100, &data, NULL), 0);
        free(data);
        cr_assert_eq(symlinkat("big", dirfd_, "link"), 0);
        cr_expect_eq(read_file_at(dirfd_, "link", 100, &data, NULL), -ELOOP);
        cr_expect_eq(read_file_at(dirfd_, "missing", 100, &data, NULL), -ENOENT);
}

Test(fileio, empty_file) {
        char *data = NULL;
        size_t size = 1;

        cr_assert_eq(write_file_atomic_at(dirfd_, "empty", "", 0, 0600), 0);
        cr_assert_eq(read_file_at(dirfd_, "empty", 10, &data, &size), 0);
        cr_expect_str_eq(data, "");
        cr_expect_eq(size, 0);
        free(data);
}

Test(fileio, write_string_only_to_existing_files) {
        char *data = NULL;

        cr_expect_eq(write_string_at(dirfd_, "missing", "1"), -ENOENT);
        cr_expect_eq(count_entries(), 0, "write_string_at created a file");
        cr_assert_eq(write_file_atomic_at(dirfd_, "knob", "0123", 4, 0600), 0);
        cr_assert_eq(write_string_at(dirfd_, "knob", "1"), 0);
        cr_assert_eq(read_file_at(dirfd_, "knob", 10, &data, NULL), 0);
        cr_expect_str_eq(data, "1123", "an interface-file write must not truncate");
        free(data);
        cr_assert_eq(symlinkat("knob", dirfd_, "link"), 0);
        cr_expect_eq(write_string_at(dirfd_, "link", "1"), -ELOOP);
}

Test(fileio, read_refuses_fifo_without_blocking) {
        char *data = NULL;

        cr_assert_eq(mkfifoat(dirfd_, "fifo", 0600), 0);
        cr_expect_eq(read_file_at(dirfd_, "fifo", 100, &data, NULL), -EBADF);
}
