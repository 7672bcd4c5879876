/* Internals shared by the files of the project/pipeline loader (project.c, pipeline_file.c):
 * the checking context that turns what is wrong at a YAML node into a problem at its position,
 * and the parsing of task settings, which dunya.yaml's defaults, a pipeline's defaults and each
 * task share. Not for other modules. */
#ifndef DN_PROJECT_INT_H
#define DN_PROJECT_INT_H

#include "pipeline.h"

struct dn_ld {
	const char *file; /* as shown in messages */
	struct dn_problems *probs;
	const struct dn_project *project; /* may be NULL (pools and connections unknown) */
};

extern const char *const dn_ld_settings_keys[];

/* A problem at node n (NULL: no position). */
void dn_ld_problem(struct dn_ld *c, const struct dn_yaml_node *n, const char *fmt, ...)
	DN_PRINTF(3, 4);
/* Report keys of map not in known (with a suggestion) and repeated keys. `what` names the
 * mapping in messages ("task", "pipeline"). extra (may be NULL) is a second list of known
 * keys. */
void dn_ld_check_keys(struct dn_ld *c, const struct dn_yaml_node *map, const char *const *known,
		      const char *const *extra, const char *what);
/* If key is a task setting, parse value into s (problems for bad values) and return 1; else 0. */
int dn_ld_setting(struct dn_ld *c, const char *key, const struct dn_yaml_node *value,
		  struct dn_task_settings *s);
/* Scalar text or NULL (with a problem "KEY must be text" when n is a mapping or list). */
const char *dn_ld_text(struct dn_ld *c, const char *key, const struct dn_yaml_node *n);
/* Booleans and integers with problems; return 0 when *out was set. */
int dn_ld_bool(struct dn_ld *c, const char *key, const struct dn_yaml_node *n, int *out);
int dn_ld_int(struct dn_ld *c, const char *key, const struct dn_yaml_node *n, int64_t min,
	      int64_t *out);
/* Is s a valid id (pipeline, task, connection, pool): letters, digits, _ and -? */
int dn_ld_id_ok(const char *s);

#endif
