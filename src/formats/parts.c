/* A reader over many part files read one after the other as one table: how a lake dataset (a
 * folder of partitions and part files) is read anywhere a file is accepted.
 *
 * Every part is opened with the dataset's columns declared, so types never depend on what one
 * part's sample looks like; a part's columns are matched by name (a missing one reads as nulls)
 * and cast to the dataset's types. The partition values of a part ("ds=2024-01-31") become
 * constant columns after the data columns. Parts are fetched lazily (a remote lake downloads one
 * at a time) and released as soon as they have been read. */
#include <string.h>

#include "formats_int.h"

struct parts_state {
	struct dn_parts p; /* deep copy; strings owned */
	enum dn_format fmt;
	struct dn_schema data; /* the data columns */
	struct dn_type_hint *hints;
	size_t cur;              /* the part being read */
	struct dn_reader *sub;   /* its reader, or NULL between parts */
	char *local;             /* its local path when fetched */
	int64_t rows_before_sub; /* rows of the parts done, for first_row */
};

static char *dup_or_null(const char *s, int *fail)
{
	if (!s)
		return NULL;
	char *d = dn_strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

static void parts_copy_free(struct dn_parts *p)
{
	for (size_t i = 0; p->paths && i < p->nparts; i++)
		dn_free((char *)p->paths[i]);
	for (int c = 0; p->pcol_names && c < p->npcols; c++)
		dn_free((char *)p->pcol_names[c]);
	for (size_t i = 0; p->pvalues && i < p->nparts * (size_t)p->npcols; i++)
		dn_free((char *)p->pvalues[i]);
	dn_free((void *)p->paths);
	dn_free((void *)p->pcol_names);
	dn_free((void *)p->pcol_types);
	dn_free((void *)p->pvalues);
	dn_free((char *)p->name);
}

static int parts_copy(struct dn_parts *dst, const struct dn_parts *src, struct dn_error *err)
{
	int fail = 0;
	*dst = *src;
	dst->schema = NULL;
	dst->name = dup_or_null(src->name, &fail);
	size_t nv = src->nparts * (size_t)src->npcols;
	const char **paths = dn_calloc(src->nparts ? src->nparts : 1, sizeof *paths);
	const char **names = dn_calloc(src->npcols ? (size_t)src->npcols : 1, sizeof *names);
	enum dn_type *types = dn_calloc(src->npcols ? (size_t)src->npcols : 1, sizeof *types);
	const char **vals = dn_calloc(nv ? nv : 1, sizeof *vals);
	dst->paths = paths;
	dst->pcol_names = names;
	dst->pcol_types = types;
	dst->pvalues = vals;
	if (!paths || !names || !types || !vals)
		fail = 1;
	for (size_t i = 0; !fail && i < src->nparts; i++)
		paths[i] = dup_or_null(src->paths[i], &fail);
	for (int c = 0; !fail && c < src->npcols; c++) {
		names[c] = dup_or_null(src->pcol_names[c], &fail);
		types[c] = src->pcol_types[c];
	}
	for (size_t i = 0; !fail && i < nv; i++)
		vals[i] = dup_or_null(src->pvalues[i] ? src->pvalues[i] : "", &fail);
	if (fail)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s",
				    src->name ? src->name : "parts");
	return 0;
}

static void close_sub(struct parts_state *st)
{
	if (!st->sub)
		return;
	dn_reader_free(st->sub);
	st->sub = NULL;
	if (st->local && st->p.done)
		st->p.done(st->p.user, st->cur, st->local);
	dn_free(st->local);
	st->local = NULL;
}

static int open_sub(struct dn_reader *r, struct parts_state *st, struct dn_error *err)
{
	const char *path = st->p.paths[st->cur];
	if (st->p.fetch) {
		DN_TRY(st->p.fetch(st->p.user, st->cur, &st->local, err));
		path = st->local;
	}
	struct dn_read_options o = r->opt;
	o.types = st->hints;
	o.n_types = st->data.nfields;
	o.types_may_be_absent = 1;
	o.progress = NULL;
	o.rejects_path = r->rejects_path;
	int rc = dn_reader_open(&st->sub, path, st->fmt, &o, err);
	if (rc < 0 && st->local && st->p.done) {
		st->p.done(st->p.user, st->cur, st->local);
	}
	return rc;
}

/* A column of n copies of one partition value (text "" = null). */
static int const_column(enum dn_type t, const char *text, int64_t n, struct dn_column *out,
			struct dn_error *err)
{
	struct dn_builder b;
	dn_builder_init(&b, t);
	int rc = dn_builder_reserve(&b, n, *text ? (size_t)n * strlen(text) : 0, err);
	for (int64_t i = 0; rc == 0 && i < n; i++)
		rc = *text ? dn_builder_append_text(&b, text, strlen(text), err) :
			     dn_builder_append_null(&b, err);
	if (rc == DN_ETYPE) {
		dn_builder_release(&b);
		return dn_error_set(err, DN_EPARSE, "partition value '%s' is not a %s", text,
				    dn_type_name(t));
	}
	if (rc == 0)
		rc = dn_builder_finish(&b, out, err);
	dn_builder_release(&b);
	return rc;
}

/* Turn a part's batch into a batch of the dataset's columns. */
static int shape(struct dn_reader *r, struct parts_state *st, struct dn_batch *in,
		 struct dn_batch **out, struct dn_error *err)
{
	struct dn_batch *b = dn_batch_new(&r->schema, err);
	if (!b)
		return DN_ENOMEM;
	b->nrows = in->nrows;
	b->first_row = st->rows_before_sub + in->first_row;
	int rc = 0;
	int nd = st->data.nfields;
	for (int c = 0; rc == 0 && c < nd; c++) {
		struct dn_column *dst = &b->columns[c];
		dn_column_release(dst);
		enum dn_type want = r->schema.fields[c].type;
		int k = dn_schema_find(&in->schema, st->data.fields[c].name);
		if (k < 0) {
			rc = const_column(want, "", in->nrows, dst, err);
		} else if (in->schema.fields[k].type == want) {
			*dst = in->columns[k]; /* move */
			memset(&in->columns[k], 0, sizeof in->columns[k]);
			in->columns[k].type = want;
		} else {
			rc = dn_column_cast(&in->columns[k], want, dst, err);
		}
	}
	for (int c = 0; rc == 0 && c < st->p.npcols; c++) {
		struct dn_column *dst = &b->columns[nd + c];
		dn_column_release(dst);
		const char *v = st->p.pvalues[st->cur * (size_t)st->p.npcols + (size_t)c];
		rc = const_column(st->p.pcol_types[c], v, in->nrows, dst, err);
	}
	if (rc < 0) {
		dn_batch_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* Count a finished part's rows and bytes in the dataset's summary. */
static void add_summary(struct dn_reader *r, const struct dn_read_summary *s)
{
	r->summary.read += s->read;
	r->summary.skipped += s->skipped;
	r->summary.quarantined += s->quarantined;
	r->summary.bytes += s->bytes;
	r->summary.groups_pruned += s->groups_pruned;
}

static int parts_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err)
{
	struct parts_state *st = r->state;
	for (;;) {
		if (!st->sub) {
			if (st->cur >= st->p.nparts)
				return 0;
			DN_TRY(open_sub(r, st, err));
		}
		struct dn_batch *in = NULL;
		int rc = dn_reader_next(st->sub, &in, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			struct dn_read_summary s;
			dn_reader_summary(st->sub, &s);
			add_summary(r, &s);
			st->rows_before_sub += s.read;
			close_sub(st);
			st->cur++;
			if (r->opt.progress)
				r->opt.progress(r->opt.progress_user, r->summary.bytes,
						r->summary.read);
			continue;
		}
		rc = shape(r, st, in, out, err);
		dn_batch_free(in);
		if (rc < 0)
			return rc;
		if ((*out)->nrows == 0) {
			dn_batch_free(*out);
			*out = NULL;
			continue;
		}
		return 1;
	}
}

static void parts_free(struct dn_reader *r)
{
	struct parts_state *st = r->state;
	if (!st)
		return;
	close_sub(st);
	if (st->p.free_user)
		st->p.free_user(st->p.user);
	parts_copy_free(&st->p);
	dn_schema_release(&st->data);
	dn_free(st->hints);
	dn_free(st);
	r->state = NULL;
}

static const struct dn_reader_ops parts_ops = {parts_next, parts_free};

int dn_reader_open_parts(struct dn_reader **out, const struct dn_parts *p, enum dn_format fmt,
			 const struct dn_read_options *opt, struct dn_error *err)
{
	struct dn_reader *r;
	*out = NULL;
	DN_TRY(dn_reader_new_(&r, p->name ? p->name : "parts", opt, err));
	struct parts_state *st = dn_calloc(1, sizeof *st);
	int rc = 0;
	if (!st) {
		dn_reader_free(r);
		if (p->free_user)
			p->free_user(p->user);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", p->name);
	}
	r->ops = &parts_ops;
	r->state = st;
	st->fmt = fmt;
	dn_schema_init(&st->data);
	rc = parts_copy(&st->p, p, err);
	/* The data columns: as given, or those of the first part. */
	if (rc == 0 && p->schema) {
		rc = dn_schema_copy(&st->data, p->schema, err);
	} else if (rc == 0 && p->nparts > 0) {
		rc = open_sub(r, st, err);
		if (rc == 0)
			rc = dn_schema_copy(&st->data, dn_reader_schema(st->sub), err);
	}
	if (rc == 0 && st->data.nfields > 0) {
		st->hints = dn_calloc((size_t)st->data.nfields, sizeof *st->hints);
		if (!st->hints)
			rc = dn_error_set(err, DN_ENOMEM, "out of memory opening %s", p->name);
		for (int c = 0; rc == 0 && c < st->data.nfields; c++) {
			st->hints[c].column = st->data.fields[c].name;
			st->hints[c].type = st->data.fields[c].type;
		}
	}
	if (rc == 0)
		rc = dn_schema_copy(&r->schema, &st->data, err);
	for (int c = 0; rc == 0 && c < p->npcols; c++) {
		if (dn_schema_find(&st->data, p->pcol_names[c]) >= 0) {
			rc = dn_error_set(err, DN_EINVAL,
					  "%s: partition column '%s' is also a column of the data; "
					  "rename one of them",
					  p->name, p->pcol_names[c]);
			break;
		}
		rc = dn_schema_add(&r->schema, p->pcol_names[c], strlen(p->pcol_names[c]),
				   p->pcol_types[c], err);
	}
	if (rc < 0) {
		dn_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
