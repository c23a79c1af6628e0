/* vpsfs: placeholder entry point until the daemon lands (issue 3). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
        if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("Usage: vpsfs BACKING MOUNTPOINT -o idmap=FILE[,ro][,debug] [-f]\n"
                       "(the daemon is not built yet)\n");
                return 0;
        }
        fprintf(stderr, "vpsfs: not built yet\n");
        return 1;
}
