/* fsbench: times one metadata row of the file-system benchmark (create, stat or unlink of
 * COUNT empty files in one directory) with clock_gettime and prints one machine-readable
 * line. run-fsbench calls it natively and through vpsfs, drops caches, and takes medians. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/parse.h"

#define DEFAULT_COUNT 20000U

enum fsbench_row {
        ROW_CREATE,
        ROW_STAT_WARM,
        ROW_STAT_COLD,
        ROW_UNLINK,
        _ROW_MAX,
};

static const char *const row_names[_ROW_MAX] = {
        [ROW_CREATE] = "create",
        [ROW_STAT_WARM] = "stat-warm",
        [ROW_STAT_COLD] = "stat-cold",
        [ROW_UNLINK] = "unlink",
};

static void file_name(unsigned i, char ret_name[static 16]) {
        snprintf(ret_name, 16, "f%07u", i);
}

static int do_create(int dir_fd, unsigned count) {
        char name[16];

        for (unsigned i = 0; i < count; i++) {
                int fd;

                file_name(i, name);
                fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0)
                        return log_error_errno(negative_errno(), "cannot create '%s': %m", name);
                close(fd);
        }
        return 0;
}

static int do_stat(int dir_fd, unsigned count) {
        char name[16];
        struct stat st;

        for (unsigned i = 0; i < count; i++) {
                file_name(i, name);
                if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return log_error_errno(negative_errno(), "cannot stat '%s': %m", name);
                /* An empty regular file, or the row measured something else. */
                if (!S_ISREG(st.st_mode) || st.st_size != 0)
                        return log_error_errno(-EUCLEAN, "'%s' is not an empty regular file", name);
        }
        return 0;
}

static int do_unlink(int dir_fd, unsigned count) {
        char name[16];

        for (unsigned i = 0; i < count; i++) {
                file_name(i, name);
                if (unlinkat(dir_fd, name, 0) < 0)
                        return log_error_errno(negative_errno(), "cannot unlink '%s': %m", name);
        }
        return 0;
}

static int64_t timespec_ns(const struct timespec *ts) {
        return (int64_t) ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static double timeval_s(const struct timeval *tv) {
        return (double) tv->tv_sec + (double) tv->tv_usec / 1e6;
}

static int run_row(enum fsbench_row row, int dir_fd, unsigned count) {
        switch (row) {
        case ROW_CREATE:
                return do_create(dir_fd, count);
        case ROW_STAT_WARM:
        case ROW_STAT_COLD:
                return do_stat(dir_fd, count);
        case ROW_UNLINK:
                return do_unlink(dir_fd, count);
        case _ROW_MAX:
                break;
        }
        return -EINVAL;
}

static void print_help(void) {
        printf("Usage: fsbench [--count N] DIR ROW\n"
               "\n"
               "Times one row of the file-system benchmark on the files DIR/f0000000 ... and prints\n"
               "  row=ROW count=N seconds=SECS ns_per_op=NS ops_per_s=OPS user_s=SECS sys_s=SECS\n"
               "\n"
               "Rows:\n"
               "  create     create N empty files (DIR must not hold them yet)\n"
               "  stat-warm  stat the N files once untimed, then time a second pass\n"
               "  stat-cold  time one pass of stat (the caller drops caches first)\n"
               "  unlink     unlink the N files\n"
               "\n"
               "Options:\n"
               "  -n, --count N  number of files (default %u)\n"
               "  -h, --help     this text\n",
               DEFAULT_COUNT);
}

static int parse_row(const char *s, enum fsbench_row *ret_row) {
        for (size_t i = 0; i < ELEMENTSOF(row_names); i++)
                if (strcmp(s, row_names[i]) == 0) {
                        *ret_row = (enum fsbench_row) i;
                        return 0;
                }
        return -EINVAL;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_close_ int dir_fd = -1;
        struct timespec t0, t1;
        struct rusage ru0, ru1;
        unsigned count = DEFAULT_COUNT;
        enum fsbench_row row;
        int64_t ns;
        int c, r;

        log_set_program("fsbench");
        while ((c = getopt_long(argc, argv, "n:h", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        if (safe_atou32(optarg, &count) < 0 || count == 0 || count > 9999999) {
                                log_error("invalid count '%s' (1 to 9999999)", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'h':
                        print_help();
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }
        if (argc - optind != 2) {
                log_error("expected DIR and ROW (see 'fsbench --help')");
                return EXIT_FAILURE;
        }
        if (parse_row(argv[optind + 1], &row) < 0) {
                log_error("unknown row '%s' (see 'fsbench --help')", argv[optind + 1]);
                return EXIT_FAILURE;
        }

        dir_fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                log_error_errno(negative_errno(), "cannot open '%s': %m", argv[optind]);
                return EXIT_FAILURE;
        }

        if (row == ROW_STAT_WARM && do_stat(dir_fd, count) < 0)
                return EXIT_FAILURE;

        getrusage(RUSAGE_SELF, &ru0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = run_row(row, dir_fd, count);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        getrusage(RUSAGE_SELF, &ru1);
        if (r < 0)
                return EXIT_FAILURE;

        ns = timespec_ns(&t1) - timespec_ns(&t0);
        printf("row=%s count=%u seconds=%.6f ns_per_op=%.0f ops_per_s=%.0f user_s=%.3f sys_s=%.3f\n",
               row_names[row], count, (double) ns / 1e9, (double) ns / count,
               (double) count * 1e9 / (double) (ns > 0 ? ns : 1),
               timeval_s(&ru1.ru_utime) - timeval_s(&ru0.ru_utime),
               timeval_s(&ru1.ru_stime) - timeval_s(&ru0.ru_stime));
        return EXIT_SUCCESS;
}
