/* The plumbing every format shares: choosing a format from a name or an extension, opening the
 * input (file, stdin or memory), the bad-row policy and its rejects file, widenings, and the
 * writer's atomic output. csv.c and json*.c only parse and print. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats_int.h"

static const char *default_nulls[] = {"", "NA", "N/A", "NULL", "null"};

const char *dn_format_name(enum dn_format f)
{
	switch (f) {
	case DN_FORMAT_CSV:
		return "csv";
	case DN_FORMAT_NDJSON:
		return "ndjson";
	case DN_FORMAT_JSON:
		return "json";
	case DN_FORMAT_PARQUET:
		return "parquet";
	default:
		return "unknown";
	}
}

int dn_format_parse(const char *s, enum dn_format *out, char *delimiter)
{
	if (!dn_ascii_casecmp(s, "csv")) {
		*out = DN_FORMAT_CSV;
	} else if (!dn_ascii_casecmp(s, "tsv")) {
		*out = DN_FORMAT_CSV;
		if (delimiter)
			*delimiter = '\t';
	} else if (!dn_ascii_casecmp(s, "ndjson") || !dn_ascii_casecmp(s, "jsonl")) {
		*out = DN_FORMAT_NDJSON;
	} else if (!dn_ascii_casecmp(s, "json")) {
		*out = DN_FORMAT_JSON;
	} else if (!dn_ascii_casecmp(s, "parquet")) {
		*out = DN_FORMAT_PARQUET;
	} else {
		return DN_EPARSE;
	}
	return 0;
}

enum dn_format dn_format_from_path(const char *path, char *delimiter)
{
	size_t n;
	dn_codec_from_path(path, &n);
	char ext[16];
	size_t i = n;
	while (i > 0 && path[i - 1] != '.' && path[i - 1] != '/' && n - i < sizeof ext - 1)
		i--;
	if (i == 0 || path[i - 1] != '.' || n - i >= sizeof ext - 1)
		return DN_FORMAT_UNKNOWN;
	memcpy(ext, path + i, n - i);
	ext[n - i] = 0;
	enum dn_format f = DN_FORMAT_UNKNOWN;
	if (!dn_ascii_casecmp(ext, "txt"))
		return DN_FORMAT_CSV;
	if (dn_format_parse(ext, &f, delimiter) < 0)
		return DN_FORMAT_UNKNOWN;
	return f;
}

int dn_bad_rows_parse(const char *s, enum dn_bad_rows *out)
{
	if (!strcmp(s, "fail"))
		*out = DN_BAD_FAIL;
	else if (!strcmp(s, "skip"))
		*out = DN_BAD_SKIP;
	else if (!strcmp(s, "quarantine"))
		*out = DN_BAD_QUARANTINE;
	else
		return DN_EPARSE;
	return 0;
}

void dn_read_options_init(struct dn_read_options *o)
{
	memset(o, 0, sizeof *o);
	o->n_null_tokens = -1;
}

const char *dn_filter_op_name(enum dn_filter_op op)
{
	static const char *const names[] = {"=", "<", "<=", ">", ">="};
	return (unsigned)op < 5 ? names[op] : "?";
}

static char *strip_dup(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return dn_strndup(p, n);
}

int dn_filter_parse(const char *s, struct dn_filter *f, struct dn_error *err)
{
	memset(f, 0, sizeof *f);
	const char *op = strpbrk(s, "=<>");
	if (!op || op == s)
		return dn_error_set(err, DN_EINVAL,
				    "'%s' is not a condition: write COLUMN OP VALUE with OP one of "
				    "= < <= > >= (e.g. \"id>=100\")",
				    s);
	size_t oplen = 1;
	if (op[0] == '=')
		f->op = DN_FILTER_EQ, oplen = op[1] == '=' ? 2 : 1;
	else if (op[1] == '=')
		f->op = op[0] == '<' ? DN_FILTER_LE : DN_FILTER_GE, oplen = 2;
	else
		f->op = op[0] == '<' ? DN_FILTER_LT : DN_FILTER_GT;
	f->column = strip_dup(s, (size_t)(op - s));
	f->value = strip_dup(op + oplen, strlen(op + oplen));
	if (!f->column || !f->value) {
		dn_filter_release(f);
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	}
	if (!f->column[0]) {
		dn_filter_release(f);
		return dn_error_set(err, DN_EINVAL,
				    "'%s' is not a condition: write COLUMN OP VALUE with OP one of "
				    "= < <= > >=",
				    s);
	}
	return 0;
}

void dn_filter_release(struct dn_filter *f)
{
	dn_free(f->column);
	dn_free(f->value);
	f->column = f->value = NULL;
}

void dn_write_options_init(struct dn_write_options *o)
{
	memset(o, 0, sizeof *o);
	o->delimiter = ',';
}

/* ---- readers ---- */

int dn_source_seekable(struct dn_reader *r)
{
	return r->src.fd < 0 || lseek(r->src.fd, 0, SEEK_CUR) >= 0;
}

int dn_source_rewind(struct dn_reader *r, struct dn_error *err)
{
	struct dn_source *s = &r->src;
	if (s->dec)
		return dn_decoder_rewind(r, err);
	if (s->fd < 0) {
		s->mem_pos = 0;
		return 0;
	}
	if (lseek(s->fd, s->start, SEEK_SET) < 0)
		return dn_error_set_at(err, DN_EIO, r->name, 0, 0,
				       "cannot go back to the start of the input: %s",
				       strerror(errno));
	s->peek_len = s->peek_pos = 0;
	return 0;
}

int64_t dn_source_read(struct dn_reader *r, char *dst, size_t n, struct dn_error *err)
{
	struct dn_source *s = &r->src;
	if (s->dec) {
		int64_t got = dn_decoder_read(r, dst, n, err);
		if (got > 0)
			r->summary.bytes += (uint64_t)got;
		return got;
	}
	if (s->peek_pos < s->peek_len && n > 0) {
		size_t k = s->peek_len - s->peek_pos;
		if (k > n)
			k = n;
		memcpy(dst, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		r->summary.bytes += k;
		return (int64_t)k;
	}
	if (s->fd < 0) {
		size_t left = s->mem_len - s->mem_pos;
		if (n > left)
			n = left;
		memcpy(dst, s->mem + s->mem_pos, n);
		s->mem_pos += n;
		r->summary.bytes += n;
		return (int64_t)n;
	}
	for (;;) {
		ssize_t got = read(s->fd, dst, n);
		if (got >= 0) {
			r->summary.bytes += (uint64_t)got;
			return got;
		}
		if (errno != EINTR)
			return dn_error_set_at(err, DN_EIO, r->name, 0, 0, "cannot read: %s",
					       strerror(errno));
	}
}

int dn_reader_new_(struct dn_reader **out, const char *name, const struct dn_read_options *opt,
		   struct dn_error *err)
{
	struct dn_reader *r = dn_calloc(1, sizeof *r);
	if (!r)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", name);
	if (opt)
		r->opt = *opt;
	else
		dn_read_options_init(&r->opt);
	if (r->opt.n_null_tokens < 0) {
		r->opt.n_null_tokens = (int)(sizeof default_nulls / sizeof default_nulls[0]);
		for (int i = 0; i < r->opt.n_null_tokens; i++)
			r->opt.null_tokens[i] = default_nulls[i];
	}
	if (r->opt.n_null_tokens > DN_MAX_NULL_TOKENS)
		r->opt.n_null_tokens = DN_MAX_NULL_TOKENS;
	if (r->opt.infer_rows <= 0)
		r->opt.infer_rows = 10000;
	if (r->opt.batch_rows <= 0)
		r->opt.batch_rows = DN_BATCH_ROWS;
	if (r->opt.max_record_bytes == 0)
		r->opt.max_record_bytes = (size_t)64 << 20;
	r->name = dn_strdup(name);
	r->src.fd = -1;
	dn_schema_init(&r->schema);
	if (!r->name) {
		dn_free(r);
		return dn_error_set(err, DN_ENOMEM, "out of memory opening %s", name);
	}
	*out = r;
	return 0;
}

static int is_parquet(const char *name, enum dn_format fmt)
{
	return fmt == DN_FORMAT_PARQUET ||
	       (fmt == DN_FORMAT_UNKNOWN && dn_format_from_path(name, NULL) == DN_FORMAT_PARQUET);
}

static int reader_init_format(struct dn_reader *r, enum dn_format fmt, struct dn_error *err)
{
	char delim = 0;
	if (fmt == DN_FORMAT_UNKNOWN) {
		fmt = dn_format_from_path(r->name, &delim);
		if (fmt == DN_FORMAT_UNKNOWN)
			return dn_error_set_at(err, DN_EUSAGE, r->name, 0, 0,
					       "cannot tell the format from the file name; "
					       "name it with --from csv|tsv|ndjson|json|parquet");
		if (delim && !r->opt.delimiter)
			r->opt.delimiter = delim;
	}
	switch (fmt) {
	case DN_FORMAT_CSV:
		return dn_csv_reader_init(r, err);
	case DN_FORMAT_NDJSON:
		return dn_json_reader_init(r, 1, err);
	case DN_FORMAT_JSON:
		return dn_json_reader_init(r, 0, err);
	case DN_FORMAT_PARQUET:
		return dn_parquet_reader_init(r, err);
	default:
		return dn_error_set(err, DN_EINVAL, "unknown format");
	}
}

int dn_reader_open(struct dn_reader **out, const char *path, enum dn_format fmt,
		   const struct dn_read_options *opt, struct dn_error *err)
{
	int stdin_ = strcmp(path, "-") == 0;
	struct dn_reader *r;
	*out = NULL;
	if (stdin_ && fmt == DN_FORMAT_UNKNOWN)
		return dn_error_set(
			err, DN_EUSAGE,
			"reading standard input: name its format with --from csv|tsv|ndjson|json");
	DN_TRY(dn_reader_new_(&r,
			      stdin_                   ? "<stdin>" :
			      opt && opt->display_name ? opt->display_name :
							 path,
			      opt, err));
	if (stdin_) {
		r->src.fd = 0;
	} else {
		r->src.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->src.fd < 0) {
			int e = errno;
			int rc = dn_error_set_at(err, e == ENOENT ? DN_ENOTFOUND : DN_EIO, path, 0,
						 0, "cannot open: %s", strerror(e));
			dn_reader_free(r);
			return rc;
		}
		r->src.close_fd = 1;
	}
	/* Parquet reads its own bytes (footer first), never through a decompressor. */
	int rc = is_parquet(r->name, fmt) ? 0 : dn_source_detect(r, err);
	if (rc == 0)
		rc = reader_init_format(r, fmt, err);
	if (rc < 0) {
		dn_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int dn_reader_open_mem(struct dn_reader **out, const char *name, const char *data, size_t len,
		       enum dn_format fmt, const struct dn_read_options *opt, struct dn_error *err)
{
	struct dn_reader *r;
	*out = NULL;
	DN_TRY(dn_reader_new_(&r, name, opt, err));
	r->src.mem = data;
	r->src.mem_len = len;
	/* Parquet reads its own bytes (footer first), never through a decompressor. */
	int rc = is_parquet(r->name, fmt) ? 0 : dn_source_detect(r, err);
	if (rc == 0)
		rc = reader_init_format(r, fmt, err);
	if (rc < 0) {
		dn_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const struct dn_schema *dn_reader_schema(const struct dn_reader *r)
{
	return &r->schema;
}

int dn_reader_project(struct dn_reader *r, const char *const *names, int n, struct dn_error *err)
{
	if (!r->ops->project || n <= 0)
		return 0;
	return r->ops->project(r, names, n, err);
}

static int finish_rejects(struct dn_reader *r, struct dn_error *err)
{
	if (!r->rejects_open)
		return 0;
	r->rejects_open = 0;
	return dn_afile_commit(&r->rejects, err);
}

int dn_reader_next(struct dn_reader *r, struct dn_batch **out, struct dn_error *err)
{
	*out = NULL;
	if (r->done)
		return 0;
	int rc = r->ops->next(r, out, err);
	if (rc == 1) {
		r->summary.loaded += (*out)->nrows;
		return 1;
	}
	r->done = 1;
	if (rc == 0)
		rc = finish_rejects(r, err);
	if (rc < 0 && err && !err->code) /* a failure deep down that left no message */
		dn_error_set(err, rc, "%s while reading %s", dn_strerror(rc), r->name);
	return rc;
}

void dn_reader_summary(const struct dn_reader *r, struct dn_read_summary *out)
{
	*out = r->summary;
	out->nwidenings = r->nwidenings;
	out->widenings = r->widenings;
	out->rejects_path = r->summary.quarantined ? r->rejects_path : NULL;
}

void dn_reader_free(struct dn_reader *r)
{
	if (!r)
		return;
	if (r->ops && r->ops->free)
		r->ops->free(r);
	if (r->rejects_open)
		dn_afile_abort(&r->rejects);
	if (r->src.close_fd && r->src.fd >= 0)
		close(r->src.fd);
	dn_decoder_free(r->src.dec);
	dn_schema_release(&r->schema);
	dn_free(r->widenings);
	dn_free(r->rejects_path);
	dn_free(r->name);
	dn_free(r);
}

int dn_reader_is_null(const struct dn_reader *r, const char *p, size_t n)
{
	for (int i = 0; i < r->opt.n_null_tokens; i++) {
		const char *t = r->opt.null_tokens[i];
		if (strlen(t) == n && memcmp(t, p, n) == 0)
			return 1;
	}
	return 0;
}

enum dn_type dn_reader_declared_type(const struct dn_reader *r, const char *name)
{
	for (int i = 0; i < r->opt.n_types; i++)
		if (strcmp(r->opt.types[i].column, name) == 0)
			return r->opt.types[i].type;
	return (enum dn_type)0;
}

int dn_reader_widen(struct dn_reader *r, int column, enum dn_type to, int64_t line,
		    struct dn_error *err)
{
	struct dn_widening *w = dn_realloc(r->widenings, sizeof *w * (size_t)(r->nwidenings + 1));
	if (!w)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	r->widenings = w;
	w[r->nwidenings].column = column;
	w[r->nwidenings].from = r->schema.fields[column].type;
	w[r->nwidenings].to = to;
	w[r->nwidenings].line = line;
	r->nwidenings++;
	r->schema.fields[column].type = to;
	return 0;
}

/* CSV-quote s into out. */
static int put_csv_field(struct dn_buf *out, const char *s, size_t n, struct dn_error *err)
{
	DN_TRY(dn_buf_putc(out, '"', err));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			DN_TRY(dn_buf_putc(out, '"', err));
		DN_TRY(dn_buf_putc(out, s[i], err));
	}
	return dn_buf_putc(out, '"', err);
}

int dn_reader_bad_row(struct dn_reader *r, int64_t line, int64_t column, const char *reason,
		      const char *record, size_t record_len, struct dn_error *err)
{
	switch (r->opt.bad_rows) {
	case DN_BAD_FAIL:
		return dn_error_set_at(err, DN_EPARSE, r->name, line, column,
				       "%s (--bad-rows skip or quarantine loads the other rows)",
				       reason);
	case DN_BAD_SKIP:
		r->summary.skipped++;
		return 0;
	case DN_BAD_QUARANTINE:
		break;
	}
	if (!r->rejects_open) {
		if (!r->rejects_path) {
			struct dn_buf p = DN_BUF_INIT;
			if (r->opt.rejects_path)
				DN_TRY(dn_buf_puts(&p, r->opt.rejects_path, err));
			else if (r->src.fd == 0 || r->src.fd < 0)
				DN_TRY(dn_buf_puts(&p, "stdin.rejects.csv", err));
			else
				DN_TRY(dn_buf_printf(&p, err, "%s.rejects.csv", r->name));
			r->rejects_path = dn_buf_take(&p, NULL);
		}
		DN_TRY(dn_afile_open(&r->rejects, r->rejects_path, err));
		r->rejects_open = 1;
		if (fputs("line,column,reason,record\n", r->rejects.fp) == EOF)
			goto io;
	}
	struct dn_buf row = DN_BUF_INIT;
	int rc = dn_buf_printf(&row, err, "%lld,%lld,", (long long)line, (long long)column);
	if (rc >= 0)
		rc = put_csv_field(&row, reason, strlen(reason), err);
	if (rc >= 0)
		rc = dn_buf_putc(&row, ',', err);
	if (rc >= 0)
		rc = put_csv_field(&row, record ? record : "", record ? record_len : 0, err);
	if (rc >= 0)
		rc = dn_buf_putc(&row, '\n', err);
	if (rc >= 0 && fwrite(row.data, 1, row.len, r->rejects.fp) != row.len)
		rc = DN_EIO;
	dn_buf_release(&row);
	if (rc == DN_EIO)
		goto io;
	DN_TRY(rc);
	r->summary.quarantined++;
	return 0;
io:
	return dn_error_set(err, DN_EIO, "cannot write the rejects file %s: %s", r->rejects_path,
			    strerror(errno));
}

/* ---- writers ---- */

static int writer_new(struct dn_writer **out, enum dn_format fmt,
		      const struct dn_write_options *opt, struct dn_error *err)
{
	struct dn_writer *w = dn_calloc(1, sizeof *w);
	if (!w)
		return dn_error_set(err, DN_ENOMEM, "out of memory opening a writer");
	if (opt)
		w->opt = *opt;
	else
		dn_write_options_init(&w->opt);
	if (!w->opt.delimiter)
		w->opt.delimiter = ',';
	w->format = fmt;
	switch (fmt) {
	case DN_FORMAT_CSV:
		w->ops = &dn_csv_writer_ops;
		break;
	case DN_FORMAT_NDJSON:
		w->ops = &dn_ndjson_writer_ops;
		break;
	case DN_FORMAT_JSON:
		w->ops = &dn_json_writer_ops;
		break;
	case DN_FORMAT_PARQUET:
		w->ops = &dn_parquet_writer_ops;
		break;
	default:
		dn_free(w);
		return dn_error_set(err, DN_EINVAL, "unknown output format");
	}
	dn_schema_init(&w->schema);
	*out = w;
	return 0;
}

int dn_writer_open(struct dn_writer **out, const char *path, enum dn_format fmt,
		   const struct dn_write_options *opt, struct dn_error *err)
{
	struct dn_write_options o;
	*out = NULL;
	if (opt)
		o = *opt;
	else
		dn_write_options_init(&o);
	if (fmt == DN_FORMAT_UNKNOWN) {
		char delim = 0;
		if (strcmp(path, "-") == 0)
			return dn_error_set(err, DN_EUSAGE,
					    "writing standard output: name its format with "
					    "--to csv|tsv|ndjson|json|parquet");
		fmt = dn_format_from_path(path, &delim);
		if (fmt == DN_FORMAT_UNKNOWN)
			return dn_error_set_at(err, DN_EUSAGE, path, 0, 0,
					       "cannot tell the output format from the file name; "
					       "name it with --to csv|tsv|ndjson|json|parquet");
		if (delim)
			o.delimiter = delim;
	}
	struct dn_writer *w;
	enum dn_codec codec = o.codec_given ? o.codec : dn_codec_from_path(path, NULL);
	if (fmt == DN_FORMAT_PARQUET && codec != DN_CODEC_NONE)
		return dn_error_set_at(err, DN_EUSAGE, path, 0, 0,
				       "a Parquet file is not wrapped in %s; its pages are "
				       "compressed inside (choose with --compression)",
				       dn_codec_name(codec));
	DN_TRY(writer_new(&w, fmt, &o, err));
	int rc = 0;
	if (codec != DN_CODEC_NONE)
		rc = dn_encoder_new(&w->enc, codec, o.level, err);
	if (rc == 0)
		rc = dn_afile_open(&w->file, path, err);
	if (rc < 0) {
		dn_encoder_free(w->enc);
		dn_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int dn_writer_open_buf(struct dn_writer **out, struct dn_buf *dst, enum dn_format fmt,
		       const struct dn_write_options *opt, struct dn_error *err)
{
	struct dn_writer *w;
	*out = NULL;
	DN_TRY(writer_new(&w, fmt, opt, err));
	w->dst = dst;
	*out = w;
	return 0;
}

int dn_writer_emit(struct dn_writer *w, const char *p, size_t n, struct dn_error *err)
{
	if (n && fwrite(p, 1, n, w->file.fp) != n)
		return dn_error_set(err, DN_EIO, "cannot write %s: %s", w->file.path,
				    strerror(errno));
	if (w->tap && n)
		w->tap(w->tap_user, p, n);
	return 0;
}

void dn_writer_set_tap(struct dn_writer *w, void (*tap)(void *user, const void *p, size_t n),
		       void *user)
{
	w->tap = tap;
	w->tap_user = user;
}

int dn_writer_flush(struct dn_writer *w, size_t threshold, struct dn_error *err)
{
	if (w->out.len == 0 || w->out.len < threshold)
		return 0;
	if (w->dst) {
		DN_TRY(dn_buf_append(w->dst, w->out.data, w->out.len, err));
	} else if (w->enc) {
		DN_TRY(dn_encoder_write(w->enc, w, w->out.data, w->out.len, 0, err));
	} else {
		DN_TRY(dn_writer_emit(w, w->out.data, w->out.len, err));
	}
	dn_buf_reset(&w->out);
	return 0;
}

int dn_writer_write_through(struct dn_writer *w, const char *p, size_t n, struct dn_error *err)
{
	DN_TRY(dn_writer_flush(w, 0, err));
	if (w->dst)
		return dn_buf_append(w->dst, p, n, err);
	if (w->enc)
		return dn_encoder_write(w->enc, w, p, n, 0, err);
	return dn_writer_emit(w, p, n, err);
}

int dn_writer_write(struct dn_writer *w, const struct dn_batch *b, struct dn_error *err)
{
	if (w->finished)
		return dn_error_set(err, DN_EINVAL, "write after finish");
	if (!w->started) {
		DN_TRY(dn_schema_copy(&w->schema, &b->schema, err));
		DN_TRY(w->ops->begin(w, b, err));
		w->started = 1;
	} else {
		int same = b->schema.nfields == w->schema.nfields;
		for (int i = 0; same && i < b->schema.nfields; i++)
			same = strcmp(b->schema.fields[i].name, w->schema.fields[i].name) == 0;
		if (!same)
			return dn_error_set(err, DN_EINVAL,
					    "a batch with different columns than the first one "
					    "cannot go to the same output");
	}
	DN_TRY(w->ops->write(w, b, err));
	w->rows += b->nrows;
	return dn_writer_flush(w, (size_t)1 << 20, err);
}

int dn_writer_finish(struct dn_writer *w, struct dn_error *err)
{
	if (w->finished)
		return 0;
	if (!w->started) {
		/* No batch at all: still a valid, empty output. */
		struct dn_schema empty;
		dn_schema_init(&empty);
		struct dn_batch *b = dn_batch_new(&empty, err);
		if (!b)
			return DN_ENOMEM;
		int rc = w->ops->begin(w, b, err);
		dn_batch_free(b);
		DN_TRY(rc);
		w->started = 1;
	}
	DN_TRY(w->ops->end(w, err));
	DN_TRY(dn_writer_flush(w, 0, err));
	if (w->enc && !w->dst)
		DN_TRY(dn_encoder_write(w->enc, w, "", 0, 1, err));
	if (!w->dst)
		DN_TRY(dn_afile_commit(&w->file, err));
	w->finished = 1;
	return 0;
}

void dn_writer_free(struct dn_writer *w)
{
	if (!w)
		return;
	if (w->ops && w->ops->free)
		w->ops->free(w);
	if (!w->dst && !w->finished && w->file.fp)
		dn_afile_abort(&w->file);
	dn_encoder_free(w->enc);
	dn_buf_release(&w->out);
	dn_schema_release(&w->schema);
	dn_free(w);
}
