/* The extract.file and extract.scrape task types (xtask.c) and the lake write of extract.api
 * (pagesink.c), shared by the files of the pipeline
 * module only: their params and checks (for the task type registry, tasktype.c) and their run
 * (for the executor, run.c). The executor renders every param (templates and ${NAME}) into a
 * flat list of names and values first, so this part never sees templates: a scalar is `key`,
 * a mapping's entries `key.name`, a list's items `key.0`, `key.1`... */
#ifndef DN_XTASK_H
#define DN_XTASK_H

#include "../store/store.h"
#include "pipeline.h"

struct dn_xt_param {
	char *key, *value;
};

struct dn_xt_ctx {
	const char *type; /* "extract.file" or "extract.scrape" */
	const char *pipeline, *task;
	const struct dn_xt_param *params;
	size_t nparams;
	const char *secrets[8]; /* values to redact (secret-looking ${NAME}s) */
	int nsecrets;
	struct dn_meta *meta;
	struct dn_lake *lake;
	const struct dn_lake_write_options *wo;
	const char *staging; /* a folder kept between runs for downloads in progress */
	int (*stop)(void *user);
	void (*log)(void *user, const char *line);
	void *log_user;
};

/* Run the task: 1 success, 0 failure with why set, never a store-ending error (those are
 * reported in why too). */
int dn_xt_run(const struct dn_xt_ctx *c, char *why, size_t whylen);

/* The lake write of an extract.api task (pagesink.c): pages of records, each as NDJSON, are
 * parsed and written on a thread of the sink's own while the next page downloads. put takes
 * the buffer's memory, waits while a few pages are queued, and returns the sink's error once
 * it has failed. finish waits for the queued pages, then commits (commit set and
 * nothing failed: *v and *rows are set) or aborts; it frees the sink in every case. */
struct dn_pagesink;
int dn_pagesink_start(struct dn_pagesink **out, struct dn_lake *lk, const char *dataset,
		      const struct dn_lake_write_options *wo, const char *name,
		      struct dn_error *err);
int dn_pagesink_put(struct dn_pagesink *s, struct dn_buf *ndjson, int64_t page,
		    struct dn_error *err);
int dn_pagesink_finish(struct dn_pagesink *s, int commit, struct dn_lake_version *v, int64_t *rows,
		       struct dn_error *err);

extern const char *const dn_xt_file_params[];
extern const char *const dn_xt_scrape_params[];
void dn_xt_check_file(const struct dn_task_check *c);
void dn_xt_check_scrape(const struct dn_task_check *c);

#endif
