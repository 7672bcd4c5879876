/* Internals of the command-line front end, shared by its files (main.c and one file per
 * subcommand). The CLI is thin: it parses arguments, calls the library and prints. */
#ifndef DN_CLI_H
#define DN_CLI_H

#include "../core/core.h"
#include "../data/data.h"
#include "../formats/formats.h"

/* Exit codes. */
#define DN_EXIT_OK 0
#define DN_EXIT_DATA 1  /* bad data or input, or a failed check */
#define DN_EXIT_USAGE 2 /* bad command line */

struct dn_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
	int long_running; /* runs until stopped: freed memory goes back to the system */
};

extern const struct dn_cmd dn_cmd_schema, dn_cmd_head, dn_cmd_convert, dn_cmd_count, dn_cmd_version;
extern const struct dn_cmd dn_cmd_cron;
extern const struct dn_cmd dn_cmd_init, dn_cmd_validate, dn_cmd_run, dn_cmd_clear;
extern const struct dn_cmd dn_cmd_scheduler, dn_cmd_trigger;
extern const struct dn_cmd dn_cmd_runs, dn_cmd_status, dn_cmd_logs, dn_cmd_pause, dn_cmd_unpause,
	dn_cmd_backfill;
extern const struct dn_cmd dn_cmd_load, dn_cmd_sql, dn_cmd_lake, dn_cmd_models;
extern const struct dn_cmd dn_cmd_profile, dn_cmd_check;
/* --project DIR (a global option), or NULL: commands then find the project by walking up. */
extern const char *dn_cli_project;

/* Options every reading command takes. */
struct dn_cli_read {
	struct dn_read_options opt;
	enum dn_format from;
	struct dn_type_hint hints[256];
	char *types_arg;
	const char *col_names[256]; /* --columns (Parquet), pointing into cols_arg */
	char *cols_arg;
	struct dn_filter filters[64]; /* --prune (Parquet row-group pruning) */
	int progress;
};

void dn_cli_read_init(struct dn_cli_read *o);
void dn_cli_read_release(struct dn_cli_read *o);
/* If argv[*i] is a reading option, consume it (and its value) and return 1; 0 if not ours;
 * < 0 after printing a usage error. */
int dn_cli_read_option(struct dn_cli_read *o, int argc, char **argv, int *i);
/* The help text for those options. */
void dn_cli_read_help(FILE *out);

/* Open the reader described by o for path; prints the error and returns an exit code on failure
 * (0 on success). */
int dn_cli_open_reader(struct dn_cli_read *o, const char *path, struct dn_reader **out);

/* The lake of the project (or $DUNYA_LAKE); wdefaults (may be NULL) gets the project's write
 * defaults. Prints the error and returns an exit code on failure. */
struct dn_lake;
struct dn_lake_write_options;
int dn_cli_open_lake(struct dn_lake **out, struct dn_lake_write_options *wdefaults);
/* A reader over `lake:SPEC` or a dataset folder; prints errors, returns an exit code. */
int dn_cli_open_dataset(const char *path, const struct dn_read_options *opt,
			struct dn_reader **out);
int dn_cli_is_dataset_dir(const char *path);

/* Print an error as one line on stderr ("dunya: error: file:line:col: message"), through the
 * logger's format. Returns the exit code that fits the error. */
int dn_cli_error(const struct dn_error *err);
/* Usage error line; cmd NULL means the command being run (dn_cli_command). Returns 2. */
int dn_cli_usage(const char *cmd, const char *fmt, ...) DN_PRINTF(2, 3);
extern const char *dn_cli_command;

/* Print the read summary (rows read/loaded/skipped/quarantined, widenings) on stderr. */
void dn_cli_summary(struct dn_reader *r, int64_t elapsed_us);

/* Progress line on stderr, when it is a terminal. */
void dn_cli_progress(void *user, uint64_t bytes, int64_t rows);
void dn_cli_progress_end(void);

int dn_cli_is_help(const char *arg);

/* Display form of value i of a column for tables (head, sql): "null", control characters
 * escaped (\n, \t, \xNN), cut at DN_CLI_CELL_MAX characters with "...". raw is scratch. */
#define DN_CLI_CELL_MAX 40
void dn_cli_cell_text(const struct dn_column *c, int64_t i, struct dn_buf *raw, struct dn_buf *out);
/* Width in terminal columns of UTF-8 text (one per code point). */
int dn_cli_text_width(const char *s);

#endif
