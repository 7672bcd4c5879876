/* Running a suite end to end, as `dunya check` and the quality task do: the target is a reader
 * (streamed through dn_check_run) or a warehouse table (dn_check_run_sql); failing rows go to a
 * quarantine (a file, or a lake dataset committed as one new version); every observed value is
 * recorded in the metadata store's history.
 *
 * The quarantine is opened at its first failing row, so a clean run writes nothing: no empty
 * file, no empty lake version. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "quality_int.h"

struct dn_quarantine {
	char *dest;
	char *path; /* a file: the resolved path */
	const struct dn_lake_options *lake;
	struct dn_writer *w;
	struct dn_lake *lk;
	struct dn_lake_writer *lw;
	int64_t rows;
};

int dn_quarantine_open(struct dn_quarantine **out, const char *dest, const char *base_dir,
		       const struct dn_lake_options *lake, struct dn_error *err)
{
	struct dn_quarantine *q = dn_calloc(1, sizeof *q);
	struct dn_buf p = DN_BUF_INIT;
	*out = NULL;
	if (!q)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	q->lake = lake;
	if (!(q->dest = dn_strdup(dest)))
		goto nomem;
	if (!strncmp(dest, "lake:", 5)) {
		int rc = dn_lake_dataset_check(dest + 5, err);
		if (rc < 0) {
			dn_error_prefix(err, "quarantine %s: ", dest);
			dn_quarantine_free(q);
			return rc;
		}
	} else {
		if (dest[0] != '/' && base_dir && strcmp(base_dir, "."))
			dn_buf_printf(&p, NULL, "%s/", base_dir);
		dn_buf_puts(&p, dest, NULL);
		if (!(q->path = dn_buf_take(&p, NULL)))
			goto nomem;
	}
	*out = q;
	return 0;
nomem:
	dn_quarantine_free(q);
	return dn_error_set(err, DN_ENOMEM, "out of memory");
}

int dn_quarantine_write(void *user, const struct dn_batch *b, struct dn_error *err)
{
	struct dn_quarantine *q = user;
	if (q->path && !q->w) {
		struct dn_write_options wo;
		dn_write_options_init(&wo);
		DN_TRY(dn_writer_open(&q->w, q->path, DN_FORMAT_UNKNOWN, &wo, err));
	}
	if (!q->path && !q->lw) {
		struct dn_lake_write_options wo;
		struct dn_lake_options lo;
		dn_lake_write_options_init(&wo);
		wo.message = "quality quarantine";
		if (!q->lake) {
			dn_lake_options_init(&lo);
			lo.root = getenv("DUNYA_LAKE");
			if (!lo.root)
				return dn_error_set(err, DN_EINVAL,
						    "quarantine %s: no lake here (run inside a "
						    "project, or set DUNYA_LAKE)",
						    q->dest);
		}
		DN_TRY(dn_lake_open(&q->lk, q->lake ? q->lake : &lo, err));
		DN_TRY(dn_lake_write_begin(q->lk, &q->lw, q->dest + 5, &wo, err));
	}
	q->rows += b->nrows;
	return q->w ? dn_writer_write(q->w, b, err) : dn_lake_write_batch(q->lw, b, err);
}

int dn_quarantine_commit(struct dn_quarantine *q, struct dn_error *err)
{
	int rc = 0;
	if (q->w) {
		rc = dn_writer_finish(q->w, err);
		dn_writer_free(q->w);
		q->w = NULL;
	}
	if (q->lw) {
		rc = dn_lake_write_commit(q->lw, NULL, err);
		q->lw = NULL;
	}
	return rc;
}

void dn_quarantine_free(struct dn_quarantine *q)
{
	if (!q)
		return;
	dn_writer_free(q->w);
	dn_lake_write_abort(q->lw);
	dn_lake_close(q->lk);
	dn_free(q->dest);
	dn_free(q->path);
	dn_free(q);
}

/* When each partition of a lake dataset first arrived: versions in order, a partition's first
 * file names its commit. target is "lake:ZONE/NAME" with perhaps "@VERSION" or "/k=v" after. */
static int lake_arrivals(const char *target, const struct dn_lake_options *lo,
			 struct dn_arrival **out, size_t *nout, struct dn_error *err)
{
	char ds[256];
	const char *p = target + 5;
	const char *slash = strchr(p, '/');
	size_t n = slash ? strcspn(slash + 1, "/@") + (size_t)(slash + 1 - p) : strcspn(p, "@");
	struct dn_lake *lk = NULL;
	int64_t *vers = NULL;
	size_t nv = 0, cap = 0, nslots = 0;
	uint32_t *slots = NULL; /* open addressing: index + 1 into *out */
	int rc;
	*out = NULL;
	*nout = 0;
	if (n >= sizeof ds)
		return dn_error_set(err, DN_EINVAL, "%s: dataset name too long", target);
	memcpy(ds, p, n);
	ds[n] = 0;
	if ((rc = dn_lake_open(&lk, lo, err)) < 0 ||
	    (rc = dn_lake_versions(lk, ds, &vers, &nv, err)) < 0)
		goto out;
	for (size_t i = 0; i < nv && rc == 0; i++) {
		struct dn_lake_version v;
		memset(&v, 0, sizeof v);
		if ((rc = dn_lake_version_read(lk, ds, vers[i], &v, err)) < 0)
			break;
		for (size_t f = 0; f < v.nfiles && rc == 0; f++) {
			const char *part = v.files[f].partition;
			if (!part || !*part)
				continue;
			if (*nout * 2 >= nslots) { /* grow and rehash */
				size_t ns = nslots ? nslots * 2 : 64;
				uint32_t *sl = dn_calloc(ns, sizeof *sl);
				if (!sl) {
					rc = dn_error_set(err, DN_ENOMEM, "out of memory");
					break;
				}
				for (size_t k = 0; k < *nout; k++) {
					const char *q = (*out)[k].partition;
					size_t h = dn_hash64(q, strlen(q), 0) & (ns - 1);
					while (sl[h])
						h = (h + 1) & (ns - 1);
					sl[h] = (uint32_t)k + 1;
				}
				dn_free(slots);
				slots = sl;
				nslots = ns;
			}
			size_t h = dn_hash64(part, strlen(part), 0) & (nslots - 1);
			while (slots[h] && strcmp((*out)[slots[h] - 1].partition, part))
				h = (h + 1) & (nslots - 1);
			if (slots[h])
				continue; /* arrived earlier */
			if (*nout == cap) {
				size_t nc = cap ? cap * 2 : 32;
				struct dn_arrival *a = dn_realloc(*out, nc * sizeof *a);
				if (!a) {
					rc = dn_error_set(err, DN_ENOMEM, "out of memory");
					break;
				}
				*out = a;
				cap = nc;
			}
			if (!((*out)[*nout].partition = dn_strdup(part))) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory");
				break;
			}
			(*out)[*nout].first_us = v.committed_us;
			slots[h] = (uint32_t)++ * nout;
		}
		dn_lake_version_release(&v);
	}
out:
	dn_free(slots);
	dn_free(vers);
	dn_lake_close(lk);
	return rc;
}

static void arrivals_free(struct dn_arrival *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dn_free(a[i].partition);
	dn_free(a);
}

/* Whether check c reads column name. -1: it needs every column (a schema, duplicate rows). */
static int cond_uses(const struct dn_check_cond *cond, const char *name)
{
	for (int k = 0; k < cond->n; k++)
		if ((cond->cmp[k].lhs.column && !strcmp(cond->cmp[k].lhs.column, name)) ||
		    (cond->cmp[k].rhs.column && !strcmp(cond->cmp[k].rhs.column, name)))
			return 1;
	return 0;
}

static int check_uses(const struct dn_check *c, const char *name)
{
	if (c->kind == DN_CHK_SCHEMA || (c->kind == DN_CHK_DUPLICATE_PERCENT && !c->ncolumns))
		return -1;
	const char *one[] = {c->column, c->key, c->event_column};
	for (int k = 0; k < 3; k++)
		if (one[k] && !strcmp(one[k], name))
			return 1;
	for (int k = 0; k < c->ncolumns; k++)
		if (!strcmp(c->columns[k], name))
			return 1;
	return (c->kind == DN_CHK_EXPRESSION && cond_uses(&c->cond, name)) ||
	       (c->where && cond_uses(&c->wcond, name));
}

/* A suite reads only the columns its checks name (in the file's order), unless one of them
 * needs every column or failing rows are quarantined whole. Columns a check names that the
 * target lacks are left to the check to report. Failing samples then show the columns read. */
static int read_suite_columns(const struct dn_suite *s, struct dn_reader *rd, struct dn_error *err)
{
	const struct dn_schema *sc = dn_reader_schema(rd);
	const char **names = dn_calloc((size_t)sc->nfields + 1, sizeof *names);
	int n = 0, all = 0;
	if (!names)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	for (int i = 0; i < sc->nfields && !all; i++) {
		int use = 0;
		for (int ci = 0; ci < s->nchecks && !all && !use; ci++) {
			int u = check_uses(&s->checks[ci], sc->fields[i].name);
			all = u < 0;
			use = u > 0;
		}
		if (use)
			names[n++] = sc->fields[i].name;
	}
	/* Nothing named (row counts only): every column, so that batches still count rows. */
	int rc = all || n == 0 || n == sc->nfields ? 0 : dn_reader_project(rd, names, n, err);
	dn_free(names);
	return rc < 0 ? rc : 0;
}

int dn_suite_run(const struct dn_suite *s, struct dn_reader *rd, struct dn_wh *wh,
		 const char *table, const char *quarantine, struct dn_check_options *o,
		 struct dn_suite_result *r, struct dn_error *err)
{
	struct dn_check_run *cr = NULL;
	struct dn_quarantine *q = NULL;
	struct dn_batch *b = NULL;
	struct dn_arrival *arr = NULL;
	size_t narr = 0;
	int rc = 0, k;
	memset(r, 0, sizeof *r);
	for (int i = 0; i < s->nchecks; i++) {
		if (s->checks[i].kind != DN_CHK_ARRIVAL_DELAY || !s->checks[i].partition ||
		    o->has_arrivals || !o->target || strncmp(o->target, "lake:", 5) || !o->lake)
			continue;
		if ((rc = lake_arrivals(o->target, o->lake, &arr, &narr, err)) < 0)
			goto out;
		o->arrivals = arr;
		o->narrivals = narr;
		o->has_arrivals = 1;
	}
	if (quarantine) {
		if ((rc = dn_quarantine_open(&q, quarantine, o->base_dir, o->lake, err)) < 0)
			goto out;
		o->quarantine = dn_quarantine_write;
		o->quarantine_user = q;
	}
	if (wh) {
		if ((rc = dn_check_run_sql(s, wh, table, o, r, err)) < 0)
			goto out;
		if (q && (rc = dn_quarantine_commit(q, err)) < 0)
			goto out;
	} else {
		if ((rc = dn_check_run_new(&cr, s, o, err)) < 0 ||
		    (!q && (rc = read_suite_columns(s, rd, err)) < 0))
			goto out;
		while ((k = dn_reader_next(rd, &b, err)) > 0) {
			rc = dn_check_run_add(cr, b, err);
			dn_batch_free(b);
			if (rc < 0)
				goto out;
		}
		if ((rc = k) < 0 || (rc = dn_check_run_finish(cr, r, err)) < 0)
			goto out;
		if (q && (rc = dn_quarantine_commit(q, err)) < 0)
			goto out;
	}
	if (o->meta && o->history)
		rc = dn_check_record(o->meta, r, err);
out:
	if (rc < 0)
		dn_suite_result_release(r);
	o->quarantine = NULL;
	o->quarantine_user = NULL;
	if (arr) {
		o->arrivals = NULL;
		o->narrivals = 0;
		o->has_arrivals = 0;
		arrivals_free(arr, narr);
	}
	dn_quarantine_free(q);
	dn_check_run_free(cr);
	return rc;
}
