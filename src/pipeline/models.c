/* SQL models: models/ **NAME.sql files, each a templated SELECT that dunya builds in the
 * warehouse as a view, a table or an incremental table, in dependency order (docs/models.md).
 *
 * A model's text is read twice with the same template engine (dn_template_render_blocks). The
 * first pass, when the model is added, reads its config() call and records the names given to
 * ref() with their byte offsets; resolve then turns refs into edges, reports unknown ones at
 * their file:line:column with a suggestion, and orders the models with the pipelines' own DAG
 * code (dn_dag_order), which also names every cycle. The second pass, at build time, renders
 * the SQL with is_incremental() known.
 *
 * Building: a view is dropped and created again in one transaction; a table is built beside the
 * old one as NAME__dunya_new and swapped in (drop old, rename new) in the same transaction, so a
 * failed SELECT leaves the old table and readers never see it missing; an incremental model's
 * new rows go to a temporary table first (the SELECT usually reads {{ this }}, so it must run
 * once, before anything changes), then rows with the same unique key are deleted and the new
 * ones inserted in one transaction. Every statement is portable SQL with double-quoted
 * identifiers; the few differences between SQLite and PostgreSQL are in struct dialect.
 *
 * Runs use one thread per slot (o->threads), each with its own warehouse connection, pulling
 * ready models (all upstream done) from a queue under one mutex; the lowest position in the
 * topological order goes first, so a one-thread run is deterministic. A failure marks every
 * model downstream of it skipped. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../data/data.h"
#include "../store/store.h"
#include "pipeline.h"
#include "project_int.h"

static const char *const mat_names[] = {"view", "table", "incremental", NULL};

const char *dn_model_mat_name(enum dn_model_mat m)
{
	return (unsigned)m < 3 ? mat_names[m] : "?";
}

int dn_model_mat_parse(const char *s, enum dn_model_mat *out)
{
	for (int i = 0; mat_names[i]; i++)
		if (!strcmp(s, mat_names[i])) {
			*out = (enum dn_model_mat)i;
			return 0;
		}
	return DN_EPARSE;
}

/* "name" with "" doubled. */
static int quote_ident(struct dn_buf *b, const char *s, size_t n, struct dn_error *err)
{
	DN_TRY(dn_buf_putc(b, '"', err));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			DN_TRY(dn_buf_putc(b, '"', err));
		DN_TRY(dn_buf_putc(b, s[i], err));
	}
	return dn_buf_putc(b, '"', err);
}

/* 'text' with '' doubled. */
static int quote_text(struct dn_buf *b, const char *s, struct dn_error *err)
{
	DN_TRY(dn_buf_putc(b, '\'', err));
	for (; *s; s++) {
		if (*s == '\'')
			DN_TRY(dn_buf_putc(b, '\'', err));
		DN_TRY(dn_buf_putc(b, *s, err));
	}
	return dn_buf_putc(b, '\'', err);
}

/* 1-based line and column (in characters) of byte offset off in text. */
static void position(const char *text, size_t off, int64_t *line, int64_t *col)
{
	int64_t l = 1, c = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---------------------------------------------------------------------------------------------
 * Expressions inside {{ }}: NAME, or NAME(ARGS) where ARGS are 'text' / "text" literals, lists
 * of them in [ ], or KEY=VALUE pairs of those, true/false and numbers. A cursor over the
 * expression; `at` is the offset of the expression in the model's text, for positions. */

#define ARGS_MAX 8

struct arg {
	struct dn_str key;   /* empty for positional args */
	struct dn_str value; /* literal text (strings without quotes; a list as written) */
	int is_string;
	size_t off; /* offset of the value in the expression */
};

struct call {
	struct dn_str name;
	int has_parens;
	struct arg args[ARGS_MAX];
	int nargs;
};

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static void skip_blanks(const char *e, size_t n, size_t *i)
{
	while (*i < n && (e[*i] == ' ' || e[*i] == '\t' || e[*i] == '\n' || e[*i] == '\r'))
		(*i)++;
}

/* Parse expression e[0..n) into c. On a syntax error returns DN_EPARSE with err->column the
 * offset + 1 of the bad character in e. */
static int parse_call(const char *e, size_t n, struct call *c, struct dn_error *err)
{
	size_t i = 0;
	memset(c, 0, sizeof *c);
	while (i < n && is_word(e[i]) && e[i] != '.' && e[i] != '-')
		i++;
	c->name = dn_str_make(e, i);
	if (!i)
		goto bad;
	skip_blanks(e, n, &i);
	if (i == n)
		return 0;
	if (e[i] != '(')
		goto bad;
	c->has_parens = 1;
	i++;
	skip_blanks(e, n, &i);
	while (i < n && e[i] != ')') {
		if (c->nargs == ARGS_MAX)
			return dn_error_set(err, DN_ELIMIT, "more than %d arguments", ARGS_MAX);
		struct arg *a = &c->args[c->nargs++];
		size_t w = i;
		while (i < n && is_word(e[i]))
			i++;
		size_t wend = i;
		skip_blanks(e, n, &i);
		if (wend > w && i < n && e[i] == '=') {
			a->key = dn_str_make(e + w, wend - w);
			i++;
			skip_blanks(e, n, &i);
		} else {
			i = w;
		}
		a->off = i;
		if (i < n && (e[i] == '\'' || e[i] == '"')) {
			char q = e[i++];
			size_t s = i;
			while (i < n && e[i] != q)
				i++;
			if (i == n) {
				dn_error_set(err, DN_EPARSE, "unterminated string");
				if (err)
					err->column = (int64_t)a->off + 1;
				return DN_EPARSE;
			}
			a->value = dn_str_make(e + s, i - s);
			a->is_string = 1;
			i++;
		} else if (i < n && e[i] == '[') {
			size_t s = i;
			while (i < n && e[i] != ']')
				i++;
			if (i == n)
				goto bad;
			a->value = dn_str_make(e + s, ++i - s);
		} else {
			size_t s = i;
			while (i < n && is_word(e[i]))
				i++;
			if (i == s)
				goto bad;
			a->value = dn_str_make(e + s, i - s);
		}
		skip_blanks(e, n, &i);
		if (i < n && e[i] == ',') {
			i++;
			skip_blanks(e, n, &i);
		} else if (i < n && e[i] != ')') {
			goto bad;
		}
	}
	if (i == n)
		goto bad;
	i++;
	skip_blanks(e, n, &i);
	if (i != n)
		goto bad;
	return 0;
bad:
	dn_error_set(err, DN_EPARSE, "cannot read '%.*s' (expected NAME or NAME('text', ...))",
		     (int)(n > 60 ? 60 : n), e);
	if (err)
		err->column = (int64_t)(i < n ? i : n) + 1;
	return DN_EPARSE;
}

/* ---------------------------------------------------------------------------------------------
 * The two template passes. */

struct tctx {
	const struct dn_models *m; /* render pass; NULL in the first pass */
	struct dn_model *model;
	const char *text; /* the template, for offsets */
	int incremental;
	int seen_config;
	struct dn_problems *probs; /* first pass: config() problems */
	int nproblems;
};

static void tproblem(struct tctx *c, size_t off, const char *fmt, ...) DN_PRINTF(3, 4);
static void tproblem(struct tctx *c, size_t off, const char *fmt, ...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	int64_t line, col;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	position(c->text, off, &line, &col);
	dn_problems_add(c->probs, c->model->file, line, col, "%s", msg);
	c->nproblems++;
}

/* An error at byte offset off of the model's text. */
static int terror(struct tctx *c, struct dn_error *err, int code, size_t off, const char *fmt, ...)
	DN_PRINTF(5, 6);
static int terror(struct tctx *c, struct dn_error *err, int code, size_t off, const char *fmt, ...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	int64_t line, col;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	position(c->text, off, &line, &col);
	return dn_error_set_at(err, code, c->model->file, line, col, "%s", msg);
}

static char *str_dup(struct dn_str s)
{
	return dn_strndup(s.ptr, s.len);
}

static const char *const config_keys[] = {"materialized", "unique_key", "incremental_column", NULL};

/* A list literal ['a', 'b'] or a string "a, b" as "a,b" (unique_key). */
static char *key_list(struct dn_str v)
{
	struct dn_buf b = DN_BUF_INIT;
	size_t i = 0;
	while (i < v.len) {
		while (i < v.len && strchr("[]'\", \t", v.ptr[i]))
			i++;
		size_t s = i;
		while (i < v.len && !strchr("[]'\",", v.ptr[i]))
			i++;
		struct dn_str w = dn_str_trim(dn_str_make(v.ptr + s, i - s));
		if (w.len) {
			if (b.len)
				dn_buf_putc(&b, ',', NULL);
			dn_buf_append(&b, w.ptr, w.len, NULL);
		}
	}
	return dn_buf_take(&b, NULL);
}

static void read_config(struct tctx *c, const struct call *cl, size_t at)
{
	struct dn_model *md = c->model;
	if (c->seen_config++) {
		tproblem(c, at, "config() is given twice; give every setting in one call");
		return;
	}
	for (int k = 0; k < cl->nargs; k++) {
		const struct arg *a = &cl->args[k];
		size_t off = at + a->off;
		char key[64];
		if (!a->key.len) {
			tproblem(c, off,
				 "config() takes KEY='value' arguments (materialized, "
				 "unique_key, incremental_column)");
			continue;
		}
		snprintf(key, sizeof key, "%.*s", (int)a->key.len, a->key.ptr);
		if (!strcmp(key, "materialized")) {
			char v[32];
			snprintf(v, sizeof v, "%.*s", (int)a->value.len, a->value.ptr);
			if (!a->is_string || dn_model_mat_parse(v, &md->mat) < 0)
				tproblem(c, off,
					 "materialized='%.*s' is not view, table or incremental",
					 (int)(a->value.len > 40 ? 40 : a->value.len),
					 a->value.ptr);
		} else if (!strcmp(key, "unique_key")) {
			dn_free(md->unique_key);
			md->unique_key = key_list(a->value);
			if (!md->unique_key)
				tproblem(c, off, "unique_key names no column");
		} else if (!strcmp(key, "incremental_column")) {
			dn_free(md->incremental_column);
			md->incremental_column = a->is_string ? str_dup(a->value) : NULL;
			if (!md->incremental_column || !a->value.len)
				tproblem(c, off,
					 "incremental_column must name a column ('updated_at')");
		} else {
			const char *hint = dn_suggest(key, config_keys);
			if (hint)
				tproblem(c, at + (size_t)(a->key.ptr - cl->name.ptr),
					 "unknown config key '%s' (did you mean '%s'?)", key, hint);
			else
				tproblem(c, at + (size_t)(a->key.ptr - cl->name.ptr),
					 "unknown config key '%s' (known: materialized, "
					 "unique_key, incremental_column)",
					 key);
		}
	}
}

static const char *const expr_names[] = {"ref", "source", "this", "config", "is_incremental", NULL};

static int add_ref(struct dn_model *md, struct dn_str name, size_t at)
{
	char **r = dn_realloc(md->refs, (md->nrefs + 1) * sizeof *r);
	if (!r)
		return DN_ENOMEM;
	md->refs = r;
	size_t *o = dn_realloc(md->ref_at, (md->nrefs + 1) * sizeof *o);
	if (!o)
		return DN_ENOMEM;
	md->ref_at = o;
	if (!(md->refs[md->nrefs] = str_dup(name)))
		return DN_ENOMEM;
	md->ref_at[md->nrefs++] = at;
	return 0;
}

static int lookup(void *user, const char *name, size_t len, struct dn_buf *out,
		  struct dn_error *err)
{
	struct tctx *c = user;
	size_t at = (size_t)(name - c->text);
	struct call cl;
	int rc = parse_call(name, len, &cl, err);
	if (rc < 0) {
		size_t off = at + (size_t)(err && err->column ? err->column - 1 : 0);
		char msg[DN_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		return terror(c, err, rc, off, "%s", msg);
	}
	char fname[32];
	snprintf(fname, sizeof fname, "%.*s", (int)(cl.name.len > 31 ? 31 : cl.name.len),
		 cl.name.ptr);
	if (!strcmp(fname, "config") && cl.has_parens) {
		if (!c->m)
			read_config(c, &cl, at);
		return 0;
	}
	if (!strcmp(fname, "this") && !cl.has_parens)
		return quote_ident(out, c->model->name, strlen(c->model->name), err);
	if (!strcmp(fname, "is_incremental"))
		return dn_buf_puts(out, c->incremental ? "(1=1)" : "(1=0)", err);
	if (!strcmp(fname, "ref") && cl.has_parens) {
		if (cl.nargs != 1 || !cl.args[0].is_string || cl.args[0].key.len ||
		    !cl.args[0].value.len)
			return terror(c, err, DN_EPARSE, at,
				      "ref() takes one model name: {{ ref('stg_orders') }}");
		struct dn_str v = cl.args[0].value;
		if (!c->m) {
			if (add_ref(c->model, v, at + cl.args[0].off) < 0)
				return dn_error_set(err, DN_ENOMEM, "out of memory");
		} else {
			char ref[DN_MODEL_NAME_MAX + 2];
			snprintf(ref, sizeof ref, "%.*s", (int)(v.len > 64 ? 64 : v.len), v.ptr);
			if (dn_models_find(c->m, ref) < 0)
				return terror(c, err, DN_ENOTFOUND, at + cl.args[0].off,
					      "unknown model '%s' in ref()", ref);
		}
		return quote_ident(out, v.ptr, v.len, err);
	}
	if (!strcmp(fname, "source") && cl.has_parens) {
		if (cl.nargs < 1 || cl.nargs > 2 || !cl.args[0].is_string ||
		    (cl.nargs == 2 && !cl.args[1].is_string))
			return terror(c, err, DN_EPARSE, at,
				      "source() takes a table name, or a schema and a table: "
				      "{{ source('raw_orders') }}, {{ source('raw', 'orders') }}");
		DN_TRY(quote_ident(out, cl.args[0].value.ptr, cl.args[0].value.len, err));
		if (cl.nargs == 2) {
			DN_TRY(dn_buf_putc(out, '.', err));
			DN_TRY(quote_ident(out, cl.args[1].value.ptr, cl.args[1].value.len, err));
		}
		return 0;
	}
	const char *hint = dn_suggest(fname, expr_names);
	return terror(c, err, DN_ENOTFOUND, at,
		      "unknown template expression '%.*s'%s%s%s (models know ref(), source(), "
		      "this, config() and is_incremental())",
		      (int)(len > 60 ? 60 : len), name, hint ? " (did you mean '" : "",
		      hint ? hint : "", hint ? "'?)" : "");
}

static int cond(void *user, const char *e, size_t len, int *value, struct dn_error *err)
{
	struct tctx *c = user;
	struct dn_str s = dn_str_make(e, len);
	int neg = 0;
	if (len > 4 && !memcmp(e, "not ", 4)) {
		neg = 1;
		s = dn_str_trim(dn_str_make(e + 4, len - 4));
	}
	if (dn_str_eq_cstr(s, "is_incremental()") || dn_str_eq_cstr(s, "is_incremental")) {
		*value = neg ? !c->incremental : c->incremental;
		return 0;
	}
	return terror(c, err, DN_EPARSE, (size_t)(e - c->text),
		      "unknown condition '%.*s' (models know {%% if is_incremental() %%} and "
		      "{%% if not is_incremental() %%})",
		      (int)(len > 60 ? 60 : len), e);
}

/* A template error without its own position: at the column the engine left in err. */
static void locate(struct tctx *c, struct dn_error *err)
{
	if (!err || err->line || !err->column)
		return;
	int64_t line, col;
	position(c->text, (size_t)(err->column - 1), &line, &col);
	char msg[DN_ERROR_MSG_MAX];
	/* The engine's message says "at column N" of the whole text: the position says it now. */
	snprintf(msg, sizeof msg, "%s", err->msg);
	char *at = strstr(msg, " at column ");
	if (at) {
		char *end = at + 11;
		while (*end >= '0' && *end <= '9')
			end++;
		memmove(at, end, strlen(end) + 1);
	}
	dn_error_set_at(err, err->code, c->model->file, line, col, "%s", msg);
}

/* ---------------------------------------------------------------------------------------------
 * The set of models. */

int dn_models_new(struct dn_models **out, struct dn_error *err)
{
	*out = dn_calloc(1, sizeof **out);
	return *out ? 0 : dn_error_set(err, DN_ENOMEM, "out of memory");
}

static void model_release(struct dn_model *md)
{
	dn_free(md->name);
	dn_free(md->file);
	dn_free(md->text);
	dn_free(md->unique_key);
	dn_free(md->incremental_column);
	for (size_t i = 0; i < md->nrefs; i++)
		dn_free(md->refs[i]);
	dn_free(md->refs);
	dn_free(md->ref_at);
	dn_free(md->up);
	dn_free(md->down);
}

void dn_models_free(struct dn_models *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		model_release(&m->v[i]);
	dn_free(m->v);
	dn_free(m->order);
	dn_free(m);
}

long dn_models_find(const struct dn_models *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return (long)i;
	return -1;
}

static int name_ok(const char *s)
{
	if (!*s || strlen(s) > DN_MODEL_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int dn_models_add(struct dn_models *m, const char *file, const char *text,
		  struct dn_problems *probs, struct dn_error *err)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t blen = strlen(base);
	if (blen > 4 && !strcmp(base + blen - 4, ".sql"))
		blen -= 4;
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)(blen < 255 ? blen : 255), base);
	if (!name_ok(name)) {
		dn_problems_add(probs, file, 0, 0,
				"model name '%s' (the file's name) must be 1 to %d letters, digits "
				"and _ (it names a table or view)",
				name, DN_MODEL_NAME_MAX);
		return 0;
	}
	long dup = dn_models_find(m, name);
	if (dup >= 0) {
		dn_problems_add(probs, file, 0, 0, "duplicate model name '%s' (also %s)", name,
				m->v[dup].file);
		return 0;
	}
	if (m->n == DN_MODELS_MAX)
		return dn_error_set(err, DN_ELIMIT, "more than %d models", DN_MODELS_MAX);
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct dn_model *v = dn_realloc(m->v, nc * sizeof *v);
		if (!v)
			return dn_error_set(err, DN_ENOMEM, "out of memory");
		m->v = v;
		m->cap = nc;
	}
	struct dn_model *md = &m->v[m->n];
	memset(md, 0, sizeof *md);
	md->name = dn_strdup(name);
	md->file = dn_strdup(file);
	md->text = dn_strdup(text);
	if (!md->name || !md->file || !md->text) {
		model_release(md);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	m->n++;
	dn_free(m->order);
	m->order = NULL;
	/* First pass: config() and refs; the output is thrown away. */
	struct tctx c = {NULL, md, md->text, 0, 0, probs, 0};
	struct dn_buf out = DN_BUF_INIT;
	struct dn_error e;
	dn_error_clear(&e);
	int rc = dn_template_render_blocks(md->text, lookup, cond, &c, &out, &e);
	dn_buf_release(&out);
	if (rc == DN_ENOMEM)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	if (rc < 0) {
		locate(&c, &e);
		dn_problems_add_error(probs, md->file, 0, 0, &e);
	}
	if (md->unique_key && md->mat != DN_MODEL_INCREMENTAL)
		dn_problems_add(probs, md->file, 0, 0,
				"unique_key is for incremental models (add "
				"materialized='incremental' to config())");
	return 0;
}

struct cyc {
	struct dn_models *m;
	struct dn_problems *probs;
};

static void on_cycle(void *user, const size_t *path, size_t len)
{
	struct cyc *cy = user;
	struct dn_model *first = &cy->m->v[path[0]];
	const char *prev = cy->m->v[path[len - 1]].name;
	struct dn_buf b = DN_BUF_INIT;
	for (size_t i = 0; i <= len; i++)
		dn_buf_printf(&b, NULL, "%s%s", i ? " -> " : "", cy->m->v[path[i]].name);
	int64_t line = 0, col = 0;
	for (size_t k = 0; k < first->nrefs; k++)
		if (!strcmp(first->refs[k], prev)) {
			position(first->text, first->ref_at[k], &line, &col);
			break;
		}
	dn_problems_add(cy->probs, first->file, line, col,
			"models ref each other in a cycle: %s (each is built after the one "
			"before it)",
			b.data ? b.data : "");
	dn_buf_release(&b);
}

int dn_models_resolve(struct dn_models *m, struct dn_problems *probs, struct dn_error *err)
{
	const char **names = dn_calloc(m->n + 1, sizeof *names);
	struct dn_task *tasks = dn_calloc(m->n ? m->n : 1, sizeof *tasks);
	size_t *order = dn_calloc(m->n ? m->n : 1, sizeof *order);
	int rc = 0;
	if (!names || !tasks || !order) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		names[i] = m->v[i].name;
		m->v[i].nup = m->v[i].ndown = 0;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct dn_model *md = &m->v[i];
		dn_free(md->up);
		md->up = dn_calloc(md->nrefs ? md->nrefs : 1, sizeof *md->up);
		if (!md->up) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < md->nrefs; k++) {
			long j = dn_models_find(m, md->refs[k]);
			int64_t line, col;
			position(md->text, md->ref_at[k], &line, &col);
			if (j < 0) {
				const char *hint = dn_suggest(md->refs[k], names);
				if (hint)
					dn_problems_add(probs, md->file, line, col,
							"unknown model '%s' in ref() (did you mean "
							"'%s'?)",
							md->refs[k], hint);
				else
					dn_problems_add(probs, md->file, line, col,
							"unknown model '%s' in ref() (models "
							"are the .sql files under the models "
							"folder; use source('%s') for other "
							"tables)",
							md->refs[k], md->refs[k]);
				continue;
			}
			if ((size_t)j == i) {
				dn_problems_add(probs, md->file, line, col,
						"model '%s' refs itself; use {{ this }} for its "
						"own table",
						md->name);
				continue;
			}
			int have = 0;
			for (size_t u = 0; u < md->nup; u++)
				have |= md->up[u] == (size_t)j;
			if (!have)
				md->up[md->nup++] = (size_t)j;
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		for (size_t u = 0; u < m->v[i].nup; u++)
			m->v[m->v[i].up[u]].ndown++;
	}
	for (size_t i = 0; i < m->n; i++) {
		dn_free(m->v[i].down);
		m->v[i].down = dn_calloc(m->v[i].ndown ? m->v[i].ndown : 1, sizeof(size_t));
		if (!m->v[i].down) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory");
			goto out;
		}
		m->v[i].ndown = 0;
	}
	for (size_t i = 0; i < m->n; i++)
		for (size_t u = 0; u < m->v[i].nup; u++) {
			struct dn_model *up = &m->v[m->v[i].up[u]];
			up->down[up->ndown++] = i;
		}
	for (size_t i = 0; i < m->n; i++) {
		tasks[i].id = m->v[i].name;
		tasks[i].up = m->v[i].up;
		tasks[i].nup = m->v[i].nup;
		tasks[i].down = m->v[i].down;
		tasks[i].ndown = m->v[i].ndown;
	}
	struct cyc cy = {m, probs};
	rc = dn_dag_order(tasks, m->n, order, on_cycle, &cy);
	if (rc < 0) {
		rc = dn_error_set(err, rc, "out of memory");
		goto out;
	}
	dn_free(m->order);
	m->order = NULL;
	if (rc == 0) {
		m->order = order;
		order = NULL;
	}
	rc = 0;
out:
	dn_free(names);
	dn_free(tasks);
	dn_free(order);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Paths (relative to root) of the .sql files under rel, recursively, appended to *v. */
static int list_sql(const char *root, const char *rel, char ***v, size_t *n, size_t *cap, int depth,
		    struct dn_error *err)
{
	struct dn_buf path = DN_BUF_INIT;
	int rc = 0;
	if (depth > 32)
		return dn_error_set(err, DN_ELIMIT, "%s: folders nested more than 32 deep", rel);
	DN_TRY(dn_buf_printf(&path, err, "%s/%s", root, rel));
	DIR *d = opendir(path.data);
	dn_buf_release(&path);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ?
			       0 :
			       dn_error_set(err, DN_EIO, "cannot read %s: %s", rel,
					    strerror(errno));
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		struct dn_buf sub = DN_BUF_INIT;
		if ((rc = dn_buf_printf(&sub, err, "%s/%s", rel, de->d_name)) < 0)
			break;
		struct dn_buf full = DN_BUF_INIT;
		struct stat st;
		dn_buf_printf(&full, NULL, "%s/%s", root, sub.data);
		int isdir = full.data && stat(full.data, &st) == 0 && S_ISDIR(st.st_mode);
		dn_buf_release(&full);
		if (isdir) {
			rc = list_sql(root, sub.data, v, n, cap, depth + 1, err);
		} else if (dn_str_has_suffix(de->d_name, ".sql")) {
			if (*n >= DN_MODELS_MAX) {
				rc = dn_error_set(err, DN_ELIMIT, "more than %d models in %s",
						  DN_MODELS_MAX, rel);
			} else {
				if (*n == *cap) {
					size_t nc = *cap ? *cap * 2 : 16;
					char **nv = dn_realloc(*v, nc * sizeof *nv);
					if (!nv) {
						rc = dn_error_set(err, DN_ENOMEM, "out of memory");
						dn_buf_release(&sub);
						break;
					}
					*v = nv;
					*cap = nc;
				}
				(*v)[(*n)++] = dn_buf_take(&sub, NULL);
			}
		}
		dn_buf_release(&sub);
	}
	closedir(d);
	return rc;
}

int dn_models_load(struct dn_models **out, const char *root, const char *dir,
		   struct dn_problems *probs, struct dn_error *err)
{
	char **files = NULL;
	size_t n = 0, cap = 0;
	struct dn_models *m = NULL;
	struct dn_buf path = DN_BUF_INIT, text = DN_BUF_INIT;
	int rc;
	*out = NULL;
	if ((rc = dn_models_new(&m, err)) < 0 ||
	    (rc = list_sql(root, dir, &files, &n, &cap, 0, err)) < 0)
		goto out;
	if (n > 1)
		qsort(files, n, sizeof *files, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct dn_error e;
		dn_error_clear(&e);
		dn_buf_reset(&path);
		dn_buf_reset(&text);
		if ((rc = dn_buf_printf(&path, err, "%s/%s", root, files[i])) < 0)
			goto out;
		rc = dn_read_file(path.data, &text, DN_MODEL_MAX_BYTES, &e);
		if (rc == DN_ENOMEM) {
			*err = e;
			goto out;
		}
		if (rc < 0) {
			dn_problems_add(probs, files[i], 0, 0, "%s",
					rc == DN_ELIMIT ?
						"file is larger than 1 MiB, the limit for "
						"a model" :
						e.msg);
			continue;
		}
		if (text.data && strlen(text.data) != text.len) {
			dn_problems_add(probs, files[i], 0, 0, "file holds a NUL byte");
			continue;
		}
		if ((rc = dn_models_add(m, files[i], text.data ? text.data : "", probs, err)) < 0)
			goto out;
	}
	if ((rc = dn_models_resolve(m, probs, err)) < 0)
		goto out;
	*out = m;
	m = NULL;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		dn_free(files[i]);
	dn_free(files);
	dn_buf_release(&path);
	dn_buf_release(&text);
	dn_models_free(m);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Selection. */

static void mark(const struct dn_models *m, size_t i, unsigned char *sel, int down)
{
	/* Iterative: a long chain must not exhaust the stack. */
	size_t *stack = dn_calloc(m->n + 1, sizeof *stack);
	unsigned char *seen = dn_calloc(m->n + 1, 1);
	size_t top = 0;
	if (!stack || !seen) {
		dn_free(stack);
		dn_free(seen);
		return;
	}
	stack[top++] = i;
	seen[i] = 1;
	while (top) {
		size_t v = stack[--top];
		sel[v] = 1;
		const struct dn_model *md = &m->v[v];
		size_t nn = down ? md->ndown : md->nup;
		const size_t *next = down ? md->down : md->up;
		for (size_t k = 0; k < nn; k++)
			if (!seen[next[k]]) {
				seen[next[k]] = 1;
				stack[top++] = next[k];
			}
	}
	dn_free(stack);
	dn_free(seen);
}

int dn_models_select(const struct dn_models *m, const char *spec, unsigned char *sel,
		     struct dn_error *err)
{
	const char *p = spec;
	int any = 0;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		struct dn_str w = dn_str_make(s, (size_t)(p - s));
		int up = 0, down = 0;
		if (w.len && w.ptr[0] == '+') {
			up = 1;
			w = dn_str_make(w.ptr + 1, w.len - 1);
		}
		if (w.len && w.ptr[w.len - 1] == '+') {
			down = 1;
			w.len--;
		}
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(w.len < 255 ? w.len : 255), w.ptr);
		long i = dn_models_find(m, name);
		if (i < 0) {
			const char **names = dn_calloc(m->n + 1, sizeof *names);
			for (size_t k = 0; names && k < m->n; k++)
				names[k] = m->v[k].name;
			const char *hint = names ? dn_suggest(name, names) : NULL;
			int rc;
			if (hint)
				rc = dn_error_set(
					err, DN_EUSAGE,
					"--select %.*s: no model '%s' (did you mean '%s'?)",
					(int)(p - s), s, name, hint);
			else
				rc = dn_error_set(
					err, DN_EUSAGE,
					"--select %.*s: no model '%s' (`dunya models ls` "
					"lists them; NAME+ adds downstream, +NAME upstream)",
					(int)(p - s), s, name);
			dn_free(names);
			return rc;
		}
		sel[i] = 1;
		if (up)
			mark(m, (size_t)i, sel, 0);
		if (down)
			mark(m, (size_t)i, sel, 1);
		any = 1;
	}
	if (!any)
		return dn_error_set(err, DN_EUSAGE, "--select names no model");
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Rendering. */

int dn_model_render(const struct dn_models *m, size_t i, int incremental, struct dn_buf *out,
		    struct dn_error *err)
{
	struct dn_model *md = &m->v[i];
	struct tctx c = {m, md, md->text, incremental, 0, NULL, 0};
	struct dn_buf body = DN_BUF_INIT;
	dn_error_clear(err);
	int rc = dn_template_render_blocks(md->text, lookup, cond, &c, &body, err);
	if (rc < 0) {
		locate(&c, err);
		goto out;
	}
	/* Trailing blanks and semicolons: the SELECT is embedded in CREATE ... AS. */
	while (body.len && strchr(" \t\r\n;", body.data[body.len - 1]))
		body.data[--body.len] = 0;
	if (incremental && md->incremental_column) {
		const char *col = md->incremental_column;
		size_t cl = strlen(col);
		rc = dn_buf_puts(out, "SELECT * FROM (\n", err);
		if (rc >= 0)
			rc = dn_buf_append(out, body.data ? body.data : "", body.len, err);
		if (rc >= 0)
			rc = dn_buf_puts(out, "\n) AS \"dunya_src\" WHERE (SELECT max(", err);
		if (rc >= 0)
			rc = quote_ident(out, col, cl, err);
		if (rc >= 0)
			rc = dn_buf_puts(out, ") FROM ", err);
		if (rc >= 0)
			rc = quote_ident(out, md->name, strlen(md->name), err);
		if (rc >= 0)
			rc = dn_buf_puts(out, ") IS NULL OR ", err);
		if (rc >= 0)
			rc = quote_ident(out, col, cl, err);
		if (rc >= 0)
			rc = dn_buf_puts(out, " > (SELECT max(", err);
		if (rc >= 0)
			rc = quote_ident(out, col, cl, err);
		if (rc >= 0)
			rc = dn_buf_puts(out, ") FROM ", err);
		if (rc >= 0)
			rc = quote_ident(out, md->name, strlen(md->name), err);
		if (rc >= 0)
			rc = dn_buf_putc(out, ')', err);
	} else {
		rc = dn_buf_append(out, body.data ? body.data : "", body.len, err);
	}
out:
	dn_buf_release(&body);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Building one model. */

struct dialect {
	const char *cascade; /* appended to DROP TABLE / DROP VIEW */
	const char *kind_sql_fmt;
	int sqlite;
};

/* What kind of relation a name is: 't', 'v', or 0 for none. */
static int relation_kind(struct dn_wh *wh, const struct dialect *d, const char *name, int *kind,
			 struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT, lit = DN_BUF_INIT;
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc;
	*kind = 0;
	if ((rc = quote_text(&lit, name, err)) < 0 ||
	    (rc = dn_buf_printf(&q, err, d->kind_sql_fmt, lit.data)) < 0)
		goto out;
	if ((rc = dn_wh_query_open(wh, &qu, q.data, 0, err)) < 0)
		goto out;
	while ((rc = dn_wh_query_next(qu, &b, err)) > 0) {
		if (b->nrows > 0 && b->schema.nfields > 0 && b->columns[0].type == DN_STRING &&
		    !dn_column_is_null(&b->columns[0], 0)) {
			struct dn_str s = dn_column_str(&b->columns[0], 0);
			*kind = s.len && s.ptr[0] == 'v' ? 'v' : 't';
		}
		dn_batch_free(b);
		b = NULL;
	}
out:
	dn_wh_query_free(qu);
	dn_buf_release(&q);
	dn_buf_release(&lit);
	return rc < 0 ? rc : 0;
}

/* Run a query that returns one integer (count(*)). */
static int query_i64(struct dn_wh *wh, const char *sql, int64_t *v, struct dn_error *err)
{
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc;
	*v = 0;
	if ((rc = dn_wh_query_open(wh, &qu, sql, 0, err)) < 0)
		return rc;
	while ((rc = dn_wh_query_next(qu, &b, err)) > 0) {
		if (b->nrows > 0 && b->schema.nfields > 0 && b->columns[0].type == DN_INT64 &&
		    !dn_column_is_null(&b->columns[0], 0))
			*v = dn_column_i64(&b->columns[0], 0);
		dn_batch_free(b);
		b = NULL;
	}
	dn_wh_query_free(qu);
	return rc < 0 ? rc : 0;
}

/* The column names of a relation, quoted and comma-separated, into out. */
static int columns_of(struct dn_wh *wh, const char *rel, struct dn_buf *out, struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT;
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc, got = 0;
	if ((rc = dn_buf_puts(&q, "SELECT * FROM ", err)) < 0 ||
	    (rc = dn_buf_puts(&q, rel, err)) < 0 || (rc = dn_buf_puts(&q, " WHERE 1=0", err)) < 0)
		goto out;
	if ((rc = dn_wh_query_open(wh, &qu, q.data, 0, err)) < 0)
		goto out;
	while ((rc = dn_wh_query_next(qu, &b, err)) > 0) {
		for (int k = 0; !got && k < b->schema.nfields; k++) {
			const char *nm = b->schema.fields[k].name;
			if (k && (rc = dn_buf_puts(out, ", ", err)) < 0)
				break;
			if ((rc = quote_ident(out, nm, strlen(nm), err)) < 0)
				break;
		}
		got = 1;
		dn_batch_free(b);
		b = NULL;
		if (rc < 0)
			break;
	}
out:
	dn_wh_query_free(qu);
	dn_buf_release(&q);
	return rc < 0 ? rc : 0;
}

static int drop_sql(struct dn_buf *s, const struct dialect *d, int kind, const char *qname,
		    struct dn_error *err)
{
	if (!kind)
		return 0;
	return dn_buf_printf(s, err, "DROP %s IF EXISTS %s%s;\n", kind == 'v' ? "VIEW" : "TABLE",
			     qname, d->cascade);
}

/* Build model i on wh. On success fills r (built_as, incremental, rows). */
static int build_model(const struct dn_models *m, size_t i, struct dn_wh *wh, int full_refresh,
		       struct dn_model_report *r, struct dn_error *err)
{
	const struct dn_model *md = &m->v[i];
	static const struct dialect sqlite_d =
		{"",
		 "SELECT type FROM sqlite_master WHERE type IN ('table', 'view') AND "
		 "lower(name) = lower(%s)",
		 1};
	static const struct dialect pg_d =
		{" CASCADE",
		 "SELECT CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END FROM "
		 "information_schema.tables WHERE table_schema = current_schema() AND "
		 "table_name = %s",
		 0};
	const struct dialect *d = !strcmp(wh->ops->name, "sqlite") ? &sqlite_d : &pg_d;
	struct dn_buf sql = DN_BUF_INIT, s = DN_BUF_INIT, q = DN_BUF_INIT, qnew = DN_BUF_INIT,
		      cols = DN_BUF_INIT, tmpname = DN_BUF_INIT;
	int kind = 0, rc, tmp_made = 0;
	int64_t changes = 0;
	char newname[DN_MODEL_NAME_MAX + 16];
	if ((rc = quote_ident(&q, md->name, strlen(md->name), err)) < 0 ||
	    (rc = relation_kind(wh, d, md->name, &kind, err)) < 0)
		goto out;
	int incremental = md->mat == DN_MODEL_INCREMENTAL && !full_refresh && kind == 't';
	r->incremental = incremental;
	r->built_as = md->mat == DN_MODEL_VIEW ? DN_MODEL_VIEW : DN_MODEL_TABLE;
	if (md->mat == DN_MODEL_INCREMENTAL)
		r->built_as = DN_MODEL_INCREMENTAL;
	if ((rc = dn_model_render(m, i, incremental, &sql, err)) < 0)
		goto out;
	if (md->mat == DN_MODEL_VIEW) {
		if ((rc = drop_sql(&s, d, kind, q.data, err)) < 0 ||
		    (rc = dn_buf_printf(&s, err, "CREATE VIEW %s AS\n%s;\n", q.data, sql.data)) <
			    0 ||
		    (rc = dn_wh_exec(wh, s.data, NULL, err)) < 0)
			goto out;
	} else if (!incremental) {
		/* Built beside the old one, then swapped in, all in one transaction. */
		snprintf(newname, sizeof newname, "%s__dunya_new", md->name);
		if ((rc = quote_ident(&qnew, newname, strlen(newname), err)) < 0 ||
		    (rc = dn_buf_printf(&s, err,
					"DROP TABLE IF EXISTS %s;\nCREATE TABLE %s AS\n%s;\n",
					qnew.data, qnew.data, sql.data)) < 0 ||
		    (rc = drop_sql(&s, d, kind, q.data, err)) < 0 ||
		    (rc = dn_buf_printf(&s, err, "ALTER TABLE %s RENAME TO %s;\n", qnew.data,
					q.data)) < 0 ||
		    (rc = dn_wh_exec(wh, s.data, NULL, err)) < 0)
			goto out;
	} else {
		/* New rows into a temporary table first: the SELECT may read {{ this }}. */
		snprintf(newname, sizeof newname, "%s__dunya_tmp", md->name);
		if ((rc = quote_ident(&tmpname, newname, strlen(newname), err)) < 0 ||
		    (rc = dn_buf_printf(
			     &s, err,
			     "DROP TABLE IF EXISTS %s;\nCREATE TEMPORARY TABLE %s AS\n%s;\n",
			     tmpname.data, tmpname.data, sql.data)) < 0 ||
		    (rc = dn_wh_exec(wh, s.data, NULL, err)) < 0)
			goto out;
		tmp_made = 1;
		if ((rc = columns_of(wh, tmpname.data, &cols, err)) < 0)
			goto out;
		dn_buf_reset(&s);
		if (md->unique_key) {
			rc = dn_buf_printf(&s, err,
					   "DELETE FROM %s WHERE EXISTS (SELECT 1 FROM %s AS "
					   "\"dunya_new\" WHERE ",
					   q.data, tmpname.data);
			char *keys = dn_strdup(md->unique_key), *save = NULL;
			int k = 0;
			for (char *t = keys ? strtok_r(keys, ",", &save) : NULL; rc >= 0 && t;
			     t = strtok_r(NULL, ",", &save), k++) {
				struct dn_buf kq = DN_BUF_INIT;
				rc = quote_ident(&kq, t, strlen(t), err);
				if (rc >= 0)
					rc = dn_buf_printf(&s, err, "%s\"dunya_new\".%s = %s.%s",
							   k ? " AND " : "", kq.data, q.data,
							   kq.data);
				dn_buf_release(&kq);
			}
			dn_free(keys);
			if (rc >= 0)
				rc = dn_buf_puts(&s, ");\n", err);
			if (rc < 0)
				goto out;
		}
		if ((rc = dn_buf_printf(&s, err, "INSERT INTO %s (%s) SELECT %s FROM %s;\n", q.data,
					cols.data ? cols.data : "", cols.data ? cols.data : "",
					tmpname.data)) < 0 ||
		    (rc = dn_wh_exec(wh, s.data, &changes, err)) < 0)
			goto out;
		dn_buf_reset(&s);
		if ((rc = dn_buf_printf(&s, err, "SELECT count(*) FROM %s", tmpname.data)) < 0 ||
		    (rc = query_i64(wh, s.data, &r->rows, err)) < 0)
			goto out;
	}
	if (!incremental) {
		dn_buf_reset(&s);
		if ((rc = dn_buf_printf(&s, err, "SELECT count(*) FROM %s", q.data)) < 0 ||
		    (rc = query_i64(wh, s.data, &r->rows, err)) < 0)
			goto out;
	}
	rc = 0;
out:
	if (tmp_made) {
		dn_buf_reset(&s);
		if (dn_buf_printf(&s, NULL, "DROP TABLE IF EXISTS %s", tmpname.data) == 0)
			dn_wh_exec(wh, s.data, NULL, NULL);
	}
	dn_buf_release(&sql);
	dn_buf_release(&s);
	dn_buf_release(&q);
	dn_buf_release(&qnew);
	dn_buf_release(&cols);
	dn_buf_release(&tmpname);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The run: worker threads over a ready queue. */

struct mrun {
	const struct dn_models *m;
	const struct dn_models_run_options *o;
	const char *url, *base_dir;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum dn_model_state *st;
	size_t *pending; /* selected upstream models not yet succeeded */
	size_t *pos;     /* position in the topological order */
	size_t *ready, nready;
	size_t left; /* selected models not final */
	struct dn_models_result *res;
};

static int selected(const struct mrun *r, size_t i)
{
	return !r->o->select || r->o->select[i];
}

/* Under the lock: model i ended. */
static void ended(struct mrun *r, size_t i, struct dn_model_report *rep)
{
	const struct dn_models *m = r->m;
	r->st[i] = rep->state;
	r->left--;
	if (rep->state == DN_MODEL_OK) {
		r->res->succeeded++;
		r->res->rows += rep->rows;
	} else {
		r->res->failed++;
	}
	if (r->o->report)
		r->o->report(r->o->report_user, rep);
	if (rep->state == DN_MODEL_OK) {
		for (size_t k = 0; k < m->v[i].ndown; k++) {
			size_t d = m->v[i].down[k];
			if (selected(r, d) && r->st[d] == DN_MODEL_PENDING && --r->pending[d] == 0)
				r->ready[r->nready++] = d;
		}
		return;
	}
	/* Everything downstream that has not run is skipped, in order. */
	unsigned char *mark_d = dn_calloc(m->n, 1);
	if (!mark_d)
		return;
	for (size_t k = 0; k < m->v[i].ndown; k++)
		mark_d[m->v[i].down[k]] = 1;
	char why[DN_MODEL_NAME_MAX + 40];
	snprintf(why, sizeof why, "upstream %s failed", m->v[i].name);
	for (size_t p = r->pos[i] + 1; p < m->n; p++) {
		size_t d = m->order[p];
		if (!mark_d[d])
			continue;
		for (size_t k = 0; k < m->v[d].ndown; k++)
			mark_d[m->v[d].down[k]] = 1;
		if (!selected(r, d) || r->st[d] != DN_MODEL_PENDING)
			continue;
		r->st[d] = DN_MODEL_SKIPPED;
		r->left--;
		r->res->skipped++;
		struct dn_model_report sk = {&m->v[d], DN_MODEL_SKIPPED, m->v[d].mat, 0, 0, 0, why};
		if (r->o->report)
			r->o->report(r->o->report_user, &sk);
	}
	dn_free(mark_d);
}

static void *worker(void *arg)
{
	struct mrun *r = arg;
	struct dn_wh *wh = NULL;
	struct dn_error oe;
	int opened = 0, open_rc = 0;
	dn_error_clear(&oe);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->nready == 0 && r->left > 0)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->left == 0)
			break;
		size_t best = 0;
		for (size_t k = 1; k < r->nready; k++)
			if (r->pos[r->ready[k]] < r->pos[r->ready[best]])
				best = k;
		size_t i = r->ready[best];
		r->ready[best] = r->ready[--r->nready];
		pthread_mutex_unlock(&r->mu);

		struct dn_model_report rep = {&r->m->v[i], DN_MODEL_OK, r->m->v[i].mat, 0, 0,
					      0,           NULL};
		struct dn_error err;
		char why[DN_ERROR_MSG_MAX + 300];
		dn_error_clear(&err);
		int64_t t0 = dn_monotonic_us();
		if (!opened) {
			opened = 1;
			open_rc = dn_wh_open(&wh, r->url, r->base_dir, &oe);
			/* Rebuilding a table that views read: SQLite's modern ALTER TABLE RENAME
			 * checks every view and fails while the old table is gone. */
			if (open_rc == 0 && !strcmp(wh->ops->name, "sqlite"))
				open_rc = dn_wh_exec(wh, "PRAGMA legacy_alter_table=ON", NULL, &oe);
		}
		int rc = open_rc < 0 ? open_rc :
				       build_model(r->m, i, wh, r->o->full_refresh, &rep, &err);
		rep.duration_us = dn_monotonic_us() - t0;
		if (rc < 0) {
			rep.state = DN_MODEL_FAILED;
			dn_error_format(open_rc < 0 ? &oe : &err, why, sizeof why);
			rep.error = why;
		}
		pthread_mutex_lock(&r->mu);
		ended(r, i, &rep);
		pthread_cond_broadcast(&r->cv);
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	dn_wh_close(wh);
	return NULL;
}

int dn_models_run(const struct dn_models *m, const char *url, const char *base_dir,
		  const struct dn_models_run_options *o, struct dn_models_result *res,
		  struct dn_error *err)
{
	struct mrun r;
	struct dn_wh *probe = NULL;
	pthread_t *th = NULL;
	int rc = 0, nth = 0;
	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	if (!m->order && m->n)
		return dn_error_set(err, DN_EINVAL,
				    "the models have problems (unknown refs or a cycle): "
				    "`dunya validate` lists them");
	int64_t t0 = dn_monotonic_us();
	/* Open once here, so a bad URL is one error rather than a failure per model. */
	if ((rc = dn_wh_open(&probe, url, base_dir, err)) < 0)
		return rc;
	dn_wh_close(probe);
	r.m = m;
	r.o = o;
	r.url = url;
	r.base_dir = base_dir;
	r.res = res;
	r.st = dn_calloc(m->n + 1, sizeof *r.st);
	r.pending = dn_calloc(m->n + 1, sizeof *r.pending);
	r.pos = dn_calloc(m->n + 1, sizeof *r.pos);
	r.ready = dn_calloc(m->n + 1, sizeof *r.ready);
	int threads = o->threads > 0 ? o->threads : DN_MODELS_THREADS;
	th = dn_calloc((size_t)threads, sizeof *th);
	if (!r.st || !r.pending || !r.pos || !r.ready || !th) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t p = 0; p < m->n; p++)
		r.pos[m->order[p]] = p;
	for (size_t i = 0; i < m->n; i++) {
		if (!selected(&r, i))
			continue;
		r.left++;
		for (size_t k = 0; k < m->v[i].nup; k++)
			if (selected(&r, m->v[i].up[k]))
				r.pending[i]++;
		if (!r.pending[i])
			r.ready[r.nready++] = i;
	}
	if ((size_t)threads > r.left)
		threads = (int)(r.left ? r.left : 1);
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	for (; nth < threads; nth++)
		if (pthread_create(&th[nth], NULL, worker, &r) != 0)
			break;
	if (nth == 0) {
		rc = dn_error_set(err, DN_EIO, "cannot start a thread: %s", strerror(errno));
	}
	for (int k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	res->duration_us = dn_monotonic_us() - t0;
out:
	dn_free(r.st);
	dn_free(r.pending);
	dn_free(r.pos);
	dn_free(r.ready);
	dn_free(th);
	return rc;
}
