/* Option parsing shared by the verbs: getopt_long with our own one-line messages instead of
 * getopt's, and the checks of positional arguments, so that every verb reports bad input the
 * same way ("vpsmgr: create: unknown option '--frobnicate'"). */
#pragma once

#include <getopt.h>
#include <stdint.h>

/* Starts parsing argv (argv[0] is the verb) from the top again. */
void args_reset(void);

/* getopt_long over the verb's arguments; options and positional arguments may mix, "--"
 * ends the options. Returns the option's value, -1 at the end, or -EINVAL
 * after logging "VERB: unknown option 'X'" or "VERB: option 'X' needs a value". */
int args_next(const char *verb, int argc, char **argv, const char *shortopts,
              const struct option *longopts);

/* For a verb without options of its own: refuses any option. */
int args_no_options(const char *verb, int argc, char **argv);

/* The positional arguments left after the options must number between min and max:
 * otherwise logs "VERB: missing NAME" (what_missing) or "VERB: unexpected argument 'X'"
 * and returns -EINVAL. */
int args_positional(const char *verb, int argc, char **argv, int min, int max,
                    const char *what_missing);

/* A VPS name given on the command line: checks it, logging "NAME: invalid name: reason". */
int args_vps_name(const char *name);

/* A number for option opt in min..max, logging "VERB: invalid value 'S' for OPT: ..." . */
int args_uint32(const char *verb, const char *opt, const char *s, uint32_t min, uint32_t max,
                uint32_t *ret);

/* Logs "must be run as root" and returns -EPERM unless we are. */
int args_require_root(void);

/* The index of the first "--" in argv[1..], or argc: for verbs that take a command after
 * it (run, exec), whose own arguments are then argv[0..index). */
int args_find_dashdash(int argc, char **argv);
