/* Quality suites: the YAML file of checks, parsed into struct dn_check.
 *
 * A suite is a mapping (suite, target, table, connection, quarantine, samples, checks) whose
 * `checks` is a list; each item is a one-key mapping `KIND: ARGS`, where ARGS is the check's
 * mapping of keys or a shorthand (a column name, a list of columns, a condition). The names
 * read like SodaCL's and dbt's tests (not_null, unique, accepted_values, relationships...).
 *
 * Every problem is collected, not just the first, each at the file:line:column of the node it
 * is about, and unknown kinds and keys get a "did you mean" from the known ones, as `dunya
 * validate` does for pipelines. The parsed suite keeps its strings in one arena and the
 * compiled regular expressions (POSIX extended, from the C library) beside it. */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "quality_int.h"

enum shorthand { SH_NONE = 0, SH_COLUMN, SH_COLUMNS, SH_CONDITION };

struct kind_info {
	const char *name;
	enum dn_dimension dim;
	enum shorthand sh;
	int row_level; /* counts failing rows; takes max_failing_percent */
	const char *const *keys;
};

static const char *const k_row_count[] = {"min", "max", NULL};
static const char *const k_column[] = {"column", NULL};
static const char *const k_missing[] = {"column", "max", NULL};
static const char *const k_columns[] = {"columns", NULL};
static const char *const k_dup[] = {"columns", "max", NULL};
static const char *const k_type[] = {"column", "type", NULL};
static const char *const k_regex[] = {"column", "pattern", NULL};
static const char *const k_accepted[] = {"column", "values", NULL};
static const char *const k_range[] = {"column", "min", "max", NULL};
static const char *const k_format[] = {"column", "format", NULL};
static const char *const k_schema[] = {"columns", "exact", NULL};
static const char *const k_rel[] = {"column", "to", "field", NULL};
static const char *const k_expr[] = {"condition", NULL};
static const char *const k_recon[] = {"with", "metric", "column", "tolerance", "tolerance_percent",
				      NULL};
static const char *const k_acc[] = {"reference",        "key",       "column",
				    "reference_column", "tolerance", NULL};
static const char *const k_fresh[] = {"column", "max_age", NULL};
static const char *const k_arrival[] = {"column", "event_column", "partition", "max", NULL};
static const char *const k_anomaly[] = {"metric",  "column", "max_change_percent",
					"stddevs", "window", "min_history",
					NULL};

static const struct kind_info kinds[DN_CHK_NKINDS] = {
	[DN_CHK_ROW_COUNT] = {"row_count", DN_DIM_COMPLETENESS, SH_NONE, 0, k_row_count},
	[DN_CHK_NOT_NULL] = {"not_null", DN_DIM_COMPLETENESS, SH_COLUMN, 1, k_column},
	[DN_CHK_MISSING_PERCENT] = {"missing_percent", DN_DIM_COMPLETENESS, SH_NONE, 0, k_missing},
	[DN_CHK_REQUIRED_COLUMNS] = {"required_columns", DN_DIM_COMPLETENESS, SH_COLUMNS, 0,
				     k_columns},
	[DN_CHK_UNIQUE] = {"unique", DN_DIM_UNIQUENESS, SH_COLUMN, 1, k_column},
	[DN_CHK_UNIQUE_COMBINATION] = {"unique_combination", DN_DIM_UNIQUENESS, SH_COLUMNS, 1,
				       k_columns},
	[DN_CHK_DUPLICATE_PERCENT] = {"duplicate_percent", DN_DIM_UNIQUENESS, SH_NONE, 0, k_dup},
	[DN_CHK_TYPE] = {"type", DN_DIM_VALIDITY, SH_NONE, 0, k_type},
	[DN_CHK_REGEX] = {"regex", DN_DIM_VALIDITY, SH_NONE, 1, k_regex},
	[DN_CHK_ACCEPTED_VALUES] = {"accepted_values", DN_DIM_VALIDITY, SH_NONE, 1, k_accepted},
	[DN_CHK_RANGE] = {"range", DN_DIM_VALIDITY, SH_NONE, 1, k_range},
	[DN_CHK_LENGTH] = {"length", DN_DIM_VALIDITY, SH_NONE, 1, k_range},
	[DN_CHK_FORMAT] = {"format", DN_DIM_VALIDITY, SH_NONE, 1, k_format},
	[DN_CHK_SCHEMA] = {"schema", DN_DIM_VALIDITY, SH_NONE, 0, k_schema},
	[DN_CHK_RELATIONSHIPS] = {"relationships", DN_DIM_CONSISTENCY, SH_NONE, 1, k_rel},
	[DN_CHK_EXPRESSION] = {"expression", DN_DIM_CONSISTENCY, SH_CONDITION, 1, k_expr},
	[DN_CHK_RECONCILE] = {"reconcile", DN_DIM_CONSISTENCY, SH_NONE, 0, k_recon},
	[DN_CHK_ACCURACY] = {"accuracy", DN_DIM_ACCURACY, SH_NONE, 1, k_acc},
	[DN_CHK_FRESHNESS] = {"freshness", DN_DIM_TIMELINESS, SH_NONE, 0, k_fresh},
	[DN_CHK_ARRIVAL_DELAY] = {"arrival_delay", DN_DIM_TIMELINESS, SH_NONE, 0, k_arrival},
	[DN_CHK_ANOMALY] = {"anomaly", DN_DIM_ANOMALIES, SH_NONE, 0, k_anomaly},
};

static const char *const dims[DN_NDIMS] = {"completeness", "uniqueness", "validity", "consistency",
					   "accuracy",     "timeliness", "anomalies"};
static const char *const statuses[] = {"pass", "warn", "fail", "skipped"};

const char *dn_check_kind_name(enum dn_check_kind k)
{
	return k > 0 && k < DN_CHK_NKINDS ? kinds[k].name : "?";
}

enum dn_dimension dn_check_kind_dimension(enum dn_check_kind k)
{
	return k > 0 && k < DN_CHK_NKINDS ? kinds[k].dim : DN_DIM_VALIDITY;
}

const char *dn_dimension_name(enum dn_dimension d)
{
	return d < DN_NDIMS ? dims[d] : "?";
}

const char *dn_check_status_name(enum dn_check_status s)
{
	return s <= DN_CHECK_SKIPPED ? statuses[s] : "?";
}

int dn_q_row_level(enum dn_check_kind k)
{
	return k > 0 && k < DN_CHK_NKINDS && kinds[k].row_level;
}

static const char *const suite_keys[] = {"suite",      "target",  "table",  "connection",
					 "quarantine", "samples", "checks", NULL};
static const char *const common_keys[] = {"name", "severity", "max_failing_percent", "where", NULL};

struct parser {
	struct dn_suite *s;
	struct dn_problems *probs;
	const char *file;
	int nproblems;
};

static void problem(struct parser *p, const struct dn_yaml_node *n, const char *fmt, ...)
	DN_PRINTF(3, 4);
static void problem(struct parser *p, const struct dn_yaml_node *n, const char *fmt, ...)
{
	char msg[DN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dn_problems_add(p->probs, p->file, n ? n->line : 0, n ? n->column : 0, "%s", msg);
	p->nproblems++;
}

static const char *str(struct parser *p, const char *s)
{
	return dn_arena_strndup(&p->s->arena, s, strlen(s));
}

/* A scalar's text, or NULL with a problem. */
static const char *scalar(struct parser *p, const struct dn_yaml_node *n, const char *what)
{
	if (!n || n->kind != DN_YAML_SCALAR || dn_yaml_is_null(n) || !n->str[0]) {
		problem(p, n, "%s must be a value", what);
		return NULL;
	}
	return str(p, n->str);
}

static int number(struct parser *p, const struct dn_yaml_node *n, const char *what, double *out)
{
	if (!n || n->kind != DN_YAML_SCALAR || dn_parse_f64(n->str, strlen(n->str), out) < 0 ||
	    isnan(*out)) {
		problem(p, n, "%s: '%s' is not a number", what, dn_yaml_shown(n));
		return -1;
	}
	return 0;
}

/* A list of names (or one name) into *out. */
static int names(struct parser *p, const struct dn_yaml_node *n, const char *what,
		 const char ***out, int *count)
{
	size_t k = n && n->kind == DN_YAML_SEQ ? n->len : 1;
	if (!n || (n->kind == DN_YAML_SEQ && n->len == 0) || n->kind == DN_YAML_MAP ||
	    dn_yaml_is_null(n)) {
		problem(p, n, "%s must be a column name or a list of them", what);
		return -1;
	}
	const char **v = dn_arena_alloc(&p->s->arena, k * sizeof *v);
	if (!v)
		return DN_ENOMEM;
	for (size_t i = 0; i < k; i++) {
		const struct dn_yaml_node *e = n->kind == DN_YAML_SEQ ? n->items[i] : n;
		if (!(v[i] = scalar(p, e, what)))
			return -1;
	}
	*out = v;
	*count = (int)k;
	return 0;
}

static int parse_operand(struct parser *p, const char **cur, struct dn_check_operand *o)
{
	const char *s = *cur;
	while (*s == ' ' || *s == '\t')
		s++;
	memset(o, 0, sizeof *o);
	if (*s == '\'' || *s == '"') {
		char q = *s++;
		const char *e = strchr(s, q);
		if (!e)
			return -1;
		o->text = dn_arena_strndup(&p->s->arena, s, (size_t)(e - s));
		*cur = e + 1;
		return o->text ? 0 : -1;
	}
	const char *b = s;
	while (*s && !strchr(" \t<>=!", *s))
		s++;
	if (s == b)
		return -1;
	o->text = dn_arena_strndup(&p->s->arena, b, (size_t)(s - b));
	if (!o->text)
		return -1;
	if (dn_parse_f64(b, (size_t)(s - b), &o->number) == 0 && !isnan(o->number) &&
	    ((*b >= '0' && *b <= '9') || *b == '-' || *b == '+' || *b == '.')) {
		o->is_number = 1;
		o->is_int = dn_parse_i64(b, (size_t)(s - b), &o->int_value) == 0;
	} else
		o->column = o->text;
	*cur = s;
	return 0;
}

/* "LEFT OP RIGHT": each side a column, a number or a quoted text. 0, or -1 when the text at
 * *cur is not one. */
static int parse_cmp(struct parser *p, const char **cur, struct dn_check_cmp *c)
{
	static const char *const ops[] = {"==", "!=", "<>", "<=", ">=", "=", "<", ">"};
	static const enum dn_cmp_op opv[] = {DN_CMP_EQ, DN_CMP_NE, DN_CMP_NE, DN_CMP_LE,
					     DN_CMP_GE, DN_CMP_EQ, DN_CMP_LT, DN_CMP_GT};
	const char *s = *cur;
	if (parse_operand(p, &s, &c->lhs) < 0)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t i = 0;
	while (i < sizeof ops / sizeof ops[0] && strncmp(s, ops[i], strlen(ops[i])))
		i++;
	if (i == sizeof ops / sizeof ops[0])
		return -1;
	c->op = opv[i];
	s += strlen(ops[i]);
	if (parse_operand(p, &s, &c->rhs) < 0 || (!c->lhs.column && !c->rhs.column))
		return -1;
	*cur = s;
	return 0;
}

/* The keyword `and` or `or` (any case) at s, followed by a space: its length, else 0. */
static size_t join_word(const char *s, int *is_or)
{
	if ((s[0] | 0x20) == 'o' && (s[1] | 0x20) == 'r' && (s[2] == ' ' || s[2] == '\t')) {
		*is_or = 1;
		return 2;
	}
	if ((s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'n' && (s[2] | 0x20) == 'd' &&
	    (s[3] == ' ' || s[3] == '\t')) {
		*is_or = 0;
		return 3;
	}
	return 0;
}

/* "CMP [and|or CMP]...": comparisons into *out (in the suite's arena). */
static int parse_cond(struct parser *p, const char *text, const struct dn_yaml_node *n,
		      struct dn_check_cond *out)
{
	struct dn_check_cmp cmp[DN_CHECK_MAX_CMP];
	const char *s = text;
	int k = 0, ok = 1, too_many = 0, is_or = 0;
	for (;;) {
		if (k == DN_CHECK_MAX_CMP) {
			ok = 0, too_many = 1;
			break;
		}
		memset(&cmp[k], 0, sizeof cmp[k]);
		cmp[k].or_before = is_or;
		if (parse_cmp(p, &s, &cmp[k]) < 0) {
			ok = 0;
			break;
		}
		k++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t w = join_word(s, &is_or);
		if (!w) {
			ok = 0;
			break;
		}
		s += w;
	}
	if (!ok) {
		if (too_many)
			problem(p, n, "condition '%s' has more than %d comparisons", text,
				DN_CHECK_MAX_CMP);
		else
			problem(p, n,
				"condition '%s' is not COLUMN OP VALUE, or such comparisons "
				"joined by and / or (OP one of = != < <= > >=; VALUE a column, "
				"a number or 'text'), e.g. end_date >= start_date and status != "
				"'void'",
				text);
		return -1;
	}
	out->cmp = dn_arena_alloc(&p->s->arena, sizeof *out->cmp * (size_t)k);
	if (!out->cmp)
		return DN_ENOMEM;
	memcpy(out->cmp, cmp, sizeof *out->cmp * (size_t)k);
	out->n = k;
	return 0;
}

static int parse_condition(struct parser *p, struct dn_check *c, const struct dn_yaml_node *n)
{
	return parse_cond(p, c->condition, n, &c->cond);
}

static const char *default_name(struct parser *p, const struct dn_check *c)
{
	struct dn_buf b = DN_BUF_INIT;
	dn_buf_puts(&b, kinds[c->kind].name, NULL);
	if (c->kind == DN_CHK_ANOMALY) {
		dn_buf_printf(&b, NULL, "(%s%s%s)", c->metric ? c->metric : "",
			      c->column ? ", " : "", c->column ? c->column : "");
	} else if (c->column) {
		dn_buf_printf(&b, NULL, "(%s)", c->column);
	} else if (c->partition) {
		dn_buf_printf(&b, NULL, "(partition %s)", c->partition);
	} else if (c->ncolumns && c->kind != DN_CHK_SCHEMA) {
		dn_buf_putc(&b, '(', NULL);
		for (int i = 0; i < c->ncolumns; i++)
			dn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", c->columns[i]);
		dn_buf_putc(&b, ')', NULL);
	} else if (c->condition) {
		dn_buf_printf(&b, NULL, "(%s)", c->condition);
	}
	const char *r = b.data ? str(p, b.data) : NULL;
	dn_buf_release(&b);
	return r;
}

static int key_known(const char *k, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(k, list[i]))
			return 1;
	return 0;
}

/* A key written twice in one mapping: YAML keeps only one of them, so a second `checks:` or
 * `min:` would be dropped without a word. Known keys are few: a mapping with more than 256 is a
 * mistake in itself, reported once instead of compared pairwise. */
static void duplicate_keys(struct parser *p, const struct dn_yaml_node *m)
{
	if (!m || m->kind != DN_YAML_MAP)
		return;
	if (m->len > 256) {
		problem(p, m, "a mapping with %zu keys; a suite or a check takes a few", m->len);
		return;
	}
	for (size_t i = 1; i < m->len; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->items[2 * i]->str, m->items[2 * j]->str)) {
				problem(p, m->items[2 * i],
					"key '%s' appears twice (first on line %lld); keep one",
					m->items[2 * i]->str, (long long)m->items[2 * j]->line);
				break;
			}
}

/* A duration (30m, 6h, 1d; a bare number is seconds) into *ms, or a problem saying why not. */
static int duration(struct parser *p, const struct dn_yaml_node *v, const char *key, const char *t,
		    int64_t *ms)
{
	int rc = dn_duration_parse(t, ms);
	if (rc == DN_ELIMIT)
		problem(p, v, "%s: '%s' is longer than 100 years, the longest duration taken", key,
			t);
	else if (rc < 0)
		problem(p, v, "%s: '%s' is not a duration (e.g. 30m, 6h, 1d)", key, t);
	return rc;
}

static void unknown_key(struct parser *p, const struct dn_yaml_node *k, const char *kind)
{
	const char *cands[40];
	size_t n = 0;
	enum dn_check_kind ki = DN_CHK_ROW_COUNT;
	for (int i = 1; i < DN_CHK_NKINDS; i++)
		if (!strcmp(kinds[i].name, kind))
			ki = (enum dn_check_kind)i;
	for (size_t i = 0; kinds[ki].keys[i] && n < 30; i++)
		cands[n++] = kinds[ki].keys[i];
	for (size_t i = 0; common_keys[i]; i++)
		if (i < 2 || kinds[ki].row_level)
			cands[n++] = common_keys[i];
	cands[n] = NULL;
	const char *hint = dn_suggest(k->str, cands);
	struct dn_buf b = DN_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		dn_buf_printf(&b, NULL, "%s%s", i ? ", " : "", cands[i]);
	if (hint)
		problem(p, k, "unknown key '%s' in a %s check (did you mean '%s'?)", k->str, kind,
			hint);
	else
		problem(p, k, "unknown key '%s' in a %s check; it takes %s", k->str, kind,
			b.data ? b.data : "no keys");
	dn_buf_release(&b);
}

static int parse_check(struct parser *p, struct dn_check *c, const struct dn_yaml_node *item)
{
	if (item->kind != DN_YAML_MAP || item->len != 1) {
		problem(p, item,
			"a check is a mapping with one key, its kind (e.g. `- not_null: id` or "
			"`- range: {column: amount, min: 0}`)");
		return DN_EPARSE;
	}
	const struct dn_yaml_node *kn = item->items[0], *args = item->items[1];
	const char *kname = kn->str;
	c->kind = 0;
	for (int i = 1; i < DN_CHK_NKINDS; i++)
		if (!strcmp(kinds[i].name, kname))
			c->kind = (enum dn_check_kind)i;
	if (!c->kind) {
		const char *cands[DN_CHK_NKINDS];
		for (int i = 1; i < DN_CHK_NKINDS; i++)
			cands[i - 1] = kinds[i].name;
		cands[DN_CHK_NKINDS - 1] = NULL;
		const char *hint = dn_suggest(kname, cands);
		if (hint)
			problem(p, kn, "unknown check '%s' (did you mean '%s'?)", kname, hint);
		else
			problem(p, kn, "unknown check '%s'; docs/quality.md lists the checks",
				kname);
		return DN_EPARSE;
	}
	const struct kind_info *ki = &kinds[c->kind];
	c->severity = DN_SEV_ERROR;
	c->line = item->line;
	c->col = item->column;
	c->tolerance_pct = -1;
	c->max_change_pct = -1;
	c->stddevs = -1;
	c->window = 10;
	c->min_history = 3;
	int before = p->nproblems;
	const struct dn_yaml_node *m = NULL;
	if (args->kind == DN_YAML_MAP) {
		m = args;
		duplicate_keys(p, m);
		for (size_t i = 0; i < m->len; i++) {
			const struct dn_yaml_node *k = m->items[2 * i];
			if (!key_known(k->str, ki->keys) &&
			    !(key_known(k->str, common_keys) &&
			      (ki->row_level ||
			       (strcmp(k->str, "max_failing_percent") && strcmp(k->str, "where")))))
				unknown_key(p, k, kname);
		}
	} else if (dn_yaml_is_null(args) && ki->sh == SH_NONE &&
		   c->kind == DN_CHK_DUPLICATE_PERCENT) {
		/* duplicate_percent alone: over all columns, none allowed */
	} else if (ki->sh == SH_COLUMN && args->kind == DN_YAML_SCALAR) {
		c->column = scalar(p, args, kname);
	} else if (ki->sh == SH_COLUMNS && args->kind != DN_YAML_MAP) {
		names(p, args, kname, &c->columns, &c->ncolumns);
	} else if (ki->sh == SH_CONDITION && args->kind == DN_YAML_SCALAR) {
		if ((c->condition = scalar(p, args, kname)))
			parse_condition(p, c, args);
	} else {
		problem(p, args, "%s takes a mapping of %s%s", kname, ki->keys[0],
			ki->sh == SH_COLUMN    ? " (or just the column name)" :
			ki->sh == SH_COLUMNS   ? " (or just a list of columns)" :
			ki->sh == SH_CONDITION ? " (or just the condition)" :
						 ", ...");
		return DN_EPARSE;
	}
	const struct dn_yaml_node *v;
#define GET(key) (m ? dn_yaml_get(m, key, NULL) : NULL)
	if ((v = GET("severity"))) {
		if (v->kind == DN_YAML_SCALAR && !strcmp(v->str, "warn"))
			c->severity = DN_SEV_WARN;
		else if (v->kind == DN_YAML_SCALAR && !strcmp(v->str, "error"))
			c->severity = DN_SEV_ERROR;
		else
			problem(p, v, "severity: '%s' is not warn or error", dn_yaml_shown(v));
	}
	if ((v = GET("name")))
		c->name = scalar(p, v, "name");
	if ((v = GET("max_failing_percent")) &&
	    number(p, v, "max_failing_percent", &c->max_failing_pct) == 0 &&
	    (c->max_failing_pct < 0 || c->max_failing_pct > 100))
		problem(p, v, "max_failing_percent: %s is not between 0 and 100", v->str);
	if ((v = GET("where")) && (c->where = scalar(p, v, "where")))
		parse_cond(p, c->where, v, &c->wcond);
	if ((v = GET("column")))
		c->column = scalar(p, v, "column");
	if ((v = GET("columns"))) {
		if (c->kind == DN_CHK_SCHEMA) {
			if (v->kind != DN_YAML_MAP && v->kind != DN_YAML_SEQ) {
				problem(p, v,
					"schema columns: a mapping of column: type (or a list "
					"of column names)");
			} else if (v->kind == DN_YAML_SEQ) {
				if (names(p, v, "columns", &c->columns, &c->ncolumns) == 0) {
					c->types = dn_arena_alloc(&p->s->arena,
								  (size_t)c->ncolumns *
									  sizeof *c->types);
					for (int i = 0; c->types && i < c->ncolumns; i++)
						c->types[i] = "";
				}
			} else {
				c->ncolumns = (int)v->len;
				c->columns = dn_arena_alloc(&p->s->arena,
							    (v->len + 1) * sizeof *c->columns);
				c->types = dn_arena_alloc(&p->s->arena,
							  (v->len + 1) * sizeof *c->types);
				if (!c->columns || !c->types)
					return DN_ENOMEM;
				for (size_t i = 0; i < v->len; i++) {
					const struct dn_yaml_node *tn = v->items[2 * i + 1];
					enum dn_type t;
					c->columns[i] = str(p, v->items[2 * i]->str);
					c->types[i] = "";
					if (dn_yaml_is_null(tn))
						continue;
					if (tn->kind != DN_YAML_SCALAR ||
					    dn_type_parse(tn->str, &t) < 0)
						problem(p, tn,
							"'%s' is not a type (bool, int64, float64, "
							"string, date, timestamp)",
							dn_yaml_shown(tn));
					else
						c->types[i] = dn_type_name(t);
				}
			}
		} else {
			names(p, v, "columns", &c->columns, &c->ncolumns);
		}
	}
	if ((v = GET("exact"))) {
		if (dn_yaml_bool(v, &c->exact) < 0)
			problem(p, v, "exact: '%s' is not true or false", dn_yaml_shown(v));
	}
	if ((v = GET("min"))) {
		c->has_min = 1;
		c->min_text = scalar(p, v, "min");
	}
	if ((v = GET("max"))) {
		c->has_max = 1;
		c->max_text = scalar(p, v, "max");
	}
	for (int side = 0; side < 2; side++) {
		const char *t = side ? c->max_text : c->min_text;
		double *d = side ? &c->max : &c->min;
		int64_t us;
		if (!t)
			continue;
		if (c->kind == DN_CHK_ARRIVAL_DELAY && side) { /* a duration; a bare number: s */
			int64_t ms = 0;
			duration(p, GET("max"), "max", t, &ms);
			c->max_age_us = ms * 1000;
			c->max_age_text = t;
			continue;
		}
		if (dn_parse_f64(t, strlen(t), d) == 0 && !isnan(*d))
			continue;
		int tk = c->kind == DN_CHK_RANGE ? dn_time_parse(t, strlen(t), &us) : -1;
		if (tk > 0) {
			*d = tk == DN_TIME_DATE ? (double)us * (double)DN_USEC_PER_DAY : (double)us;
			c->range_time = 1;
		} else {
			problem(p, GET(side ? "max" : "min"), "%s: '%s' is not a number%s",
				side ? "max" : "min", t,
				c->kind == DN_CHK_RANGE ? ", a date or a timestamp" : "");
		}
	}
	if ((v = GET("type"))) {
		if (v->kind != DN_YAML_SCALAR || dn_type_parse(v->str, &c->type) < 0)
			problem(p, v,
				"type: '%s' is not a type (bool, int64, float64, string, date, "
				"timestamp)",
				dn_yaml_shown(v));
	}
	char unsafe[160];
	if ((v = GET("pattern")) && (c->pattern = scalar(p, v, "pattern")) &&
	    dn_regex_check(c->pattern, unsafe, sizeof unsafe) < 0) {
		problem(p, v, "pattern '%s' is refused: %s; simplify it", c->pattern, unsafe);
	} else if (v && c->pattern) {
		regex_t *re = dn_malloc(sizeof *re);
		if (!re)
			return DN_ENOMEM;
		int e = regcomp(re, c->pattern, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char why[200];
			regerror(e, re, why, sizeof why);
			problem(p, v, "pattern '%s' is not a POSIX extended regular expression: %s",
				c->pattern, why);
			dn_free(re);
		} else {
			c->regex = re;
		}
	}
	if ((v = GET("values"))) {
		if (v->kind != DN_YAML_SEQ || !v->len) {
			problem(p, v, "values must be a list, e.g. [new, paid, shipped]");
		} else {
			c->nvalues = (int)v->len;
			c->values = dn_arena_alloc(&p->s->arena, v->len * sizeof *c->values);
			if (!c->values)
				return DN_ENOMEM;
			for (size_t i = 0; i < v->len; i++) {
				const struct dn_yaml_node *e = v->items[i];
				if (e->kind != DN_YAML_SCALAR)
					problem(p, e, "values: each value must be a scalar");
				c->values[i] = str(p, e->kind == DN_YAML_SCALAR ? e->str : "");
			}
		}
	}
	if ((v = GET("format")) && (c->format = scalar(p, v, "format")) &&
	    strcmp(c->format, "email") && strcmp(c->format, "url") &&
	    strcmp(c->format, "iso_date") && strcmp(c->format, "iso_timestamp"))
		problem(p, v, "format: '%s' is not email, url, iso_date or iso_timestamp",
			c->format);
	if ((v = GET("to")))
		c->other = scalar(p, v, "to");
	if ((v = GET("with")))
		c->other = scalar(p, v, "with");
	if ((v = GET("reference")))
		c->other = scalar(p, v, "reference");
	if ((v = GET("field")))
		c->field = scalar(p, v, "field");
	if ((v = GET("reference_column")))
		c->field = scalar(p, v, "reference_column");
	if ((v = GET("key")))
		c->key = scalar(p, v, "key");
	if ((v = GET("condition")) && (c->condition = scalar(p, v, "condition")))
		parse_condition(p, c, v);
	if ((v = GET("tolerance")) && number(p, v, "tolerance", &c->tolerance) == 0 &&
	    c->tolerance < 0)
		problem(p, v, "tolerance: %s is negative", v->str);
	if ((v = GET("tolerance_percent")) &&
	    number(p, v, "tolerance_percent", &c->tolerance_pct) == 0 && c->tolerance_pct < 0)
		problem(p, v, "tolerance_percent: %s is negative", v->str);
	if ((v = GET("max_age"))) {
		int64_t ms = 0;
		if ((c->max_age_text = scalar(p, v, "max_age")) &&
		    duration(p, v, "max_age", c->max_age_text, &ms) == 0)
			c->max_age_us = ms * 1000;
	}
	if ((v = GET("event_column")))
		c->event_column = scalar(p, v, "event_column");
	if ((v = GET("partition")))
		c->partition = scalar(p, v, "partition");
	if ((v = GET("metric")) && (c->metric = scalar(p, v, "metric"))) {
		static const char *const am[] = {"row_count", "missing_percent",
						 "mean",      "sum",
						 "min",       "max",
						 NULL};
		if (c->kind == DN_CHK_RECONCILE) {
			if (strcmp(c->metric, "count") && strcmp(c->metric, "sum"))
				problem(p, v, "metric: '%s' is not count or sum", c->metric);
		} else {
			for (int i = 0; am[i]; i++)
				if (!strcmp(c->metric, am[i]))
					c->ametric = (enum dn_anomaly_metric)(i + 1);
			if (!c->ametric) {
				const char *hint = dn_suggest(c->metric, am);
				problem(p, v,
					"metric: '%s' is not row_count, missing_percent, mean, "
					"sum, min or max%s%s%s",
					c->metric, hint ? " (did you mean '" : "", hint ? hint : "",
					hint ? "'?)" : "");
			}
		}
	}
	if ((v = GET("max_change_percent")) &&
	    number(p, v, "max_change_percent", &c->max_change_pct) == 0 && c->max_change_pct < 0)
		problem(p, v, "max_change_percent: %s is negative", v->str);
	if ((v = GET("stddevs")) && number(p, v, "stddevs", &c->stddevs) == 0 && c->stddevs <= 0)
		problem(p, v, "stddevs: %s is not above 0", v->str);
	for (int w = 0; w < 2; w++) {
		int64_t n;
		if ((v = GET(w ? "min_history" : "window"))) {
			if (dn_yaml_i64(v, &n) < 0 || n < (w ? 1 : 2) || n > 1000)
				problem(p, v, "%s: '%s' is not a whole number from %d to 1000",
					w ? "min_history" : "window", dn_yaml_shown(v), w ? 1 : 2);
			else if (w)
				c->min_history = (int)n;
			else
				c->window = (int)n;
		}
	}
	/* Bounds that no value could meet are mistakes, not checks that always fail. */
	if (c->has_min && c->has_max && c->min > c->max &&
	    (c->kind == DN_CHK_RANGE || c->kind == DN_CHK_LENGTH || c->kind == DN_CHK_ROW_COUNT))
		problem(p, GET("min"), "min (%s) is above max (%s): no value could pass",
			c->min_text, c->max_text);
	if ((c->kind == DN_CHK_MISSING_PERCENT || c->kind == DN_CHK_DUPLICATE_PERCENT) &&
	    c->has_max && (c->max < 0 || c->max > 100))
		problem(p, GET("max"), "max: %s is not a percentage from 0 to 100", c->max_text);
	if ((c->kind == DN_CHK_LENGTH || c->kind == DN_CHK_ROW_COUNT) &&
	    ((c->has_min && c->min < 0) || (c->has_max && c->max < 0)))
		problem(p, GET(c->has_min && c->min < 0 ? "min" : "max"), "%s is negative",
			c->has_min && c->min < 0 ? "min" : "max");
#undef GET
	if (p->nproblems > before)
		return DN_EPARSE;
	/* What each kind needs. */
	const struct dn_yaml_node *at = args;
	switch (c->kind) {
	case DN_CHK_ROW_COUNT:
		if (!c->has_min && !c->has_max)
			problem(p, at, "row_count needs min or max (or both)");
		break;
	case DN_CHK_MISSING_PERCENT:
		if (!c->column || !c->has_max)
			problem(p, at, "missing_percent needs column and max (a percentage)");
		break;
	case DN_CHK_NOT_NULL:
	case DN_CHK_UNIQUE:
		if (!c->column)
			problem(p, at, "%s needs column", kname);
		break;
	case DN_CHK_REQUIRED_COLUMNS:
	case DN_CHK_UNIQUE_COMBINATION:
	case DN_CHK_SCHEMA:
		if (!c->ncolumns)
			problem(p, at, "%s needs columns", kname);
		break;
	case DN_CHK_DUPLICATE_PERCENT:
		if (!c->has_max)
			c->max = 0, c->has_max = 1;
		break;
	case DN_CHK_TYPE:
		if (!c->column || !c->type)
			problem(p, at, "type needs column and type");
		break;
	case DN_CHK_REGEX:
		if (!c->column || !c->pattern)
			problem(p, at, "regex needs column and pattern");
		break;
	case DN_CHK_ACCEPTED_VALUES:
		if (!c->column || !c->nvalues)
			problem(p, at, "accepted_values needs column and values");
		break;
	case DN_CHK_RANGE:
	case DN_CHK_LENGTH:
		if (!c->column || (!c->has_min && !c->has_max))
			problem(p, at, "%s needs column and min or max", kname);
		break;
	case DN_CHK_FORMAT:
		if (!c->column || !c->format)
			problem(p, at, "format needs column and format");
		break;
	case DN_CHK_RELATIONSHIPS:
		if (!c->column || !c->other)
			problem(p, at, "relationships needs column and to (the other dataset)");
		if (!c->field)
			c->field = c->column;
		break;
	case DN_CHK_EXPRESSION:
		if (!c->condition)
			problem(p, at, "expression needs condition");
		break;
	case DN_CHK_RECONCILE:
		if (!c->other)
			problem(p, at, "reconcile needs with (the other dataset)");
		if (!c->metric)
			c->metric = "count";
		if (!strcmp(c->metric, "sum") && !c->column)
			problem(p, at, "reconcile with metric sum needs column");
		break;
	case DN_CHK_ACCURACY:
		if (!c->other || !c->key || !c->column)
			problem(p, at, "accuracy needs reference, key and column");
		if (!c->field)
			c->field = c->column;
		break;
	case DN_CHK_FRESHNESS:
		if (!c->column || !c->max_age_text)
			problem(p, at, "freshness needs column and max_age (e.g. 1d)");
		break;
	case DN_CHK_ARRIVAL_DELAY:
		if (c->partition && (c->column || c->event_column))
			problem(p, at,
				"arrival_delay takes either partition (a lake dataset's partition "
				"column) or column and event_column, not both");
		else if ((!c->partition && (!c->column || !c->event_column)) || !c->max_age_text)
			problem(p, at,
				"arrival_delay needs column (when rows arrived) and event_column "
				"(the time or date they are about), or partition (a lake "
				"dataset's partition column, judged by its commits); and max "
				"(e.g. 6h)");
		break;
	case DN_CHK_ANOMALY:
		if (!c->ametric)
			problem(p, at,
				"anomaly needs metric (row_count, missing_percent, mean, "
				"sum, min or max)");
		else if (c->ametric != DN_AM_ROW_COUNT && !c->column)
			problem(p, at, "anomaly on %s needs column", c->metric);
		if (c->max_change_pct < 0 && c->stddevs < 0)
			problem(p, at, "anomaly needs max_change_percent or stddevs (or both)");
		break;
	default:
		break;
	}
	if (p->nproblems > before)
		return DN_EPARSE;
	if (!c->name)
		c->name = default_name(p, c);
	return c->name ? 0 : DN_ENOMEM;
}

int dn_suite_parse(struct dn_suite **out, const char *file, const char *text, size_t len,
		   struct dn_problems *probs, struct dn_error *err)
{
	struct dn_yaml_doc doc;
	struct dn_suite *s = dn_calloc(1, sizeof *s);
	int rc = 0;
	*out = NULL;
	if (!s)
		return dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
	dn_arena_init(&s->arena, 0);
	s->samples = 5;
	struct parser p = {s, probs, file, 0};
	if ((rc = dn_yaml_parse(&doc, file, text, len, err)) < 0) {
		if (rc == DN_EPARSE) {
			dn_problems_add_error(probs, file, 0, 0, err);
			dn_error_clear(err);
		}
		dn_yaml_doc_release(&doc);
		dn_suite_free(s);
		return rc;
	}
	s->file = str(&p, file);
	const struct dn_yaml_node *root = doc.root, *v;
	if (!root || root->kind != DN_YAML_MAP) {
		problem(&p, root, "a suite is a mapping with `checks:` (a list of checks)");
		goto done;
	}
	duplicate_keys(&p, root);
	for (size_t i = 0; i < root->len; i++) {
		const struct dn_yaml_node *k = root->items[2 * i];
		if (!key_known(k->str, suite_keys)) {
			const char *hint = dn_suggest(k->str, suite_keys);
			problem(&p, k, "unknown key '%s' in a suite%s%s%s", k->str,
				hint ? " (did you mean '" : "", hint ? hint : "",
				hint ? "'?)" :
				       "; it takes suite, target, table, connection, "
				       "quarantine, samples and checks");
		}
	}
	if ((v = dn_yaml_get(root, "suite", NULL)))
		s->name = scalar(&p, v, "suite");
	if ((v = dn_yaml_get(root, "target", NULL)))
		s->target = scalar(&p, v, "target");
	if ((v = dn_yaml_get(root, "table", NULL)))
		s->table = scalar(&p, v, "table");
	if ((v = dn_yaml_get(root, "connection", NULL)))
		s->connection = scalar(&p, v, "connection");
	if ((v = dn_yaml_get(root, "quarantine", NULL)))
		s->quarantine = scalar(&p, v, "quarantine");
	if ((v = dn_yaml_get(root, "samples", NULL))) {
		int64_t n;
		if (dn_yaml_i64(v, &n) < 0 || n < 0 || n > 1000)
			problem(&p, v, "samples: '%s' is not a whole number from 0 to 1000",
				dn_yaml_shown(v));
		else
			s->samples = (int)n;
	}
	if (!s->name) {
		const char *b = strrchr(file, '/');
		b = b ? b + 1 : file;
		const char *dot = strrchr(b, '.');
		s->name = dn_arena_strndup(&s->arena, b,
					   dot && dot > b ? (size_t)(dot - b) : strlen(b));
	}
	v = dn_yaml_get(root, "checks", NULL);
	if (!v || v->kind != DN_YAML_SEQ || !v->len) {
		problem(&p, v ? v : root, "a suite needs `checks:`, a list of checks");
		goto done;
	}
	s->checks = dn_calloc(v->len, sizeof *s->checks);
	if (!s->checks) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
		goto done;
	}
	s->nchecks = (int)v->len;
	for (size_t i = 0; i < v->len; i++) {
		int e = parse_check(&p, &s->checks[i], v->items[i]);
		if (e == DN_ENOMEM) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory reading %s", file);
			goto done;
		}
	}
	for (int i = 0; !p.nproblems && i < s->nchecks; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(s->checks[i].name, s->checks[j].name)) {
				dn_problems_add(probs, file, s->checks[i].line, s->checks[i].col,
						"a second check named '%s' (line %lld has the "
						"first); give one a different `name:`",
						s->checks[i].name, (long long)s->checks[j].line);
				p.nproblems++;
				break;
			}
done:
	dn_yaml_doc_release(&doc);
	if (rc == 0 && (p.nproblems || probs->nomem))
		rc = DN_EPARSE;
	if (rc < 0) {
		if (rc == DN_EPARSE)
			dn_error_set_at(err, DN_EPARSE, file, 0, 0, "%d problem%s in the suite",
					p.nproblems, p.nproblems == 1 ? "" : "s");
		dn_suite_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int dn_suite_load(struct dn_suite **out, const char *path, struct dn_problems *probs,
		  struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	*out = NULL;
	DN_TRY(dn_read_file(path, &b, DN_YAML_MAX_BYTES + 1, err));
	int rc = dn_suite_parse(out, path, b.data ? b.data : "", b.len, probs, err);
	dn_buf_release(&b);
	return rc;
}

void dn_suite_free(struct dn_suite *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nchecks; i++)
		if (s->checks[i].regex) {
			regfree(s->checks[i].regex);
			dn_free(s->checks[i].regex);
		}
	dn_free(s->checks);
	dn_arena_release(&s->arena);
	dn_free(s);
}
