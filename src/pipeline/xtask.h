/* The extract.file and extract.scrape task types (xtask.c), shared by the files of the pipeline
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

extern const char *const dn_xt_file_params[];
extern const char *const dn_xt_scrape_params[];
void dn_xt_check_file(const struct dn_task_check *c);
void dn_xt_check_scrape(const struct dn_task_check *c);

#endif
