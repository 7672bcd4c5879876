/* Checks pushed down to a warehouse: the data stays in the database, dunya sends SQL and reads
 * back one number per check (and a few sample rows of a failing check).
 *
 * Each check becomes one aggregate query over the table: a count of the rows that break it
 * (not_null, accepted_values, range, length, expression, relationships and accuracy against
 * another table of the same warehouse, written `table:NAME`), COUNT(c) - COUNT(DISTINCT c) for
 * unique, a GROUP BY for combinations and duplicate rows, COUNT/SUM/AVG/MIN/MAX for row counts,
 * reconciliations and anomaly metrics, MAX(c) for freshness; names and types come from a
 * `LIMIT 0` query. What SQL cannot say the same way on this database streams instead, through
 * the same evaluator as files, reading the table once for all such checks: regular expressions
 * and formats on SQLite (it has no regex operator), ISO date formats, arrival delays, and
 * references that are files or lake datasets rather than tables. The JSON report says
 * `pushdown: true`; samples of pushed-down checks have no `_row` (a table has no row order). */
#include <math.h>
#include <string.h>

#include "../store/store.h"
#include "quality_int.h"

struct sq {
	struct dn_wh *wh;
	int pg;
	const char *table;
	struct dn_buf t;   /* the quoted table */
	struct dn_buf sql; /* scratch */
	struct dn_buf tmp, row;
};

static void quote_ident(struct dn_buf *b, const char *name)
{
	dn_buf_putc(b, '"', NULL);
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			dn_buf_putc(b, '"', NULL);
		dn_buf_putc(b, *p, NULL);
	}
	dn_buf_putc(b, '"', NULL);
}

/* A table name, each dotted part quoted (schema.table). */
static void quote_table(struct dn_buf *b, const char *name)
{
	const char *p = name;
	for (;;) {
		const char *dot = strchr(p, '.');
		char part[256];
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(part, sizeof part, "%.*s", (int)(n < 255 ? n : 255), p);
		quote_ident(b, part);
		if (!dot)
			break;
		dn_buf_putc(b, '.', NULL);
		p = dot + 1;
	}
}

static void quote_text(struct dn_buf *b, const char *s)
{
	dn_buf_putc(b, '\'', NULL);
	for (; *s; s++) {
		if (*s == '\'')
			dn_buf_putc(b, '\'', NULL);
		dn_buf_putc(b, *s, NULL);
	}
	dn_buf_putc(b, '\'', NULL);
}

static void col(struct dn_buf *b, const char *name)
{
	quote_ident(b, name);
}

/* Run sql; *v gets the first value of the first row as a number (times in µs); 0 with *isnull
 * when it is NULL or there is no row. */
static int sql_value(struct sq *q, const char *sql, int want_time, double *v, int *isnull,
		     struct dn_error *err)
{
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc = dn_wh_query_open(q->wh, &qu, sql, 16, err);
	*isnull = 1;
	*v = 0;
	if (rc == 0 && (rc = dn_wh_query_next(qu, &b, err)) > 0 && b->nrows > 0 &&
	    b->schema.nfields > 0 && !dn_column_is_null(&b->columns[0], 0)) {
		const struct dn_column *c = &b->columns[0];
		rc = 0;
		if (dn_q_value_num(c, 0, want_time, v))
			*isnull = 0;
	}
	if (rc > 0)
		rc = 0;
	dn_batch_free(b);
	dn_wh_query_free(qu);
	return rc;
}

/* The first `n` rows matching `where`, as JSON samples. */
static int samples(struct sq *q, struct dn_check_result *res, const char *where, int n,
		   struct dn_error *err)
{
	struct dn_buf s = DN_BUF_INIT;
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc;
	if (n <= 0)
		return 0;
	dn_buf_printf(&s, NULL, "SELECT * FROM %s WHERE %s LIMIT %d", q->t.data, where, n);
	rc = dn_wh_query_open(q->wh, &qu, s.data, n, err);
	if (rc == 0 && (rc = dn_wh_query_next(qu, &b, err)) > 0) {
		rc = 0;
		res->samples = dn_calloc((size_t)b->nrows + 1, sizeof *res->samples);
		for (int64_t i = 0; res->samples && i < b->nrows; i++)
			if ((res->samples[res->nsamples] =
				     dn_q_row_json(b, i, 0, &q->tmp, &q->row)))
				res->nsamples++;
	}
	if (rc > 0)
		rc = 0;
	dn_batch_free(b);
	dn_wh_query_free(qu);
	dn_buf_release(&s);
	return rc;
}

static const char *op_sql(enum dn_cmp_op op)
{
	static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};
	return ops[op];
}

static void operand_sql(struct dn_buf *b, const struct dn_check_operand *o)
{
	if (o->column)
		col(b, o->column);
	else if (o->is_number)
		dn_buf_puts(b, o->text, NULL);
	else
		quote_text(b, o->text);
}

static const char *other_table(const struct dn_check *c)
{
	return c->other && !strncmp(c->other, "table:", 6) ? c->other + 6 : NULL;
}

/* A condition as SQL: SQL's AND binds tighter than OR, as the condition's `and` does, and its
 * three-valued logic is the streaming run's (a NULL side makes a comparison unknown). */
static void cond_sql(const struct dn_check_cond *cond, struct dn_buf *w)
{
	dn_buf_putc(w, '(', NULL);
	for (int k = 0; k < cond->n; k++) {
		const struct dn_check_cmp *m = &cond->cmp[k];
		if (k)
			dn_buf_puts(w, m->or_before ? " OR " : " AND ", NULL);
		operand_sql(w, &m->lhs);
		dn_buf_printf(w, NULL, " %s ", op_sql(m->op));
		operand_sql(w, &m->rhs);
	}
	dn_buf_putc(w, ')', NULL);
}

/* A check's `where:` as SQL (rows where it is true, as in the streaming run). */
static void where_sql(const struct dn_check *c, struct dn_buf *w)
{
	cond_sql(&c->wcond, w);
}

static int fail_where_base(struct sq *q, const struct dn_check *c, struct dn_buf *w);

/* The WHERE condition of the rows that break a row-level check (within its `where:`), or 0 when
 * this check does not push down on this database. */
static int fail_where(struct sq *q, const struct dn_check *c, struct dn_buf *w)
{
	if (!fail_where_base(q, c, w))
		return 0;
	if (c->where && w->len) {
		struct dn_buf t = DN_BUF_INIT;
		dn_buf_printf(&t, NULL, "(%s) AND ", w->data);
		where_sql(c, &t);
		dn_buf_reset(w);
		dn_buf_puts(w, t.data, NULL);
		dn_buf_release(&t);
	}
	return 1;
}

static int fail_where_base(struct sq *q, const struct dn_check *c, struct dn_buf *w)
{
	dn_buf_reset(w);
	switch (c->kind) {
	case DN_CHK_NOT_NULL:
		col(w, c->column);
		dn_buf_puts(w, " IS NULL", NULL);
		return 1;
	case DN_CHK_ACCEPTED_VALUES:
		col(w, c->column);
		dn_buf_puts(w, " IS NOT NULL AND CAST(", NULL);
		col(w, c->column);
		dn_buf_puts(w, " AS TEXT) NOT IN (", NULL);
		for (int k = 0; k < c->nvalues; k++) {
			if (k)
				dn_buf_puts(w, ", ", NULL);
			quote_text(w, c->values[k]);
		}
		dn_buf_putc(w, ')', NULL);
		return 1;
	case DN_CHK_RANGE:
	case DN_CHK_LENGTH: {
		struct dn_buf e = DN_BUF_INIT;
		if (c->kind == DN_CHK_LENGTH) {
			dn_buf_puts(&e, "LENGTH(CAST(", NULL);
			col(&e, c->column);
			dn_buf_puts(&e, " AS TEXT))", NULL);
		} else {
			col(&e, c->column);
		}
		col(w, c->column);
		dn_buf_puts(w, " IS NOT NULL AND (", NULL);
		int any = 0;
		for (int side = 0; side < 2; side++) {
			double bound = side ? c->max : c->min;
			if (!(side ? c->has_max : c->has_min) || isinf(bound))
				continue;
			dn_buf_printf(w, NULL, "%s%s %s ", any++ ? " OR " : "", e.data,
				      side ? ">" : "<");
			if (c->range_time)
				quote_text(w, side ? c->max_text : c->min_text);
			else
				dn_buf_printf(w, NULL, "%.17g", bound);
		}
		if (!any)
			dn_buf_puts(w, "1 = 0", NULL);
		dn_buf_putc(w, ')', NULL);
		dn_buf_release(&e);
		return 1;
	}
	case DN_CHK_REGEX:
	case DN_CHK_FORMAT: {
		const char *pat = c->pattern;
		if (!q->pg)
			return 0;
		if (c->kind == DN_CHK_FORMAT) {
			if (!strcmp(c->format, "email"))
				pat = "^[^@[:space:]]+@[^@.[:space:]][^@[:space:]]*"
				      "\\.[^@[:space:].]+$";
			else if (!strcmp(c->format, "url"))
				pat = "^([Hh][Tt][Tt][Pp][Ss]?|[Ss]?[Ff][Tt][Pp][Ss]?|[Ss]3)://"
				      "[^/?#[:space:]][^[:space:]]*$";
			else
				return 0;
		}
		col(w, c->column);
		dn_buf_puts(w, " IS NOT NULL AND NOT (CAST(", NULL);
		col(w, c->column);
		dn_buf_puts(w, " AS TEXT) ~ ", NULL);
		quote_text(w, pat);
		dn_buf_putc(w, ')', NULL);
		return 1;
	}
	case DN_CHK_RELATIONSHIPS: {
		const char *ot = other_table(c);
		if (!ot)
			return 0;
		col(w, c->column);
		dn_buf_puts(w, " IS NOT NULL AND ", NULL);
		col(w, c->column);
		dn_buf_puts(w, " NOT IN (SELECT ", NULL);
		col(w, c->field);
		dn_buf_puts(w, " FROM ", NULL);
		quote_table(w, ot);
		dn_buf_puts(w, " WHERE ", NULL);
		col(w, c->field);
		dn_buf_puts(w, " IS NOT NULL)", NULL);
		return 1;
	}
	case DN_CHK_EXPRESSION:
		/* false, not unknown: NOT of an unknown condition is unknown, and not counted */
		dn_buf_puts(w, "NOT ", NULL);
		cond_sql(&c->cond, w);
		return 1;
	case DN_CHK_ACCURACY: {
		const char *ot = other_table(c);
		if (!ot)
			return 0;
		/* no reference row with the key, or one whose value differs */
		col(w, c->key);
		dn_buf_puts(w, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ", NULL);
		quote_table(w, ot);
		dn_buf_puts(w, " r WHERE r.", NULL);
		col(w, c->key);
		dn_buf_printf(w, NULL, " = %s.", q->t.data);
		col(w, c->key);
		dn_buf_puts(w, " AND ((r.", NULL);
		col(w, c->field);
		dn_buf_puts(w, " IS NULL AND ", NULL);
		dn_buf_printf(w, NULL, "%s.", q->t.data);
		col(w, c->column);
		dn_buf_puts(w, " IS NULL) OR ", NULL);
		if (c->tolerance > 0) {
			dn_buf_puts(w, "ABS(r.", NULL);
			col(w, c->field);
			dn_buf_printf(w, NULL, " - %s.", q->t.data);
			col(w, c->column);
			dn_buf_printf(w, NULL, ") <= %.17g))", c->tolerance);
		} else {
			dn_buf_puts(w, "r.", NULL);
			col(w, c->field);
			dn_buf_printf(w, NULL, " = %s.", q->t.data);
			col(w, c->column);
			dn_buf_puts(w, "))", NULL);
		}
		return 1;
	}
	default:
		return 0;
	}
}

/* Does check c run as SQL here? */
static int pushable(struct sq *q, const struct dn_check *c)
{
	struct dn_buf w = DN_BUF_INIT;
	int ok;
	switch (c->kind) {
	case DN_CHK_ARRIVAL_DELAY:
		ok = 0;
		break;
	case DN_CHK_UNIQUE:
	case DN_CHK_UNIQUE_COMBINATION:
		ok = 1;
		break;
	case DN_CHK_RECONCILE:
		ok = other_table(c) != NULL;
		break;
	default:
		ok = dn_q_row_level(c->kind) ? fail_where(q, c, &w) : 1;
	}
	dn_buf_release(&w);
	return ok;
}

static int count_where(struct sq *q, const char *where, double *v, struct dn_error *err)
{
	int isnull;
	dn_buf_reset(&q->sql);
	dn_buf_printf(&q->sql, NULL, "SELECT COUNT(*) FROM %s WHERE %s", q->t.data, where);
	return sql_value(q, q->sql.data, 0, v, &isnull, err);
}

/* Quarantine of a table: the rows failing pushed-down checks are selected in the database, in
 * one query, with the names of the checks each failed; only they leave it. */
static void quarantine_add(struct dn_buf *where, struct dn_buf *names, const struct dn_check *c,
			   const char *fail)
{
	struct dn_buf label = DN_BUF_INIT;
	dn_buf_printf(&label, NULL, "; %s", c->name);
	dn_buf_printf(where, NULL, "%s(%s)", where->len ? " OR " : "", fail);
	dn_buf_printf(names, NULL, "%sCASE WHEN (%s) THEN ", names->len ? " || " : "", fail);
	quote_text(names, label.data ? label.data : "");
	dn_buf_puts(names, " ELSE '' END", NULL);
	dn_buf_release(&label);
}

static int quarantine_rows(struct sq *q, const struct dn_buf *where, const struct dn_buf *names,
			   const struct dn_check_options *o, struct dn_suite_result *r,
			   struct dn_error *err)
{
	struct dn_wh_query *qu = NULL;
	struct dn_batch *b = NULL;
	int rc, k;
	dn_buf_reset(&q->sql);
	dn_buf_printf(&q->sql, NULL, "SELECT *, SUBSTR(%s, 3) AS _failed_checks FROM %s WHERE %s",
		      names->data, q->t.data, where->data);
	if ((rc = dn_wh_query_open(q->wh, &qu, q->sql.data, 65536, err)) < 0)
		return rc;
	while ((k = dn_wh_query_next(qu, &b, err)) > 0) {
		rc = o->quarantine(o->quarantine_user, b, err);
		r->quarantined += b->nrows;
		dn_batch_free(b);
		if (rc < 0)
			break;
	}
	dn_wh_query_free(qu);
	return rc < 0 ? rc : k;
}

int dn_check_run_sql(const struct dn_suite *s, struct dn_wh *wh, const char *table,
		     const struct dn_check_options *o, struct dn_suite_result *r,
		     struct dn_error *err)
{
	struct sq q = {wh, !strcmp(wh->ops->name, "postgres"), table};
	struct dn_wh_query *qu = NULL;
	struct dn_batch *head = NULL;
	struct dn_buf w = DN_BUF_INIT;
	/* quarantine: the failing rows' condition (ORed) and the names of what they failed */
	struct dn_buf qwhere = DN_BUF_INIT, qnames = DN_BUF_INIT;
	struct dn_suite sub;
	struct dn_check_run *cr = NULL;
	struct dn_suite_result subr;
	int *subidx = NULL, rc = 0, isnull;
	double v;
	memset(r, 0, sizeof *r);
	memset(&sub, 0, sizeof sub);
	memset(&subr, 0, sizeof subr);
	quote_table(&q.t, table);
	r->suite = s;
	r->pushdown = 1;
	r->at = o->now_us ? o->now_us : dn_now_us();
	r->target = dn_strdup(o->target ? o->target : table);
	r->results = dn_calloc((size_t)s->nchecks + 1, sizeof *r->results);
	sub.checks = dn_calloc((size_t)s->nchecks + 1, sizeof *sub.checks);
	subidx = dn_calloc((size_t)s->nchecks + 1, sizeof *subidx);
	if (!r->target || !r->results || !sub.checks || !subidx) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory");
		goto out;
	}
	r->nresults = s->nchecks;
	/* Columns and their types. */
	dn_buf_printf(&q.sql, NULL, "SELECT * FROM %s LIMIT 0", q.t.data);
	if ((rc = dn_wh_query_open(wh, &qu, q.sql.data, 16, err)) < 0 ||
	    (rc = dn_wh_query_next(qu, &head, err)) < 0)
		goto out;
	if (!head) {
		rc = dn_error_set(err, DN_EINVAL, "%s returns no columns", table);
		goto out;
	}
	dn_buf_reset(&q.sql);
	dn_buf_printf(&q.sql, NULL, "SELECT COUNT(*) FROM %s", q.t.data);
	if ((rc = sql_value(&q, q.sql.data, 0, &v, &isnull, err)) < 0)
		goto out;
	r->rows = (int64_t)v;
	const struct dn_schema *sc = &head->schema;
	for (int ci = 0; ci < s->nchecks; ci++) {
		const struct dn_check *c = &s->checks[ci];
		struct dn_check_result *res = &r->results[ci];
		res->check = c;
		res->failing = -1;
		/* accepted_values on a column that is not text matches values by what they read
		 * as (`2.50` is 2.5, `FALSE` is false), which SQL's text comparison cannot: it
		 * streams, so that a table and a file give the same rows. */
		int typed_values = c->kind == DN_CHK_ACCEPTED_VALUES &&
				   dn_schema_find(sc, c->column) >= 0 &&
				   sc->fields[dn_schema_find(sc, c->column)].type != DN_STRING;
		if (!pushable(&q, c) || typed_values) {
			subidx[sub.nchecks] = ci;
			sub.checks[sub.nchecks++] = *c;
			continue;
		}
		/* columns the check names must exist */
		const char *names[2 + 4 * DN_CHECK_MAX_CMP] = {c->column,
							       c->kind == DN_CHK_ACCURACY ? c->key :
											    NULL};
		int nn = 2;
		for (int k = 0; c->kind == DN_CHK_EXPRESSION && k < c->cond.n; k++) {
			names[nn++] = c->cond.cmp[k].lhs.column;
			names[nn++] = c->cond.cmp[k].rhs.column;
		}
		for (int k = 0; c->where && k < c->wcond.n; k++) {
			names[nn++] = c->wcond.cmp[k].lhs.column;
			names[nn++] = c->wcond.cmp[k].rhs.column;
		}
		const char *miss = NULL;
		for (int k = 0; k < nn && !miss; k++)
			if (names[k] && dn_schema_find(sc, names[k]) < 0 &&
			    c->kind != DN_CHK_REQUIRED_COLUMNS && c->kind != DN_CHK_SCHEMA)
				miss = names[k];
		for (int k = 0; !miss && c->kind == DN_CHK_UNIQUE_COMBINATION && k < c->ncolumns;
		     k++)
			if (dn_schema_find(sc, c->columns[k]) < 0)
				miss = c->columns[k];
		if (miss) {
			res->status = c->severity == DN_SEV_WARN ? DN_CHECK_WARN : DN_CHECK_FAIL;
			snprintf(res->message, sizeof res->message, "no column '%s' in %s", miss,
				 table);
			continue;
		}
		if (dn_q_row_level(c->kind) && c->kind != DN_CHK_UNIQUE &&
		    c->kind != DN_CHK_UNIQUE_COMBINATION) {
			fail_where(&q, c, &w);
			if ((rc = count_where(&q, w.data, &v, err)) < 0)
				goto out;
			res->failing = (int64_t)v;
			if (o->quarantine && v > 0)
				quarantine_add(&qwhere, &qnames, c, w.data);
			if (v > 0 && (rc = samples(&q, res, w.data, s->samples, err)) < 0)
				goto out;
			double rows = (double)r->rows;
			if (c->where) {
				dn_buf_reset(&w);
				where_sql(c, &w);
				if ((rc = count_where(&q, w.data, &rows, err)) < 0)
					goto out;
			}
			dn_q_judge_rows(res, res->failing, (int64_t)rows);
			continue;
		}
		dn_buf_reset(&q.sql);
		switch (c->kind) {
		case DN_CHK_UNIQUE:
		case DN_CHK_UNIQUE_COMBINATION:
		case DN_CHK_DUPLICATE_PERCENT: {
			struct dn_buf g = DN_BUF_INIT;
			int n = c->ncolumns ? c->ncolumns : sc->nfields;
			if (c->kind == DN_CHK_UNIQUE) {
				col(&g, c->column);
				n = 1;
			}
			for (int k = 0; c->kind != DN_CHK_UNIQUE && k < n; k++) {
				if (k)
					dn_buf_puts(&g, ", ", NULL);
				col(&g, c->ncolumns ? c->columns[k] : sc->fields[k].name);
			}
			struct dn_buf cond = DN_BUF_INIT; /* which rows count */
			if (c->kind == DN_CHK_UNIQUE)
				dn_buf_printf(&cond, NULL, "%s IS NOT NULL", g.data);
			if (c->where && dn_q_row_level(c->kind)) {
				if (cond.len)
					dn_buf_puts(&cond, " AND ", NULL);
				where_sql(c, &cond);
			}
			dn_buf_printf(
				&q.sql, NULL,
				"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM "
				"%s%s%s GROUP BY %s) g",
				q.t.data, cond.len ? " WHERE " : "", cond.len ? cond.data : "",
				g.data);
			rc = sql_value(&q, q.sql.data, 0, &v, &isnull, err);
			if (rc == 0 && c->kind != DN_CHK_DUPLICATE_PERCENT && v > 0) {
				/* samples: rows of the repeated values */
				dn_buf_reset(&w);
				dn_buf_printf(&w, NULL,
					      "%s%s(%s) IN (SELECT %s FROM %s%s%s GROUP BY %s "
					      "HAVING COUNT(*) > 1)",
					      cond.len ? cond.data : "", cond.len ? " AND " : "",
					      g.data, g.data, q.t.data, cond.len ? " WHERE " : "",
					      cond.len ? cond.data : "", g.data);
				if (!q.pg && n > 1)
					dn_buf_reset(&w); /* SQLite: no row values in IN */
				if (w.len)
					rc = samples(&q, res, w.data, s->samples, err);
				if (o->quarantine && w.len)
					quarantine_add(&qwhere, &qnames, c, w.data);
				else if (o->quarantine)
					dn_warn("%s: the rows failing %s are not quarantined "
						"(SQLite cannot select rows by several values)",
						table, c->name);
			}
			double rows = (double)r->rows;
			if (rc == 0 && c->where && c->kind != DN_CHK_DUPLICATE_PERCENT) {
				dn_buf_reset(&cond);
				where_sql(c, &cond);
				rc = count_where(&q, cond.data, &rows, err);
			}
			dn_buf_release(&cond);
			dn_buf_release(&g);
			if (rc < 0)
				goto out;
			if (c->kind == DN_CHK_DUPLICATE_PERCENT) {
				double pct = r->rows ? 100.0 * v / (double)r->rows : 0;
				dn_q_judge_percent(res, pct, c->max, "duplicates", (int64_t)v,
						   r->rows);
			} else {
				res->failing = (int64_t)v;
				dn_q_judge_rows(res, res->failing, (int64_t)rows);
			}
			break;
		}
		case DN_CHK_MISSING_PERCENT: {
			dn_buf_reset(&w);
			col(&w, c->column);
			dn_buf_puts(&w, " IS NULL", NULL);
			if ((rc = count_where(&q, w.data, &v, err)) < 0)
				goto out;
			double pct = r->rows ? 100.0 * v / (double)r->rows : 0;
			dn_q_judge_percent(res, pct, c->max, "missing", (int64_t)v, r->rows);
			break;
		}
		case DN_CHK_RECONCILE:
		case DN_CHK_FRESHNESS:
		case DN_CHK_ANOMALY: {
			const char *fn = "COUNT(*)";
			int want_time = 0;
			if (c->kind == DN_CHK_FRESHNESS) {
				fn = "MAX", want_time = 1;
			} else if (c->kind == DN_CHK_RECONCILE) {
				fn = !strcmp(c->metric, "sum") ? "SUM" : "COUNT(*)";
			} else {
				static const char *const fns[] = {"",    "COUNT(*)", "",   "AVG",
								  "SUM", "MIN",      "MAX"};
				fn = fns[c->ametric];
			}
			double other = 0;
			for (int side = 0; side < (c->kind == DN_CHK_RECONCILE ? 2 : 1); side++) {
				dn_buf_reset(&q.sql);
				dn_buf_printf(&q.sql, NULL, "SELECT %s", fn);
				if (strcmp(fn, "COUNT(*)")) {
					dn_buf_puts(&q.sql, q.pg && !want_time ? "(CAST(" : "(",
						    NULL);
					col(&q.sql, c->column);
					dn_buf_puts(&q.sql,
						    q.pg && !want_time ? " AS FLOAT8))" : ")",
						    NULL);
				}
				if (c->kind == DN_CHK_ANOMALY &&
				    c->ametric == DN_AM_MISSING_PERCENT) {
					dn_buf_reset(&q.sql);
					dn_buf_puts(&q.sql, "SELECT 100.0 * SUM(CASE WHEN ", NULL);
					col(&q.sql, c->column);
					dn_buf_puts(&q.sql,
						    " IS NULL THEN 1 ELSE 0 END) / COUNT(*)", NULL);
				}
				dn_buf_puts(&q.sql, " FROM ", NULL);
				if (side)
					quote_table(&q.sql, other_table(c));
				else
					dn_buf_puts(&q.sql, q.t.data, NULL);
				if ((rc = sql_value(&q, q.sql.data, want_time, side ? &other : &v,
						    &isnull, err)) < 0)
					goto out;
				if (isnull && !side)
					v = NAN;
			}
			if (c->kind == DN_CHK_RECONCILE) {
				dn_q_judge_reconcile(res, isnan(v) ? 0 : v, other);
			} else if (c->kind == DN_CHK_FRESHNESS) {
				dn_q_judge_freshness(res, !isnan(v), (int64_t)v, r->at);
			} else if (isnan(v)) {
				res->status = DN_CHECK_SKIPPED;
				snprintf(res->message, sizeof res->message,
					 "no %s value to measure", c->column);
			} else {
				dn_q_set_value(res, v);
				if ((rc = dn_q_judge_anomaly(res, r, o, err)) < 0)
					goto out;
			}
			break;
		}
		default:
			/* row_count, required_columns, schema, type: the count, the columns */
			dn_q_judge_static(res, sc, r->rows, table);
			break;
		}
	}
	if (qwhere.len && (rc = quarantine_rows(&q, &qwhere, &qnames, o, r, err)) < 0)
		goto out;
	if (sub.nchecks) {
		/* What does not push down streams, in one read of the table. */
		struct dn_buf names = DN_BUF_INIT;
		for (int i = 0; i < sub.nchecks; i++)
			dn_buf_printf(&names, NULL, "%s%s", i ? ", " : "", sub.checks[i].name);
		dn_info("%d check%s read the rows of %s (not expressible in SQL on %s): %s",
			sub.nchecks, sub.nchecks == 1 ? "" : "s", table, wh->ops->name,
			names.data ? names.data : "");
		dn_buf_release(&names);
		struct dn_check_options so = *o;
		for (int i = 0; o->quarantine && i < sub.nchecks; i++)
			if (dn_q_row_level(sub.checks[i].kind))
				dn_warn("%s: the rows failing %s are not quarantined (the check "
					"does not run in the database)",
					table, sub.checks[i].name);
		so.quarantine = NULL;
		so.target = r->target;
		so.meta = NULL;
		so.history = 0;
		sub.samples = s->samples;
		sub.name = s->name;
		sub.file = s->file;
		dn_wh_query_free(qu);
		qu = NULL;
		dn_buf_reset(&q.sql);
		dn_buf_printf(&q.sql, NULL, "SELECT * FROM %s", q.t.data);
		struct dn_batch *b = NULL;
		int k;
		if ((rc = dn_check_run_new(&cr, &sub, &so, err)) < 0 ||
		    (rc = dn_wh_query_open(wh, &qu, q.sql.data, 65536, err)) < 0)
			goto out;
		while ((k = dn_wh_query_next(qu, &b, err)) > 0) {
			rc = dn_check_run_add(cr, b, err);
			dn_batch_free(b);
			if (rc < 0)
				goto out;
		}
		if ((rc = k) < 0 || (rc = dn_check_run_finish(cr, &subr, err)) < 0)
			goto out;
		for (int i = 0; i < sub.nchecks; i++) {
			struct dn_check_result *dst = &r->results[subidx[i]];
			*dst = subr.results[i];
			dst->check = &s->checks[subidx[i]];
			memset(&subr.results[i], 0, sizeof subr.results[i]);
			if (dst->check->kind == DN_CHK_ANOMALY && dst->has_value) {
				/* judged again, with the history the streamed part did not read */
				dst->message[0] = 0;
				dst->status = DN_CHECK_PASS;
				if ((rc = dn_q_judge_anomaly(dst, r, o, err)) < 0)
					goto out;
			}
		}
	}
	rc = dn_q_finish_result(r, o, err);
out:
	if (rc < 0)
		dn_suite_result_release(r);
	dn_suite_result_release(&subr);
	dn_check_run_free(cr);
	dn_batch_free(head);
	dn_wh_query_free(qu);
	dn_free(sub.checks);
	dn_free(subidx);
	dn_buf_release(&q.t);
	dn_buf_release(&q.sql);
	dn_buf_release(&q.tmp);
	dn_buf_release(&q.row);
	dn_buf_release(&w);
	dn_buf_release(&qwhere);
	dn_buf_release(&qnames);
	return rc;
}
