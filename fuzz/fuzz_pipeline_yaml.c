/* libFuzzer target for pipeline files: the YAML document model on libyaml, ${VAR} substitution,
 * the pipeline and task model, the dependency graph and template checks, plus the .env parser
 * and the URL parser on the same bytes.
 *
 * Any input must be accepted or turned into problems without reading past n. Properties:
 * loading fails only for lack of memory; every problem has a message and a line no later than
 * the input could hold; task dependencies point at real tasks and the topological order, when
 * there is one, is a permutation with every task after its upstream tasks; every scalar that
 * parses as a URL with a password prints redacted without it and re-parses to the same host,
 * port and path. Deterministic: no clock, no randomness; the environment is only read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check_problems(const struct dn_problems *p, size_t n)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!p->v[i].msg[0] || p->v[i].line < 0 || p->v[i].column < 0)
			abort();
		if ((uint64_t)p->v[i].line > (uint64_t)n + 2)
			abort();
	}
}

static void check_url(const char *s)
{
	struct dn_url u, back;
	struct dn_buf b = DN_BUF_INIT;
	if (dn_url_parse(&u, s, NULL) == 0) {
		if (dn_url_redacted(&u, &b, NULL) < 0)
			abort();
		if (u.has_password && !strstr(b.data, ":***@"))
			abort();
		if (dn_url_parse(&back, b.data, NULL) == 0) {
			if (strcmp(back.host, u.host) || back.port != u.port ||
			    strcmp(back.path, u.path))
				abort();
		}
		dn_url_release(&back);
	}
	dn_url_release(&u);
	dn_buf_release(&b);
}

static void walk_urls(const struct dn_yaml_node *nd, int depth)
{
	if (!nd || depth > DN_YAML_MAX_DEPTH)
		return;
	if (nd->kind == DN_YAML_SCALAR) {
		if (nd->len < 512 && strlen(nd->str) == nd->len)
			check_url(nd->str);
		return;
	}
	size_t count = nd->kind == DN_YAML_MAP ? 2 * nd->len : nd->len;
	for (size_t i = 0; i < count; i++)
		walk_urls(nd->items[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dn_problems p;
	struct dn_pipeline *pl = NULL;
	struct dn_error e;
	dn_problems_init(&p);
	int rc = dn_pipeline_parse(&pl, NULL, "fuzz.yaml", (const char *)d, n, &p, &e);
	if (rc < 0) {
		if (rc != DN_ENOMEM)
			abort();
		dn_problems_release(&p);
		return 0;
	}
	check_problems(&p, n);
	for (size_t i = 0; i < pl->ntasks; i++)
		for (size_t k = 0; k < pl->tasks[i].nup; k++)
			if (pl->tasks[i].up[k] >= pl->ntasks)
				abort();
	if (pl->order) {
		size_t *pos = calloc(pl->ntasks + 1, sizeof *pos);
		if (!pos)
			abort();
		for (size_t i = 0; i < pl->ntasks; i++) {
			if (pl->order[i] >= pl->ntasks || pos[pl->order[i]])
				abort();
			pos[pl->order[i]] = i + 1;
		}
		for (size_t i = 0; i < pl->ntasks; i++)
			for (size_t k = 0; k < pl->tasks[i].nup; k++)
				if (pos[pl->tasks[i].up[k]] >= pos[i])
					abort();
		free(pos);
	}
	walk_urls(pl->doc.root, 0);
	dn_pipeline_free(pl);
	dn_problems_release(&p);

	/* The same bytes as a .env file. */
	struct dn_env env;
	dn_env_init(&env);
	dn_problems_init(&p);
	rc = dn_env_parse(&env, ".env", (const char *)d, n, &p, &e);
	if (rc < 0 && rc != DN_ELIMIT && rc != DN_ENOMEM)
		abort();
	check_problems(&p, n);
	dn_env_release(&env);
	dn_problems_release(&p);
	return 0;
}
