/* The warehouse front: URLs to backends, mode and type names, the public dn_wh_* functions,
 * which allocate the shared handles and call the backend's ops table (warehouse_sqlite.c,
 * warehouse_pg.c), and the helpers both backends share (store_int.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

static const char *const mode_names[] = {"append", "replace", "merge", "incremental"};

const char *dn_wh_mode_name(enum dn_wh_mode m)
{
	return (unsigned)m < 4 ? mode_names[m] : "?";
}

int dn_wh_mode_parse(const char *s, enum dn_wh_mode *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, mode_names[i])) {
			*out = (enum dn_wh_mode)i;
			return 0;
		}
	return DN_EPARSE;
}

const char *dn_wh_sqlite_type(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
	case DN_INT64:
		return "INTEGER";
	case DN_FLOAT64:
		return "REAL";
	default:
		return "TEXT";
	}
}

void dn_wh_load_options_init(struct dn_wh_load_options *o)
{
	memset(o, 0, sizeof *o);
}

/* ---- shared by the backends (store_int.h) ---- */

/* Append name as a quoted identifier: "a""b". */
int dn_wh_put_ident(struct dn_buf *b, const char *name, struct dn_error *err)
{
	DN_TRY(dn_buf_putc(b, '"', err));
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			DN_TRY(dn_buf_putc(b, '"', err));
		DN_TRY(dn_buf_putc(b, *p, err));
	}
	return dn_buf_putc(b, '"', err);
}

/* "00" to "99": two digits per table load instead of a division per digit. */
static const char digits2[201] = "00010203040506070809101112131415161718192021222324"
				 "25262728293031323334353637383940414243444546474849"
				 "50515253545556575859606162636465666768697071727374"
				 "75767778798081828384858687888990919293949596979899";

static inline char *put2(char *p, uint32_t v, char after)
{
	memcpy(p, digits2 + 2 * v, 2);
	p[2] = after;
	return p + 3;
}

int dn_wh_fmt_ts(int64_t us, char *out)
{
	int64_t days = us / DN_USEC_PER_DAY, rem = us % DN_USEC_PER_DAY;
	if (rem < 0) {
		rem += DN_USEC_PER_DAY;
		days--;
	}
	int y, m, d;
	dn_civil_from_days((int32_t)days, &y, &m, &d);
	uint32_t secs = (uint32_t)(rem / DN_USEC_PER_SEC), frac = (uint32_t)(rem % DN_USEC_PER_SEC);
	if (y < 0 || y > 9999) /* outside the fixed width: the slow, general form */
		return snprintf(out, 48, "%04d-%02d-%02dT%02u:%02u:%02u.%06uZ", y, m, d,
				secs / 3600, secs / 60 % 60, secs % 60, frac);
	/* Fixed width, two digits at a time: this runs for every timestamp of a load, and
	 * snprintf was a tenth of the load's time (a digit loop still a twelfth). */
	char *p = out;
	p = put2(p, (uint32_t)y / 100, 0) - 1;
	p = put2(p, (uint32_t)y % 100, '-');
	p = put2(p, (uint32_t)m, '-');
	p = put2(p, (uint32_t)d, 'T');
	p = put2(p, secs / 3600, ':');
	p = put2(p, secs / 60 % 60, ':');
	p = put2(p, secs % 60, '.');
	p = put2(p, frac / 10000, 0) - 1;
	p = put2(p, frac / 100 % 100, 0) - 1;
	p = put2(p, frac % 100, 'Z');
	*p = 0;
	return (int)(p - out);
}

/* Value i of column c as a mark (kind 0 when null). */
void dn_wh_mark_of(const struct dn_column *c, int64_t i, struct dn_wh_mark *m)
{
	dn_buf_reset(&m->text);
	m->kind = 0;
	if (dn_column_is_null(c, i))
		return;
	char tmp[48];
	switch (c->type) {
	case DN_BOOL:
		m->kind = 1;
		m->i = dn_column_bool(c, i);
		return;
	case DN_INT64:
		m->kind = 1;
		m->i = dn_column_i64(c, i);
		return;
	case DN_FLOAT64:
		m->kind = 2;
		m->f = dn_column_f64(c, i);
		return;
	case DN_STRING: {
		struct dn_str s = dn_column_str(c, i);
		m->kind = 3;
		dn_buf_append(&m->text, s.ptr, s.len, NULL);
		return;
	}
	case DN_DATE:
		m->kind = 3;
		dn_buf_append(&m->text, tmp, (size_t)dn_date_format(dn_column_date(c, i), tmp),
			      NULL);
		return;
	case DN_TIMESTAMP:
		m->kind = 3;
		dn_buf_append(&m->text, tmp, (size_t)dn_wh_fmt_ts(dn_column_i64(c, i), tmp), NULL);
		return;
	}
}

void dn_wh_mark_text(const struct dn_wh_mark *m, char *out, size_t n)
{
	if (m->kind == 1)
		snprintf(out, n, "%lld", (long long)m->i);
	else if (m->kind == 2)
		dn_format_f64(m->f, out);
	else if (m->kind == 3)
		snprintf(out, n, "%s", m->text.data ? m->text.data : "");
	else
		out[0] = 0;
}

/* a > b? Numbers compare as numbers; anything else as stored text. */
int dn_wh_mark_gt(const struct dn_wh_mark *a, const struct dn_wh_mark *b)
{
	if (b->kind == 0)
		return 1;
	if (a->kind == 1 && b->kind == 1)
		return a->i > b->i;
	if ((a->kind == 1 || a->kind == 2) && (b->kind == 1 || b->kind == 2)) {
		double x = a->kind == 1 ? (double)a->i : a->f,
		       y = b->kind == 1 ? (double)b->i : b->f;
		return x > y;
	}
	char ta[64], tb[64];
	const char *pa = ta, *pb = tb;
	if (a->kind == 3)
		pa = a->text.data ? a->text.data : "";
	else
		dn_wh_mark_text(a, ta, sizeof ta);
	if (b->kind == 3)
		pb = b->text.data ? b->text.data : "";
	else
		dn_wh_mark_text(b, tb, sizeof tb);
	return strcmp(pa, pb) > 0;
}

void dn_wh_mark_copy(struct dn_wh_mark *dst, const struct dn_wh_mark *src)
{
	dst->kind = src->kind;
	dst->i = src->i;
	dst->f = src->f;
	dn_buf_reset(&dst->text);
	if (src->text.len)
		dn_buf_append(&dst->text, src->text.data, src->text.len, NULL);
}

/* ---- opening ---- */

int dn_wh_open(struct dn_wh **out, const char *url, const char *base_dir, struct dn_error *err)
{
	*out = NULL;
	const struct dn_wh_ops *ops = NULL;
	const char *rest = NULL;
	struct dn_buf path = DN_BUF_INIT;
	int rc;
	if (!strncmp(url, "sqlite://", 9)) {
		ops = &dn_wh_sqlite_ops;
		rest = url + 9;
	} else if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13)) {
		ops = &dn_wh_postgres_ops;
		rest = strstr(url, "://") + 3;
	} else {
		const char *colon = strstr(url, "://");
		return dn_error_set(err, DN_EINVAL,
				    "'%.*s' is not a warehouse URL; use sqlite:///abs/path.db, "
				    "sqlite://relative.db or postgres://user@host/db",
				    colon ? (int)(colon - url) + 3 : 64, url);
	}
	if (ops == &dn_wh_sqlite_ops) {
		if (!*rest)
			return dn_error_set(err, DN_EINVAL,
					    "sqlite:// needs a file: sqlite:///abs/path.db or "
					    "sqlite://relative.db");
		if (rest[0] != '/' && strcmp(rest, ":memory:") != 0) {
			char cwd[4096];
			if (!base_dir)
				base_dir = getcwd(cwd, sizeof cwd) ? cwd : ".";
			if ((rc = dn_buf_printf(&path, err, "%s/%s", base_dir, rest)) < 0)
				return rc;
		} else if ((rc = dn_buf_puts(&path, rest, err)) < 0) {
			return rc;
		}
	} else if ((rc = dn_buf_puts(&path, rest, err)) < 0) {
		return rc;
	}
	struct dn_wh *wh = dn_calloc(1, sizeof *wh);
	if (!wh) {
		dn_buf_release(&path);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening a warehouse");
	}
	wh->ops = ops;
	wh->target = dn_buf_take(&path, NULL);
	if ((rc = ops->open(wh, wh->target, err)) < 0) {
		dn_free(wh->target);
		dn_free(wh);
		return rc;
	}
	*out = wh;
	return 0;
}

void dn_wh_close(struct dn_wh *wh)
{
	if (!wh)
		return;
	wh->ops->close(wh);
	dn_free(wh->target);
	dn_free(wh);
}

int dn_wh_exec(struct dn_wh *wh, const char *sql, int64_t *changes, struct dn_error *err)
{
	if (changes)
		*changes = 0;
	return wh->ops->exec(wh, sql, changes, err);
}

int dn_wh_table_exists(struct dn_wh *wh, const char *table, struct dn_error *err)
{
	return wh->ops->table_exists(wh, table, err);
}

int dn_wh_create_table(struct dn_wh *wh, const char *table, const struct dn_schema *schema,
		       struct dn_error *err)
{
	return wh->ops->create_table(wh, table, schema, err);
}

/* ---- loads ---- */

int dn_wh_load_begin(struct dn_wh *wh, struct dn_wh_load **out, const char *table,
		     const struct dn_schema *schema, const struct dn_wh_load_options *opt,
		     struct dn_error *err)
{
	*out = NULL;
	if (opt->mode == DN_WH_MERGE && opt->nkeys == 0)
		return dn_error_set(err, DN_EINVAL,
				    "merge needs key columns (--key COL,...) to match rows on");
	if (opt->mode == DN_WH_INCREMENTAL &&
	    (!opt->incremental_column || !opt->incremental_column[0]))
		return dn_error_set(err, DN_EINVAL,
				    "incremental loads need an incremental column "
				    "(--incremental-column COL) whose values only grow");
	if (opt->nkeys < 0 || opt->nkeys > DN_WH_MAX_KEYS)
		return dn_error_set(err, DN_ELIMIT, "at most %d key columns", DN_WH_MAX_KEYS);
	for (int k = 0; k < opt->nkeys; k++)
		if (dn_schema_find(schema, opt->keys[k]) < 0)
			return dn_error_set(err, DN_EINVAL,
					    "key column '%s' is not a column of the input",
					    opt->keys[k]);
	if (opt->mode == DN_WH_INCREMENTAL && dn_schema_find(schema, opt->incremental_column) < 0)
		return dn_error_set(err, DN_EINVAL,
				    "incremental column '%s' is not a column of the input",
				    opt->incremental_column);
	struct dn_wh_load *ld = dn_calloc(1, sizeof *ld);
	if (!ld)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
	ld->wh = wh;
	int rc = wh->ops->load_begin(ld, table, schema, opt, err);
	if (rc < 0) {
		dn_free(ld);
		return rc;
	}
	*out = ld;
	return 0;
}

int dn_wh_load_batch(struct dn_wh_load *ld, const struct dn_batch *b, struct dn_error *err)
{
	return ld->wh->ops->load_batch(ld, b, err);
}

int dn_wh_load_commit(struct dn_wh_load *ld, struct dn_wh_load_stats *stats, struct dn_error *err)
{
	int rc = ld->wh->ops->load_commit(ld, stats, err);
	dn_free(ld);
	return rc;
}

void dn_wh_load_abort(struct dn_wh_load *ld)
{
	if (!ld)
		return;
	ld->wh->ops->load_abort(ld);
	dn_free(ld);
}

/* ---- queries ---- */

int dn_wh_query_open(struct dn_wh *wh, struct dn_wh_query **out, const char *sql,
		     int64_t batch_rows, struct dn_error *err)
{
	*out = NULL;
	struct dn_wh_query *q = dn_calloc(1, sizeof *q);
	if (!q)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a query");
	q->wh = wh;
	int rc = wh->ops->query_open(q, sql, batch_rows > 0 ? batch_rows : 8192, err);
	if (rc < 0) {
		dn_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

int dn_wh_query_next(struct dn_wh_query *q, struct dn_batch **out, struct dn_error *err)
{
	*out = NULL;
	return q->wh->ops->query_next(q, out, err);
}

int64_t dn_wh_query_changes(const struct dn_wh_query *q)
{
	return q->wh->ops->query_changes(q);
}

void dn_wh_query_free(struct dn_wh_query *q)
{
	if (!q)
		return;
	q->wh->ops->query_free(q);
	dn_free(q);
}

/* A bare identifier (letters, digits, _) is a table to export whole. */
static int is_table_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int dn_wh_export(struct dn_wh *wh, const char *sql, const char *path, enum dn_format fmt,
		 int64_t *rows, struct dn_error *err)
{
	struct dn_wh_query *q = NULL;
	struct dn_writer *w = NULL;
	struct dn_buf stmt = DN_BUF_INIT;
	int rc, any = 0;
	int64_t n = 0;
	if (is_table_name(sql)) {
		rc = dn_buf_printf(&stmt, err, "SELECT * FROM \"%s\"", sql);
		if (rc < 0)
			goto out;
		sql = stmt.data;
	}
	if ((rc = dn_wh_query_open(wh, &q, sql, 0, err)) < 0 ||
	    (rc = dn_writer_open(&w, path, fmt, NULL, err)) < 0)
		goto out;
	struct dn_batch *b;
	while ((rc = dn_wh_query_next(q, &b, err)) > 0) {
		any = 1;
		n += b->nrows;
		rc = dn_writer_write(w, b, err);
		dn_batch_free(b);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!any) {
		rc = dn_error_set(err, DN_EINVAL,
				  "the query returns no columns to export (the last statement must "
				  "be a SELECT)");
		goto out;
	}
	rc = dn_writer_finish(w, err);
out:
	dn_writer_free(w); /* removes a partial file */
	dn_wh_query_free(q);
	dn_buf_release(&stmt);
	if (rows)
		*rows = rc < 0 ? 0 : n;
	return rc < 0 ? rc : 0;
}

int dn_wh_export_lake(struct dn_wh *wh, const char *sql, struct dn_lake *lk, const char *dataset,
		      const struct dn_lake_write_options *o, struct dn_lake_version *v,
		      struct dn_error *err)
{
	struct dn_wh_query *q = NULL;
	struct dn_lake_writer *w = NULL;
	struct dn_buf stmt = DN_BUF_INIT;
	int rc, any = 0;
	if (is_table_name(sql)) {
		rc = dn_buf_printf(&stmt, err, "SELECT * FROM \"%s\"", sql);
		if (rc < 0)
			goto out;
		sql = stmt.data;
	}
	if ((rc = dn_wh_query_open(wh, &q, sql, 0, err)) < 0 ||
	    (rc = dn_lake_write_begin(lk, &w, dataset, o, err)) < 0)
		goto out;
	struct dn_batch *b;
	while ((rc = dn_wh_query_next(q, &b, err)) > 0) {
		any = 1;
		rc = dn_lake_write_batch(w, b, err);
		dn_batch_free(b);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!any) {
		rc = dn_error_set(err, DN_EINVAL,
				  "the query returns no columns to export (the last statement must "
				  "be a SELECT)");
		goto out;
	}
	rc = dn_lake_write_commit(w, v, err);
	w = NULL;
out:
	dn_lake_write_abort(w);
	dn_wh_query_free(q);
	dn_buf_release(&stmt);
	return rc < 0 ? rc : 0;
}

int dn_wh_load_reader(struct dn_wh *wh, struct dn_reader *rd, const char *table,
		      const struct dn_wh_load_options *opt, struct dn_wh_load_stats *st,
		      struct dn_error *err)
{
	struct dn_wh_load *ld = NULL;
	struct dn_wh_load_stats tmp;
	struct dn_batch *b;
	int rc;
	if (!st)
		st = &tmp;
	memset(st, 0, sizeof *st);
	if ((rc = dn_wh_load_begin(wh, &ld, table, dn_reader_schema(rd), opt, err)) < 0) {
		dn_error_prefix(err, "loading %s: ", table);
		return rc;
	}
	while ((rc = dn_reader_next(rd, &b, err)) > 0) {
		rc = dn_wh_load_batch(ld, b, err);
		dn_batch_free(b);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		dn_wh_load_abort(ld);
	} else {
		rc = dn_wh_load_commit(ld, st, err);
	}
	if (rc < 0)
		dn_error_prefix(err, "nothing loaded into %s: ", table);
	return rc < 0 ? rc : 0;
}
