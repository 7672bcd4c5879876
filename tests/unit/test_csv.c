/* The CSV reader and writer, as a user meets them: quoting (delimiters, doubled quotes and
 * newlines inside quotes), line endings, a BOM, delimiter detection, headers, the bad-row
 * policies with exact file, line and column, null tokens, UTF-8 checks, declared and inferred
 * types, widening after the sample, batch bounds, limits, and the multi-threaded path on a file
 * large enough to be cut into several chunks (it must give exactly what one thread gives).
 *
 * Small inputs are inline; the larger ones are data-driven files under tests/cases/csv/: each
 * NAME.csv has NAME.expected holding an optional first line "# options: ..." and the expected
 * rendering (schema, rows, summary, widenings, error, rejects file). The fuzz corpus
 * fuzz/corpus/csv/ (and every crash the fuzzer ever found) is replayed through the fuzz
 * target's checks.
 *
 * Tests that hit a crash in src/ run the read in a child process (run_in_child), so one crash
 * fails one test instead of ending the whole run. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/formats/formats.h"
#include "../test.h"

#define MAX_BATCHES 4096
#define MAX_WIDEN 32

/* Everything a read gave. */
struct rd {
	struct dn_batch **b;
	int n;
	int64_t rows;
	int64_t max_batch_rows;
	struct dn_read_summary sum;
	struct dn_widening wid[MAX_WIDEN];
	struct dn_schema schema; /* the reader's schema at the end */
	struct dn_batch *all;    /* every row, converted to the final schema's types */
	struct dn_error err;
	int rc;
};

static void rd_release(struct rd *x)
{
	for (int i = 0; i < x->n; i++)
		dn_batch_free(x->b[i]);
	dn_free(x->b);
	dn_batch_free(x->all);
	dn_schema_release(&x->schema);
	memset(x, 0, sizeof *x);
}

/* Concatenate x's batches into x->all with the final types (casting earlier, narrower
 * batches along the widening rules). */
static int concat(struct rd *x)
{
	int nf = x->schema.nfields, rc = 0;
	struct dn_builder *bl = dn_calloc((size_t)(nf ? nf : 1), sizeof *bl);
	if (!bl)
		return DN_ENOMEM;
	for (int c = 0; c < nf; c++)
		dn_builder_init(&bl[c], x->schema.fields[c].type);
	for (int i = 0; i < x->n && rc >= 0; i++) {
		const struct dn_batch *b = x->b[i];
		if (b->schema.nfields != nf) {
			rc = DN_EINTERNAL;
			break;
		}
		for (int c = 0; c < nf && rc >= 0; c++) {
			struct dn_column tmp = {0};
			const struct dn_column *src = &b->columns[c];
			if (src->type != x->schema.fields[c].type) {
				rc = dn_column_cast(src, x->schema.fields[c].type, &tmp, NULL);
				src = &tmp;
			}
			for (int64_t r = 0; rc >= 0 && r < b->nrows; r++)
				rc = dn_builder_append_from(&bl[c], src, r, NULL);
			dn_column_release(&tmp);
		}
	}
	if (rc >= 0) {
		x->all = dn_batch_from_builders(&x->schema, bl, NULL);
		if (!x->all)
			rc = DN_ENOMEM;
	}
	for (int c = 0; c < nf; c++)
		dn_builder_release(&bl[c]);
	dn_free(bl);
	return rc;
}

/* Take every batch from an open reader r (freed here). Returns the reader's last code. */
static int rd_take(struct rd *x, struct dn_reader *r)
{
	struct dn_batch *b;
	int rc;
	x->b = dn_calloc(MAX_BATCHES, sizeof *x->b);
	while ((rc = dn_reader_next(r, &b, &x->err)) > 0) {
		if (x->n == MAX_BATCHES) {
			dn_batch_free(b);
			rc = DN_ELIMIT;
			break;
		}
		x->b[x->n++] = b;
		x->rows += b->nrows;
		if (b->nrows > x->max_batch_rows)
			x->max_batch_rows = b->nrows;
	}
	dn_reader_summary(r, &x->sum);
	for (int i = 0; i < x->sum.nwidenings && i < MAX_WIDEN; i++)
		x->wid[i] = x->sum.widenings[i];
	x->sum.widenings = NULL;
	x->sum.rejects_path = NULL;
	dn_schema_copy(&x->schema, dn_reader_schema(r), NULL);
	dn_reader_free(r);
	x->rc = rc;
	/* Under the fail policy the rows before the bad one are handed out first: keep them. */
	if (concat(x) < 0 && rc >= 0)
		x->rc = DN_EINTERNAL;
	return x->rc;
}

/* Read len bytes of data (strlen when len < 0) as CSV. The data is copied into a buffer of
 * exactly that size so that the sanitizers see any read past the end. */
static int rd_mem(struct rd *x, const char *data, long len, const struct dn_read_options *opt)
{
	struct dn_reader *r = NULL;
	size_t n = len < 0 ? strlen(data) : (size_t)len;
	char *copy = dn_malloc(n ? n : 1);
	memset(x, 0, sizeof *x);
	if (!copy)
		return x->rc = DN_ENOMEM;
	memcpy(copy, data, n);
	x->rc = dn_reader_open_mem(&r, "mem.csv", copy, n, DN_FORMAT_CSV, opt, &x->err);
	if (x->rc >= 0)
		rd_take(x, r);
	dn_free(copy);
	return x->rc;
}

static int rd_path(struct rd *x, const char *path, const struct dn_read_options *opt)
{
	struct dn_reader *r = NULL;
	memset(x, 0, sizeof *x);
	x->rc = dn_reader_open(&r, path, DN_FORMAT_CSV, opt, &x->err);
	if (x->rc >= 0)
		rd_take(x, r);
	return x->rc;
}

static struct dn_read_options opts(enum dn_bad_rows policy)
{
	struct dn_read_options o;
	dn_read_options_init(&o);
	o.bad_rows = policy;
	o.threads = 1;
	o.rejects_path = "/dev/null";
	return o;
}

/* One value as text: NULL for a null, strings in double quotes with \n \r \t \\ \" escaped. */
static int put_cell(struct dn_buf *out, const struct dn_column *c, int64_t i)
{
	struct dn_buf t = DN_BUF_INIT;
	int isnull, rc = dn_column_format(c, i, &t, &isnull, NULL);
	if (rc >= 0 && isnull)
		rc = dn_buf_puts(out, "NULL", NULL);
	else if (rc >= 0 && c->type != DN_STRING)
		rc = dn_buf_append(out, t.data ? t.data : "", t.len, NULL);
	else if (rc >= 0) {
		rc = dn_buf_putc(out, '"', NULL);
		for (size_t k = 0; rc >= 0 && k < t.len; k++) {
			char ch = t.data[k];
			const char *esc = ch == '\n' ? "\\n" :
					  ch == '\r' ? "\\r" :
					  ch == '\t' ? "\\t" :
					  ch == '\\' ? "\\\\" :
					  ch == '"'  ? "\\\"" :
						       NULL;
			rc = esc ? dn_buf_puts(out, esc, NULL) : dn_buf_putc(out, ch, NULL);
		}
		if (rc >= 0)
			rc = dn_buf_putc(out, '"', NULL);
	}
	dn_buf_release(&t);
	return rc;
}

/* The whole result as text: "schema: a:int64 b:string", one line per row (values joined by
 * '|'), the summary, the widenings and the error. Caller frees. */
static char *render(const struct rd *x)
{
	struct dn_buf o = DN_BUF_INIT;
	dn_buf_puts(&o, "schema:", NULL);
	for (int c = 0; c < x->schema.nfields; c++)
		dn_buf_printf(&o, NULL, " %s:%s", x->schema.fields[c].name,
			      dn_type_name(x->schema.fields[c].type));
	dn_buf_putc(&o, '\n', NULL);
	for (int64_t r = 0; x->all && r < x->all->nrows; r++) {
		for (int c = 0; c < x->all->schema.nfields; c++) {
			if (c)
				dn_buf_putc(&o, '|', NULL);
			put_cell(&o, &x->all->columns[c], r);
		}
		dn_buf_putc(&o, '\n', NULL);
	}
	dn_buf_printf(&o, NULL, "summary: read=%lld loaded=%lld skipped=%lld quarantined=%lld\n",
		      (long long)x->sum.read, (long long)x->sum.loaded, (long long)x->sum.skipped,
		      (long long)x->sum.quarantined);
	for (int i = 0; i < x->sum.nwidenings && i < MAX_WIDEN; i++)
		dn_buf_printf(&o, NULL, "widened: %s %s->%s line %lld\n",
			      x->schema.fields[x->wid[i].column].name, dn_type_name(x->wid[i].from),
			      dn_type_name(x->wid[i].to), (long long)x->wid[i].line);
	if (x->rc < 0)
		dn_buf_printf(&o, NULL, "error: %s line %lld column %lld\n", dn_err_name(x->rc),
			      (long long)x->err.line, (long long)x->err.column);
	if (!o.data)
		return dn_strdup("");
	return dn_buf_take(&o, NULL);
}

/* Read data with opt and compare the rendering with want. */
#define CHECK_READ(data, opt, want)                                                                \
	do {                                                                                       \
		struct rd x_;                                                                      \
		rd_mem(&x_, (data), -1, (opt));                                                    \
		char *got_ = render(&x_);                                                          \
		int same_ = strcmp(got_, (want)) == 0;                                             \
		if (!same_)                                                                        \
			dn_test_fail(dn_t_, __FILE__, __LINE__,                                    \
				     "reading:\n%s\n--- expected\n%s--- got\n%s---", (data),       \
				     (want), got_);                                                \
		dn_free(got_);                                                                     \
		rd_release(&x_);                                                                   \
		if (!same_)                                                                        \
			return;                                                                    \
	} while (0)

/* Run fn(arg) in a child process, so that a crash or a sanitizer report in src/ fails this test
 * alone. The child exits 0 when fn returns 0. */
static int run_in_child(int (*fn)(void *), void *arg, char *why, size_t whylen)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork failed");
		return -1;
	}
	if (pid == 0)
		_exit(fn(arg) == 0 ? 0 : 3);
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		snprintf(why, whylen, "wrong result (see above)");
	else if (WIFEXITED(st))
		snprintf(why, whylen, "child exited with %d (a sanitizer report?)",
			 WEXITSTATUS(st));
	else
		snprintf(why, whylen, "child killed by signal %d", WTERMSIG(st));
	return -1;
}

/* ---- quoting, line endings, BOM ---- */

DN_TEST(csv_quoted_fields)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("a,b,c\n"
		   "\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
		   "plain,\"\",\"\"\"\"\n"
		   "\"a\"\"\"\"b\",\"\r\n\",\"end\"\n",
		   &o,
		   "schema: a:string b:string c:string\n"
		   "\"x,1\"|\"say \\\"hi\\\"\"|\"two\\nlines\"\n"
		   "\"plain\"|\"\"|\"\\\"\"\n"
		   "\"a\\\"\\\"b\"|\"\\r\\n\"|\"end\"\n"
		   "summary: read=3 loaded=3 skipped=0 quarantined=0\n");
	/* A quote that does not start a field is an ordinary character. */
	CHECK_READ("a,b\n"
		   "5\" disk,x\"y\"\n",
		   &o,
		   "schema: a:string b:string\n"
		   "\"5\\\" disk\"|\"x\\\"y\\\"\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	/* Text after a closing quote is a bad row with its column. */
	CHECK_READ("a,b\n"
		   "1,\"x\"y\n",
		   &o,
		   "schema: a:string b:string\n"
		   "summary: read=1 loaded=0 skipped=0 quarantined=0\n"
		   "error: EPARSE line 2 column 6\n");
}

DN_TEST(csv_line_endings)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	static const char *const want = "schema: id:int64 name:string x:float64\n"
					"1|\"a\"|1.5\n"
					"2|\"b\\nc\"|NULL\n"
					"3|\"d\"|2.0\n"
					"summary: read=3 loaded=3 skipped=0 quarantined=0\n";
	CHECK_READ("id,name,x\n1,a,1.5\n2,\"b\nc\",\n3,d,2\n", &o, want);
	CHECK_READ("id,name,x\r\n1,a,1.5\r\n2,\"b\nc\",\r\n3,d,2\r\n", &o, want);
	/* Mixed endings in one file. */
	CHECK_READ("id,name,x\r\n1,a,1.5\n2,\"b\nc\",\r\n3,d,2\n", &o, want);
	/* A CR inside a quoted field is kept; a CR at the end of an unquoted one is not. */
	CHECK_READ("a,b\r\n\"x\r\ny\",z\r\n", &o,
		   "schema: a:string b:string\n"
		   "\"x\\r\\ny\"|\"z\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
}

/* The last record without a newline at the end of the input. Runs in a child: the reader has
 * read past its buffer here (see the report). */
static int no_final_newline(void *arg)
{
	static const char *const cases[][2] = {
		{"id,name\n1,a\n2,b", "1|\"a\"\n2|\"b\"\n"},
		{"id,name\r\n1,a\r\n2,\"b\"", "1|\"a\"\n2|\"b\"\n"},
		{"id,name\n1,a\n2,\"b\"x", NULL},
		{"id,name", ""},
		{"id;name\n1;a", "1|\"a\"\n"},
	};
	(void)arg;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rd x;
		struct dn_read_options o = opts(DN_BAD_SKIP);
		rd_mem(&x, cases[i][0], -1, &o);
		char *got = render(&x);
		const char *rows = strchr(got, '\n') + 1;
		int ok = x.rc == 0 &&
			 (!cases[i][1] || strncmp(rows, cases[i][1], strlen(cases[i][1])) == 0);
		if (!ok)
			fprintf(stderr, "  reading \"%s\" gave:\n%s", cases[i][0], got);
		dn_free(got);
		rd_release(&x);
		if (!ok)
			return 1;
	}
	return 0;
}

DN_TEST(csv_no_final_newline)
{
	char why[200];
	if (run_in_child(no_final_newline, NULL, why, sizeof why) < 0)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "input without a final newline: %s", why);
}

DN_TEST(csv_bom)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("\xEF\xBB\xBFid,name\n1,x\n", &o,
		   "schema: id:int64 name:string\n1|\"x\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	CHECK_READ("\xEF\xBB\xBF\"id\";\"name\"\r\n1;x\r\n", &o,
		   "schema: id:int64 name:string\n1|\"x\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	/* A BOM only counts at the very start. */
	CHECK_READ("id,name\n1,\xEF\xBB\xBFx\n", &o,
		   "schema: id:int64 name:string\n1|\"\xEF\xBB\xBFx\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
}

/* ---- delimiters and headers ---- */

static char delim_of(const char *data, char override)
{
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.delimiter = override;
	rd_mem(&x, data, -1, &o);
	char d = x.rc == 0 ? x.sum.delimiter : 0;
	rd_release(&x);
	return d;
}

DN_TEST(csv_delimiter_detection)
{
	CHECK_INT(delim_of("a,b,c\n1,2,3\n4,5,6\n", 0), ',');
	CHECK_INT(delim_of("a;b;c\n1,5;2;3\n4,5;5;6\n", 0), ';');
	CHECK_INT(delim_of("a\tb\tc\n1\t2\t3\n", 0), '\t');
	CHECK_INT(delim_of("a|b|c\n1|2|3\n", 0), '|');
	/* Delimiters inside quotes do not count. */
	CHECK_INT(delim_of("a;b\n\"1,2,3\";4\n\"5,6,7\";8\n", 0), ';');
	CHECK_INT(delim_of("name,note\n\"x;y;z\",1\n\"p;q;r\",2\n", 0), ',');
	/* One column: nothing to detect, ',' is the default. */
	CHECK_INT(delim_of("a\n1\n2\n", 0), ',');
	/* The option wins. */
	CHECK_INT(delim_of("a,b;c\n1,2;3\n", ';'), ';');
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.delimiter = ';';
	CHECK_READ("a,b;c\n1,2;3\n", &o,
		   "schema: a,b:string c:int64\n\"1,2\"|3\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	o.delimiter = '\t';
	CHECK_READ("a\tb\n1\t\"x\ty\"\n", &o,
		   "schema: a:int64 b:string\n1|\"x\\ty\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
}

DN_TEST(csv_no_header)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.no_header = 1;
	CHECK_READ("1,x,2024-01-01\n2,y,2024-01-02\n", &o,
		   "schema: column1:int64 column2:string column3:date\n"
		   "1|\"x\"|2024-01-01\n2|\"y\"|2024-01-02\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
	/* Line numbers count from the first line, which is data. */
	CHECK_READ("1,x\n2\n", &o,
		   "schema: column1:int64 column2:string\n"
		   "1|\"x\"\n"
		   "summary: read=2 loaded=1 skipped=0 quarantined=0\n"
		   "error: EPARSE line 2 column 2\n");
}

DN_TEST(csv_header_names)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("a,a,,b,a,\"\",a_2\n1,2,3,4,5,6,7\n", &o,
		   "schema: a:int64 a_2:int64 column3:int64 b:int64 a_3:int64 column6:int64 "
		   "a_2_2:int64\n"
		   "1|2|3|4|5|6|7\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	CHECK_READ("\"x,y\",\"say \"\"hi\"\"\",\" sp \",\"multi\nline\",ünï\n1,2,3,4,5\n", &o,
		   "schema: x,y:int64 say \"hi\":int64  sp :int64 multi\nline:int64 ünï:int64\n"
		   "1|2|3|4|5\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
	/* A header that is not valid UTF-8 is an error at open. */
	struct rd x;
	CHECK_INT(rd_mem(&x, "a,b\xff\n1,2\n", -1, &o), DN_EPARSE);
	CHECK(strstr(x.err.msg, "column 2") != NULL);
	rd_release(&x);
	/* A broken header: an error at open with its position. */
	CHECK_INT(rd_mem(&x, "a,\"b\"c\n1,2\n", -1, &o), DN_EPARSE);
	CHECK_INT(x.err.line, 1);
	CHECK_INT(x.err.column, 6);
	rd_release(&x);
}

/* ---- bad rows ---- */

/* Field-count errors under fail: file, line (counting the lines inside earlier quoted fields)
 * and column. Too few fields point at the end of the record, too many at the first extra one. */
DN_TEST(csv_bad_rows_fail)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct rd x;
	CHECK_INT(rd_mem(&x, "a,b,c\n1,2,3\n\"x\ny\nz\",2,3\n4,5\n6,7,8\n", -1, &o), DN_EPARSE);
	CHECK_STR(x.err.file, "mem.csv");
	CHECK_INT(x.err.code, DN_EPARSE);
	CHECK_INT(x.err.line, 6);
	CHECK_INT(x.err.column, 4);
	CHECK(strstr(x.err.msg, "expected 3 fields, found 2") != NULL);
	CHECK_INT(x.sum.read, 3);
	rd_release(&x);
	CHECK_INT(rd_mem(&x, "a,b,c\n\"p\r\nq\",2,3\r\n\r\n4,5,6,7\r\n", -1, &o), DN_EPARSE);
	CHECK_INT(x.err.line, 5);
	CHECK_INT(x.err.column, 7);
	CHECK(strstr(x.err.msg, "expected 3 fields, found 4") != NULL);
	rd_release(&x);
	/* The error formats as file:line:column: message. */
	char buf[1200];
	CHECK_INT(rd_mem(&x, "a,b\n1,2\n3\n", -1, &o), DN_EPARSE);
	dn_error_format(&x.err, buf, sizeof buf);
	CHECK(strncmp(buf, "mem.csv:3:2: expected 2 fields, found 1", 39) == 0);
	rd_release(&x);
	/* After the error the reader is done. */
	struct dn_reader *r;
	struct dn_batch *b;
	struct dn_error err;
	CHECK_OK(dn_reader_open_mem(&r, "m", "a,b\n1\n", 6, DN_FORMAT_CSV, &o, &err), &err);
	CHECK_INT(dn_reader_next(r, &b, &err), DN_EPARSE);
	CHECK_INT(dn_reader_next(r, &b, &err), 0);
	CHECK(b == NULL);
	dn_reader_free(r);
}

DN_TEST(csv_bad_rows_skip)
{
	struct dn_read_options o = opts(DN_BAD_SKIP);
	CHECK_READ("a,b,c\n1,2,3\n4,5\n\"x\ny\",2,3\n6,7,8,9\n10,11,12\n", &o,
		   "schema: a:string b:int64 c:int64\n"
		   "\"1\"|2|3\n\"x\\ny\"|2|3\n\"10\"|11|12\n"
		   "summary: read=5 loaded=3 skipped=2 quarantined=0\n");
	/* Every row bad: no rows, still the schema. */
	CHECK_READ("a,b\n1\n2\n", &o,
		   "schema: a:string b:string\n"
		   "summary: read=2 loaded=0 skipped=2 quarantined=0\n");
}

static char *slurp(const char *path)
{
	struct dn_buf b = DN_BUF_INIT;
	if (dn_read_file(path, &b, 0, NULL) < 0)
		return NULL;
	if (!b.data)
		return dn_strdup("");
	return dn_buf_take(&b, NULL);
}

/* Quarantine: the rejects file has one line per bad row with its line, column, reason and the
 * record as it was; the lines stay right after records that span several lines. */
DN_TEST(csv_bad_rows_quarantine)
{
	struct dn_read_options o = opts(DN_BAD_QUARANTINE);
	struct rd x;
	const char *rej = dn_test_tmp_path("quarantine.rejects.csv");
	o.rejects_path = rej;
	CHECK_INT(rd_mem(&x,
			 "a,b,c\n"
			 "1,\"two\nlines\",3\n"
			 "4,5\n"
			 "\"x\n\ny\",2,3\n"
			 "6,7,8,9\n"
			 "10,\"q\"\"\",12\n"
			 "11,\"a\nb\"\n",
			 -1, &o),
		  0);
	CHECK_INT(x.sum.read, 6);
	CHECK_INT(x.sum.loaded, 3);
	CHECK_INT(x.sum.quarantined, 3);
	CHECK_INT(x.sum.skipped, 0);
	CHECK_INT(x.sum.read, x.sum.loaded + x.sum.skipped + x.sum.quarantined);
	char *got = slurp(rej);
	CHECK(got != NULL);
	int same = strcmp(got, "line,column,reason,record\n"
			       "4,4,\"expected 3 fields, found 2\",\"4,5\"\n"
			       "8,7,\"expected 3 fields, found 4\",\"6,7,8,9\"\n"
			       "11,3,\"expected 3 fields, found 2\",\"11,\"\"a\nb\"\"\"\n") == 0;
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "rejects file:\n%s", got);
	dn_free(got);
	rd_release(&x);
	if (!same)
		return;

	/* Without a rejects path, a file's rejects go next to it as NAME.rejects.csv. */
	const char *in = dn_test_write_tmp("people.csv", "a,b\n1,2\n3\n", 10);
	o.rejects_path = NULL;
	CHECK_INT(rd_path(&x, in, &o), 0);
	CHECK_INT(x.sum.quarantined, 1);
	rd_release(&x);
	got = slurp(dn_test_tmp_path("people.csv.rejects.csv"));
	CHECK(got != NULL);
	CHECK_STR(got, "line,column,reason,record\n3,2,\"expected 2 fields, found 1\",\"3\"\n");
	dn_free(got);
	/* No bad row: no rejects file. */
	o.rejects_path = dn_test_tmp_path("none.rejects.csv");
	CHECK_INT(rd_mem(&x, "a,b\n1,2\n", -1, &o), 0);
	rd_release(&x);
	CHECK(access(dn_test_tmp_path("none.rejects.csv"), F_OK) != 0);
}

/* read = loaded + skipped + quarantined, whatever the policy and the batch size. */
DN_TEST(csv_summary_accounting)
{
	static const char *const data = "a,b\n1,2\n3\n\n4,5\n6,7,8\n\"9\",\"x\ny\"\n\xff,1\n9,9\n";
	for (int pol = DN_BAD_SKIP; pol <= DN_BAD_QUARANTINE; pol++)
		for (int bs = 1; bs <= 4; bs++) {
			struct rd x;
			struct dn_read_options o = opts((enum dn_bad_rows)pol);
			o.batch_rows = bs;
			CHECK_INT(rd_mem(&x, data, -1, &o), 0);
			CHECK_INT(x.sum.read, 7);
			CHECK_INT(x.sum.loaded, 4);
			CHECK_INT(x.rows, 4);
			CHECK_INT(x.sum.skipped + x.sum.quarantined, 3);
			CHECK_INT(x.sum.read, x.sum.loaded + x.sum.skipped + x.sum.quarantined);
			CHECK(x.max_batch_rows <= bs);
			rd_release(&x);
		}
}

/* ---- nulls, UTF-8, types ---- */

DN_TEST(csv_null_tokens)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	/* Defaults: "", NA, N/A, NULL, null (case-sensitive); quoted tokens are text. */
	CHECK_READ("i,s\n1,NA\nN/A,\"NA\"\nNULL,null\nnull,\"\"\n,Null\n\"\",x\n", &o,
		   "schema: i:int64 s:string\n"
		   "1|NULL\nNULL|\"NA\"\nNULL|NULL\nNULL|\"\"\nNULL|\"Null\"\nNULL|\"x\"\n"
		   "summary: read=6 loaded=6 skipped=0 quarantined=0\n");
	/* Custom tokens replace the defaults: "" and NA are then values. */
	o.n_null_tokens = 2;
	o.null_tokens[0] = "-";
	o.null_tokens[1] = "missing";
	CHECK_READ("i,s\n1,-\n-,NA\nmissing,\n2,\"-\"\n", &o,
		   "schema: i:int64 s:string\n"
		   "1|NULL\nNULL|\"NA\"\nNULL|\"\"\n2|\"-\"\n"
		   "summary: read=4 loaded=4 skipped=0 quarantined=0\n");
	/* No null tokens at all: an empty field makes an int column text. */
	o.n_null_tokens = 0;
	CHECK_READ("i\n1\n\n2\n", &o,
		   "schema: i:string\n\"1\"\n\"\"\n\"2\"\n"
		   "summary: read=3 loaded=3 skipped=0 quarantined=0\n");
	/* Typed columns of every kind take nulls. */
	o.n_null_tokens = -1;
	CHECK_READ("b,f,d,t\ntrue,1.5,2024-01-01,2024-01-01T00:00:00Z\nNA,,NULL,\"\"\n", &o,
		   "schema: b:bool f:float64 d:date t:timestamp\n"
		   "true|1.5|2024-01-01|2024-01-01T00:00:00Z\nNULL|NULL|NULL|NULL\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
}

DN_TEST(csv_null_token_long)
{
	/* A null token is compared whole, whatever its length. */
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.n_null_tokens = 1;
	o.null_tokens[0] = "value-not-available-in-the-source-system";
	CHECK_READ("i\n1\nvalue-not-available-in-the-source-system\n", &o,
		   "schema: i:int64\n1\nNULL\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
}

DN_TEST(csv_invalid_utf8)
{
	struct dn_read_options o = opts(DN_BAD_SKIP);
	CHECK_READ("a,b\n1,ok\n2,bad\xc3(\n3,\"q\xff\"\n4,\xed\xa0\x80\n5,caf\xc3\xa9\n", &o,
		   "schema: a:int64 b:string\n1|\"ok\"\n5|\"café\"\n"
		   "summary: read=5 loaded=2 skipped=3 quarantined=0\n");
	struct rd x;
	o = opts(DN_BAD_FAIL);
	CHECK_INT(rd_mem(&x, "a,b\n1,ok\n2,ab\xff\n", -1, &o), DN_EPARSE);
	CHECK_INT(x.err.line, 3);
	CHECK_INT(x.err.column, 3);
	CHECK(strstr(x.err.msg, "UTF-8") != NULL);
	CHECK(strstr(x.err.msg, "'b'") != NULL);
	rd_release(&x);
	/* In a column inferred as int64 from the sample, the bad value widens it to string and
	 * is then a bad row. */
	o = opts(DN_BAD_SKIP);
	o.infer_rows = 1;
	CHECK_READ("a\n1\n\xff\n2\n", &o,
		   "schema: a:string\n\"1\"\n\"2\"\n"
		   "summary: read=3 loaded=2 skipped=1 quarantined=0\n"
		   "widened: a int64->string line 3\n");
}

DN_TEST(csv_declared_types)
{
	static const struct dn_type_hint hints[] = {{"id", DN_STRING},
						    {"n", DN_INT64},
						    {"d", DN_TIMESTAMP},
						    {"f", DN_FLOAT64}};
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.types = hints;
	o.n_types = 4;
	/* Declared int64 is lenient about leading zeros; a value that does not fit is a bad row,
	 * never a widening. */
	CHECK_READ("id,n,d,f\n"
		   "007,007,2024-01-01,1\n"
		   "8,x,2024-01-02,2\n"
		   "9,-5,2024-01-03T10:00:00Z,nan\n"
		   "10,1.5,2024-01-04,3\n"
		   "11,3,yesterday,4\n"
		   "12,4,2024-01-05,four\n",
		   &o,
		   "schema: id:string n:int64 d:timestamp f:float64\n"
		   "\"007\"|7|2024-01-01T00:00:00Z|1.0\n"
		   "\"9\"|-5|2024-01-03T10:00:00Z|nan\n"
		   "summary: read=6 loaded=2 skipped=4 quarantined=0\n");
	struct rd x;
	o.bad_rows = DN_BAD_FAIL;
	CHECK_INT(rd_mem(&x, "id,n,d,f\n1,2,2024-01-01,1\n2,zz,2024-01-01,1\n", -1, &o), DN_EPARSE);
	CHECK_INT(x.err.line, 3);
	CHECK_INT(x.err.column, 3);
	CHECK(strstr(x.err.msg, "'zz' is not a valid int64") != NULL);
	rd_release(&x);
	/* A declared column the file does not have is a usage error. */
	static const struct dn_type_hint nosuch[] = {{"nosuch", DN_INT64}};
	o.types = nosuch;
	o.n_types = 1;
	CHECK_INT(rd_mem(&x, "a\n1\n", -1, &o), DN_EUSAGE);
	CHECK(strstr(x.err.msg, "nosuch") != NULL);
	rd_release(&x);
	/* all_strings: no inference at all. */
	o = opts(DN_BAD_FAIL);
	o.all_strings = 1;
	CHECK_READ("a,b\n1,true\n", &o,
		   "schema: a:string b:string\n\"1\"|\"true\"\n"
		   "summary: read=1 loaded=1 skipped=0 quarantined=0\n");
}

DN_TEST(csv_inference)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("b,i,f,d,t,s,z,big,mix,none\n"
		   "true,1,1.5,2024-01-01,2024-01-01T10:00:00Z,x,007,99999999999999999999,1,\n"
		   "FALSE,-2,3,1999-12-31,2024-01-01,y,123,1,2024-01-01,\n",
		   &o,
		   "schema: b:bool i:int64 f:float64 d:date t:timestamp s:string z:string "
		   "big:string mix:string none:string\n"
		   "true|1|1.5|2024-01-01|2024-01-01T10:00:00Z|\"x\"|\"007\"|"
		   "\"99999999999999999999\"|\"1\"|NULL\n"
		   "false|-2|3.0|1999-12-31|2024-01-01T00:00:00Z|\"y\"|\"123\"|\"1\"|"
		   "\"2024-01-01\"|NULL\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
	/* Surrounding spaces do not stop a value from being typed. */
	CHECK_READ("a,b\n 1 , true\n2,false \n", &o,
		   "schema: a:int64 b:bool\n1|true\n2|false\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
}

/* A quoted field is text for inference (R's and Python's writers quote strings); the option
 * infer_quoted reads it by content. */
DN_TEST(csv_quoted_is_text)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("a,b,c\n\"12\",1,\"2024-01-01\"\n\"13\",\"2\",\"\"\n", &o,
		   "schema: a:string b:string c:string\n"
		   "\"12\"|\"1\"|\"2024-01-01\"\n\"13\"|\"2\"|\"\"\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
	o.infer_quoted = 1;
	CHECK_READ("a,b,c\n\"12\",1,\"2024-01-01\"\n\"13\",\"2\",\"\"\n", &o,
		   "schema: a:int64 b:int64 c:date\n"
		   "12|1|2024-01-01\n13|2|NULL\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
	/* Only "" quoted: nothing but nulls for inference, so a string column. */
	o.infer_quoted = 0;
	CHECK_READ("a\n\"\"\n\"\"\n", &o,
		   "schema: a:string\n\"\"\n\"\"\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
}

/* A value after the sample that does not fit widens its column from there; the summary says
 * which column, from what to what, and the line of the first value that did not fit. */
DN_TEST(csv_widening)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.infer_rows = 2;
	CHECK_READ("i,s,d,k\n"
		   "1,1,2024-01-01,1\n"
		   "2,2,2024-01-02,2\n"
		   "\"multi\nline\",3,2024-01-03,3\n"
		   "4,x,2024-01-04T05:06:07Z,4\n"
		   "5.5,6,2024-01-05,2024-01-06\n",
		   &o,
		   "schema: i:string s:string d:timestamp k:string\n"
		   "\"1\"|\"1\"|2024-01-01T00:00:00Z|\"1\"\n"
		   "\"2\"|\"2\"|2024-01-02T00:00:00Z|\"2\"\n"
		   "\"multi\\nline\"|\"3\"|2024-01-03T00:00:00Z|\"3\"\n"
		   "\"4\"|\"x\"|2024-01-04T05:06:07Z|\"4\"\n"
		   "\"5.5\"|\"6\"|2024-01-05T00:00:00Z|\"2024-01-06\"\n"
		   "summary: read=5 loaded=5 skipped=0 quarantined=0\n"
		   "widened: i int64->string line 4\n"
		   "widened: s int64->string line 6\n"
		   "widened: d date->timestamp line 6\n"
		   "widened: k int64->string line 7\n");
	CHECK_READ("f\n1\n2\n-3\n4.25\n1e3\n", &o,
		   "schema: f:float64\n1.0\n2.0\n-3.0\n4.25\n1000.0\n"
		   "summary: read=5 loaded=5 skipped=0 quarantined=0\n"
		   "widened: f int64->float64 line 5\n");
	/* int -> float -> string: two widenings of one column. */
	CHECK_READ("f\n1\n2\n2.5\nabc\n", &o,
		   "schema: f:string\n\"1\"\n\"2\"\n\"2.5\"\n\"abc\"\n"
		   "summary: read=4 loaded=4 skipped=0 quarantined=0\n"
		   "widened: f int64->string line 4\n");
	/* Batches handed out after the widening carry the wider type. */
	struct rd x;
	o.batch_rows = 2;
	CHECK_INT(rd_mem(&x, "f\n1\n2\n3\n4\n5.5\n6\n", -1, &o), 0);
	CHECK_INT(x.n, 3);
	CHECK_INT(x.b[2]->schema.fields[0].type, DN_FLOAT64);
	CHECK_INT(x.schema.fields[0].type, DN_FLOAT64);
	rd_release(&x);
}

DN_TEST(csv_batch_rows)
{
	struct dn_read_options o = opts(DN_BAD_SKIP);
	struct dn_buf in = DN_BUF_INIT;
	struct rd x;
	dn_buf_puts(&in, "n,s\n", NULL);
	for (int i = 0; i < 1000; i++)
		dn_buf_printf(&in, NULL, "%d,%s\n", i, i % 97 == 5 ? "bad,row" : "v");
	for (int bs = 1; bs <= 300; bs += 37) {
		o.batch_rows = bs;
		CHECK_INT(rd_mem(&x, in.data, (long)in.len, &o), 0);
		CHECK(x.max_batch_rows <= bs);
		CHECK_INT(x.rows, 1000 - 11);
		int64_t first = 0;
		for (int i = 0; i < x.n; i++) {
			CHECK_INT(x.b[i]->first_row, first);
			CHECK(x.b[i]->nrows > 0);
			first += x.b[i]->nrows;
		}
		/* Rows in order. */
		int64_t want = 0;
		for (int64_t r = 0; r < x.all->nrows; r++, want++) {
			if (want % 97 == 5)
				want++;
			CHECK_INT(dn_column_i64(&x.all->columns[0], r), want);
		}
		rd_release(&x);
	}
	dn_buf_release(&in);
}

DN_TEST(csv_unterminated_quote)
{
	struct dn_read_options o = opts(DN_BAD_SKIP);
	CHECK_READ("a,b\n1,x\n2,\"abc\n3,y\n", &o,
		   "schema: a:int64 b:string\n1|\"x\"\n"
		   "summary: read=2 loaded=1 skipped=1 quarantined=0\n");
	o = opts(DN_BAD_FAIL);
	CHECK_READ("a,b\n1,x\n2,\"abc\n3,y\n", &o,
		   "schema: a:int64 b:string\n"
		   "1|\"x\"\n"
		   "summary: read=2 loaded=1 skipped=0 quarantined=0\n"
		   "error: EPARSE line 3 column 3\n");
	struct rd x;
	CHECK_INT(rd_mem(&x, "a,b\n1,x\n2,\"abc\n3,y\n", -1, &o), DN_EPARSE);
	CHECK(strstr(x.err.msg, "unterminated") != NULL);
	rd_release(&x);
}

/* A record longer than max_record_bytes is DN_ELIMIT naming the limit, whether the record is
 * small (a small limit) or longer than a whole chunk. */
DN_TEST(csv_max_record_bytes)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct rd x;
	size_t big = (size_t)6 << 20;
	char *data = dn_malloc(big + 32);
	CHECK(data != NULL);
	memcpy(data, "a,b\n1,\"", 7);
	memset(data + 7, 'x', big);
	memcpy(data + 7 + big, "\"\n2,y\n", 6);
	o.max_record_bytes = (size_t)1 << 20;
	rd_mem(&x, data, (long)(big + 13), &o);
	dn_free(data);
	CHECK_INT(x.rc, DN_ELIMIT);
	CHECK_INT(x.err.line, 2);
	CHECK(strstr(x.err.msg, "1 MiB") != NULL);
	rd_release(&x);
	/* The default (64 MiB) lets it through. */
	o.max_record_bytes = 0;
	data = dn_malloc(big + 32);
	CHECK(data != NULL);
	memcpy(data, "a,b\n1,\"", 7);
	memset(data + 7, 'x', big);
	memcpy(data + 7 + big, "\"\n2,y\n", 6);
	rd_mem(&x, data, (long)(big + 13), &o);
	dn_free(data);
	CHECK_INT(x.rc, 0);
	CHECK_INT(x.rows, 2);
	CHECK_INT(dn_column_str(&x.all->columns[1], 0).len, big);
	rd_release(&x);
	/* A small limit holds for a small input too. */
	o.max_record_bytes = 16;
	CHECK_INT(rd_mem(&x, "a,b\n1,2\n3,\"this record is longer than sixteen bytes\"\n", -1, &o),
		  DN_ELIMIT);
	rd_release(&x);
}

DN_TEST(csv_blank_lines)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	CHECK_READ("\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n", &o,
		   "schema: a:int64 b:int64\n1|2\n3|4\n"
		   "summary: read=2 loaded=2 skipped=0 quarantined=0\n");
	/* Lines are still counted. */
	CHECK_READ("a,b\n\n1,2\n\n\n3\n", &o,
		   "schema: a:int64 b:int64\n"
		   "1|2\n"
		   "summary: read=2 loaded=1 skipped=0 quarantined=0\n"
		   "error: EPARSE line 6 column 2\n");
	/* With one column a blank line is a null value, not nothing. */
	CHECK_READ("a\n1\n\n3\n", &o,
		   "schema: a:int64\n1\nNULL\n3\n"
		   "summary: read=3 loaded=3 skipped=0 quarantined=0\n");
}

DN_TEST(csv_header_only_and_empty)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct rd x;
	CHECK_INT(rd_mem(&x, "id,name,when\n", -1, &o), 0);
	CHECK_INT(x.schema.nfields, 3);
	CHECK_STR(x.schema.fields[2].name, "when");
	CHECK_INT(x.schema.fields[0].type, DN_STRING);
	CHECK_INT(x.rows, 0);
	CHECK_INT(x.n, 1); /* one empty batch, so a writer can still write the header */
	CHECK_INT(x.b[0]->schema.nfields, 3);
	CHECK_INT(x.sum.read, 0);
	rd_release(&x);
	CHECK_INT(rd_mem(&x, "", 0, &o), 0);
	CHECK_INT(x.schema.nfields, 0);
	CHECK_INT(x.rows, 0);
	rd_release(&x);
}

/* An input of blank lines only is like an empty one: no columns, no rows, no bad row. */
DN_TEST(csv_blank_input)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct rd x;
	CHECK_INT(rd_mem(&x, "\n\n", -1, &o), 0);
	CHECK_INT(x.rows, 0);
	CHECK_INT(x.sum.read, 0);
	rd_release(&x);
	o = opts(DN_BAD_SKIP);
	CHECK_INT(rd_mem(&x, "\r\n", -1, &o), 0);
	CHECK_INT(x.sum.read, 0);
	CHECK_INT(x.sum.skipped, 0);
	rd_release(&x);
}

DN_TEST(csv_open_errors)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct rd x;
	CHECK_INT(rd_path(&x, dn_test_tmp_path("does-not-exist.csv"), &o), DN_ENOTFOUND);
	CHECK(strstr(x.err.file, "does-not-exist.csv") != NULL);
	rd_release(&x);
}

/* dn_reader_next takes err == NULL like every other function. Runs in a child (it has crashed
 * here). */
static int next_null_err(void *arg)
{
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct dn_reader *r;
	struct dn_batch *b;
	int rc;
	(void)arg;
	if (dn_reader_open_mem(&r, "m", "a,b\n1,2\n3\n", 10, DN_FORMAT_CSV, &o, NULL) < 0)
		return 1;
	while ((rc = dn_reader_next(r, &b, NULL)) > 0)
		dn_batch_free(b);
	dn_reader_free(r);
	return rc == DN_EPARSE ? 0 : 1;
}

DN_TEST(csv_next_null_err)
{
	char why[200];
	if (run_in_child(next_null_err, NULL, why, sizeof why) < 0)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "dn_reader_next(err=NULL): %s", why);
}

/* ---- the writer ---- */

DN_TEST(csv_writer_quoting)
{
	struct dn_schema s;
	struct dn_builder b[4];
	struct dn_buf out = DN_BUF_INIT;
	struct dn_writer *w;
	struct dn_error err;
	static const char *const strs[] = {"plain",      "a,b",  "say \"hi\"", "two\nlines",
					   "",           "12",   "true",       "NA",
					   "2024-01-01", " pad", "nan",        "x\ry"};
	const int n = (int)(sizeof strs / sizeof strs[0]);
	dn_schema_init(&s);
	CHECK_OK(dn_schema_add(&s, "s", 1, DN_STRING, &err), &err);
	CHECK_OK(dn_schema_add(&s, "i,d", 3, DN_INT64, &err), &err);
	CHECK_OK(dn_schema_add(&s, "f", 1, DN_FLOAT64, &err), &err);
	CHECK_OK(dn_schema_add(&s, "NA", 2, DN_BOOL, &err), &err);
	for (int c = 0; c < 4; c++)
		dn_builder_init(&b[c], s.fields[c].type);
	for (int i = 0; i < n; i++) {
		CHECK_OK(dn_builder_append_str(&b[0], strs[i], strlen(strs[i]), &err), &err);
		CHECK_OK(i == 3 ? dn_builder_append_null(&b[1], &err) :
				  dn_builder_append_i64(&b[1], (int64_t)i - 5, &err),
			 &err);
		CHECK_OK(dn_builder_append_f64(&b[2], i * 0.5, &err), &err);
		CHECK_OK(dn_builder_append_bool(&b[3], i & 1, &err), &err);
	}
	struct dn_batch *bt = dn_batch_from_builders(&s, b, &err);
	for (int c = 0; c < 4; c++)
		dn_builder_release(&b[c]);
	dn_schema_release(&s);
	CHECK(bt != NULL);
	CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, &err), &err);
	CHECK_OK(dn_writer_write(w, bt, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	CHECK_STR(out.data, "s,\"i,d\",f,\"NA\"\n"
			    "plain,-5,0.0,false\n"
			    "\"a,b\",-4,0.5,true\n"
			    "\"say \"\"hi\"\"\",-3,1.0,false\n"
			    "\"two\nlines\",,1.5,true\n"
			    "\"\",-1,2.0,false\n"
			    "\"12\",0,2.5,true\n"
			    "\"true\",1,3.0,false\n"
			    "\"NA\",2,3.5,true\n"
			    "\"2024-01-01\",3,4.0,false\n"
			    "\" pad\",4,4.5,true\n"
			    "\"nan\",5,5.0,false\n"
			    "\"x\ry\",6,5.5,true\n");
	/* And it reads back as the same batch. */
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	char why[300];
	CHECK_INT(rd_mem(&x, out.data, (long)out.len, &o), 0);
	int same = dn_batch_equal(bt, x.all, why, sizeof why);
	rd_release(&x);
	dn_buf_release(&out);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "read back differs: %s", why);

	/* Options: delimiter, CRLF, no header. */
	struct dn_write_options wo;
	dn_write_options_init(&wo);
	wo.delimiter = ';';
	wo.crlf = 1;
	wo.no_header = 1;
	CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, &wo, &err), &err);
	CHECK_OK(dn_writer_write(w, bt, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	dn_batch_free(bt);
	/* "a,b" is quoted even with ';' as the delimiter: any delimiter candidate in a field is
	 * quoted so that a reader detecting the delimiter cannot be misled. */
	CHECK(out.len > 39);
	CHECK_MEM(out.data, 39, "plain;-5;0.0;false\r\n\"a,b\";-4;0.5;true\r\n");
	dn_buf_release(&out);

	/* No batch at all: an empty output. */
	CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, &err), &err);
	CHECK_OK(dn_writer_finish(w, &err), &err);
	dn_writer_free(w);
	CHECK_INT(out.len, 0);
	dn_buf_release(&out);
}

/* What the writer writes, the reader reads back with its default options — delimiter detection
 * included. A tab in a header or ';' in every value of a one-column table must not make the
 * detector pick another delimiter. */
DN_TEST(csv_writer_output_autodetect)
{
	static const char *const names[][2] = {{"NA\t\xe2\x82\xac"
						"0",
						"v"},
					       {"k", "v"}};
	static const char *const vals[][3] = {{"2.0", "3.5", "-1.0"}, {"a;b", "c;d", "e;f"}};
	for (int t = 0; t < 2; t++) {
		struct dn_schema s;
		struct dn_builder b[2];
		struct dn_buf out = DN_BUF_INIT;
		struct dn_writer *w = NULL;
		struct dn_error err;
		char why[300];
		int ncols = 1; /* one column: nothing else for the detector to go by */
		dn_schema_init(&s);
		for (int c = 0; c < ncols; c++) {
			enum dn_type ty = t == 0 && c == 0 ? DN_FLOAT64 : DN_STRING;
			CHECK_OK(dn_schema_add(&s, names[t][c], strlen(names[t][c]), ty, &err),
				 &err);
			dn_builder_init(&b[c], ty);
			for (int r = 0; r < 3; r++)
				CHECK_OK(dn_builder_append_text(&b[c], c ? "text" : vals[t][r],
								c ? 4 : strlen(vals[t][r]), &err),
					 &err);
		}
		struct dn_batch *bt = dn_batch_from_builders(&s, b, &err);
		for (int c = 0; c < ncols; c++)
			dn_builder_release(&b[c]);
		dn_schema_release(&s);
		CHECK(bt != NULL);
		CHECK_OK(dn_writer_open_buf(&w, &out, DN_FORMAT_CSV, NULL, &err), &err);
		CHECK_OK(dn_writer_write(w, bt, &err), &err);
		CHECK_OK(dn_writer_finish(w, &err), &err);
		dn_writer_free(w);
		struct rd x;
		struct dn_read_options o = opts(DN_BAD_FAIL);
		rd_mem(&x, out.data, (long)out.len, &o);
		int same = x.rc == 0 && dn_batch_equal(bt, x.all, why, sizeof why);
		if (!same)
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "written:\n%s--- read back with delimiter '%c': %s %s",
				     out.data, x.sum.delimiter, x.rc ? x.err.msg : "",
				     x.rc ? "" : why);
		rd_release(&x);
		dn_batch_free(bt);
		dn_buf_release(&out);
		if (!same)
			return;
	}
}

/* ---- data-driven files: tests/cases/csv/NAME.csv and NAME.expected ---- */

/* Options from "# options: policy=skip delimiter=; no_header infer_rows=N batch_rows=N
 * threads=N infer_quoted all_strings nulls=A,B". */
static void parse_options(const char *line, struct dn_read_options *o, char *nullbuf, size_t nbl)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", line);
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(t, "policy=skip"))
			o->bad_rows = DN_BAD_SKIP;
		else if (!strcmp(t, "policy=quarantine"))
			o->bad_rows = DN_BAD_QUARANTINE;
		else if (!strncmp(t, "delimiter=", 10))
			o->delimiter = !strcmp(t + 10, "tab") ? '\t' : t[10];
		else if (!strcmp(t, "no_header"))
			o->no_header = 1;
		else if (!strcmp(t, "infer_quoted"))
			o->infer_quoted = 1;
		else if (!strcmp(t, "all_strings"))
			o->all_strings = 1;
		else if (!strncmp(t, "infer_rows=", 11))
			o->infer_rows = strtol(t + 11, NULL, 10);
		else if (!strncmp(t, "batch_rows=", 11))
			o->batch_rows = strtol(t + 11, NULL, 10);
		else if (!strncmp(t, "threads=", 8))
			o->threads = (int)strtol(t + 8, NULL, 10);
		else if (!strncmp(t, "nulls=", 6)) {
			snprintf(nullbuf, nbl, "%s", t + 6);
			o->n_null_tokens = 0;
			char *s2 = NULL;
			for (char *k = strtok_r(nullbuf, ",", &s2); k && o->n_null_tokens < 8;
			     k = strtok_r(NULL, ",", &s2))
				o->null_tokens[o->n_null_tokens++] = k;
		}
	}
}

DN_TEST(csv_cases)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", dn_test_case_path("csv"));
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	struct dirent *e;
	int files = 0, failed = 0;
	while ((e = readdir(d)) != NULL) {
		if (!dn_str_has_suffix(e->d_name, ".csv"))
			continue;
		char in[1400], exp_path[1400], nulls[256];
		snprintf(in, sizeof in, "%s/%s", dir, e->d_name);
		snprintf(exp_path, sizeof exp_path, "%.*s.expected", (int)(strlen(in) - 4), in);
		char *want = slurp(exp_path);
		if (!want) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: no .expected file", in);
			failed = 1;
			continue;
		}
		struct dn_read_options o = opts(DN_BAD_FAIL);
		const char *body = want;
		if (!strncmp(want, "# options:", 10)) {
			parse_options(want + 10, &o, nulls, sizeof nulls);
			body = strchr(want, '\n') ? strchr(want, '\n') + 1 : "";
		}
		struct rd x;
		char rej[300];
		snprintf(rej, sizeof rej, "%s", dn_test_tmp_path(e->d_name));
		if (o.bad_rows == DN_BAD_QUARANTINE)
			o.rejects_path = rej;
		rd_path(&x, in, &o);
		char *got = render(&x);
		/* Under quarantine the rejects file is part of the result. */
		char *rejects = o.bad_rows == DN_BAD_QUARANTINE ? slurp(rej) : NULL;
		if (rejects) {
			size_t gl = strlen(got), rl = strlen(rejects);
			char *both = dn_malloc(gl + rl + 16);
			if (both) {
				snprintf(both, gl + rl + 16, "%srejects:\n%s", got, rejects);
				dn_free(got);
				got = both;
			}
			dn_free(rejects);
			unlink(rej);
		}
		if (strcmp(got, body) != 0) {
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "%s:\n--- expected\n%s--- got\n%s---", in, body, got);
			failed = 1;
		}
		dn_free(got);
		dn_free(want);
		rd_release(&x);
		files++;
	}
	closedir(d);
	CHECK(files >= 5);
	CHECK(!failed);
}

/* ---- the multi-threaded path ---- */

/* A generated file of about `bytes`: columns id (0, 1, ...), name (quoted fields with commas,
 * doubled quotes and newlines spread through), x (float), day (date) and w, z, v (ints unless
 * an event below puts another value in). lines[i] is the 1-based line where row i starts. */
struct gen {
	struct dn_buf buf;
	int64_t rows;
	int64_t *line_of; /* per row */
	int64_t nl;       /* newlines written */
};

/* Events: at the first row at or past byte offset at, column col gets text val; col -1
 * writes the whole record val instead of a row. */
struct event {
	size_t at;
	int col;
	const char *val;
	int64_t row; /* filled in */
};

static void gen_put(struct gen *g, const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '\n')
			g->nl++;
	dn_buf_puts(&g->buf, s, NULL);
}

static int gen_file(struct gen *g, size_t bytes, struct event *ev, int nev)
{
	memset(g, 0, sizeof *g);
	g->line_of = dn_calloc(bytes / 20 + 16, sizeof *g->line_of);
	if (!g->line_of || dn_buf_reserve(&g->buf, bytes + 4096, NULL) < 0)
		return -1;
	gen_put(g, "id,name,x,day,w,z,v\n");
	while (g->buf.len < bytes) {
		int64_t i = g->rows;
		char name[64], row[512], cols[7][64];
		int done_event = 0;
		g->line_of[i] = g->nl + 1;
		if (i % 13 == 5)
			snprintf(name, sizeof name, "\"line one\nline two %lld\"", (long long)i);
		else if (i % 7 == 3)
			snprintf(name, sizeof name, "\"comma, here %lld\"", (long long)i);
		else if (i % 29 == 11)
			snprintf(name, sizeof name, "\"say \"\"%lld\"\"\r\n,\n\"", (long long)i);
		else
			snprintf(name, sizeof name, "name%lld", (long long)i);
		snprintf(cols[0], 64, "%lld", (long long)i);
		snprintf(cols[1], 64, "%s", name);
		snprintf(cols[2], 64, "%lld.%02d", (long long)(i / 4), (int)(i % 4) * 25);
		snprintf(cols[3], 64, "20%02d-%02d-%02d", (int)(i % 30), (int)(i % 12) + 1,
			 (int)(i % 28) + 1);
		snprintf(cols[4], 64, "%lld", (long long)(i % 1000));
		snprintf(cols[5], 64, "%lld", (long long)(i % 777));
		snprintf(cols[6], 64, "%lld", (long long)-i);
		for (int k = 0; k < nev; k++) {
			if (ev[k].row >= 0 || g->buf.len < ev[k].at)
				continue;
			ev[k].row = i;
			if (ev[k].col < 0) {
				gen_put(g, ev[k].val);
				done_event = 1;
			} else {
				snprintf(cols[ev[k].col], 64, "%s", ev[k].val);
			}
		}
		if (!done_event) {
			snprintf(row, sizeof row, "%s,%s,%s,%s,%s,%s,%s\n", cols[0], cols[1],
				 cols[2], cols[3], cols[4], cols[5], cols[6]);
			gen_put(g, row);
		}
		g->rows++;
	}
	return 0;
}

static void gen_release(struct gen *g)
{
	dn_buf_release(&g->buf);
	dn_free(g->line_of);
}

#define BIG_BYTES ((size_t)12 << 20)

/* Two reads must give the same batches (same sizes, types and values, in the same order). */
static int same_batches(const struct rd *a, const struct rd *b, char *why, size_t n)
{
	if (a->n != b->n) {
		snprintf(why, n, "%d batches vs %d", a->n, b->n);
		return 0;
	}
	for (int i = 0; i < a->n; i++) {
		char w[300];
		if (!dn_batch_equal(a->b[i], b->b[i], w, sizeof w)) {
			snprintf(why, n, "batch %d: %s", i, w);
			return 0;
		}
	}
	if (!dn_batch_equal(a->all, b->all, why, n))
		return 0;
	return 1;
}

DN_TEST(csv_threads_same_result)
{
	struct event ev[] = {{(size_t)10 << 20, -1, "bad,row\n", -1}};
	struct gen g;
	struct rd one, two;
	char why[400];
	CHECK(gen_file(&g, BIG_BYTES, ev, 1) == 0);
	CHECK(ev[0].row > 0);
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.threads = 1;
	CHECK_INT(rd_mem(&one, g.buf.data, (long)g.buf.len, &o), 0);
	o.threads = 2;
	CHECK_INT(rd_mem(&two, g.buf.data, (long)g.buf.len, &o), 0);
	int same = same_batches(&one, &two, why, sizeof why);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "threads=1 vs threads=2: %s", why);
	CHECK(same);
	CHECK(one.n > 3);
	CHECK_INT(two.sum.read, g.rows);
	CHECK_INT(two.sum.loaded, g.rows - 1);
	CHECK_INT(two.sum.skipped, 1);
	CHECK_INT(two.sum.bytes, g.buf.len);
	/* Every row in order, with its values. */
	const struct dn_batch *all = two.all;
	CHECK_INT(all->schema.fields[0].type, DN_INT64);
	CHECK_INT(all->schema.fields[1].type, DN_STRING);
	CHECK_INT(all->schema.fields[2].type, DN_FLOAT64);
	CHECK_INT(all->schema.fields[3].type, DN_DATE);
	for (int64_t r = 0, id = 0; r < all->nrows; r++, id++) {
		if (id == ev[0].row)
			id++;
		if (dn_column_i64(&all->columns[0], r) != id) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "row %lld has id %lld, want %lld",
				     (long long)r, (long long)dn_column_i64(&all->columns[0], r),
				     (long long)id);
			break;
		}
		if (id % 29 == 11 && id % 13 != 5 && id % 7 != 3) {
			char want[64];
			snprintf(want, sizeof want, "say \"%lld\"\r\n,\n", (long long)id);
			struct dn_str s = dn_column_str(&all->columns[1], r);
			CHECK(s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0);
		}
	}
	rd_release(&one);
	rd_release(&two);
	gen_release(&g);
}

/* A chunk without quotes is cut at its delimiters and newlines from offsets found in one scan,
 * and its regular rows are converted a column at a time; random quote-free files (ints, floats,
 * dates, words, nulls, empty fields, CRLF and LF, blank lines, rows with too few or too many
 * fields, no final newline; values that widen a column, numbers with spaces around them,
 * invalid UTF-8, bad values in declared columns; small batches; small and over several chunks)
 * give the same batches and counts as the general tokenizer row by row. */
DN_TEST(csv_quote_free_same_result)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int same = 1;
	char why[400] = "";
	for (int file = 0; file < 40 && same; file++) {
		struct dn_buf buf;
		dn_buf_init(&buf, 0);
		size_t target = file == 0 ? (size_t)9 << 20 : (size_t)(file * 997 % 20000);
		char line[256];
		int n = snprintf(line, sizeof line, "a,b,c,d\n");
		dn_buf_append(&buf, line, (size_t)n, NULL);
		for (int64_t row = 0; buf.len < target; row++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned r = (unsigned)(seed >> 33);
			int fields = r % 97 == 0 ? 3 : r % 89 == 0 ? 5 : 4;
			if (r % 61 == 0) { /* a blank line */
				dn_buf_append(&buf, r & 1 ? "\r\n" : "\n", r & 1 ? 2 : 1, NULL);
				continue;
			}
			for (int f = 0; f < fields; f++) {
				unsigned v = (unsigned)(r >> (f * 3)) ^ (unsigned)row;
				if (f)
					dn_buf_append(&buf, ",", 1, NULL);
				if (v % 17 == 0)
					continue; /* empty: null */
				if (f == 0)
					n = snprintf(line, sizeof line, "%lld", (long long)row);
				else if (f == 1)
					n = snprintf(line, sizeof line, "%u.%02u", v % 1000,
						     v % 100);
				else if (f == 2)
					n = snprintf(line, sizeof line, "2024-%02u-%02u",
						     v % 12 + 1, v % 28 + 1);
				else
					n = snprintf(line, sizeof line, "%s%u",
						     v % 5 == 0 ? "NA" : "w ", v % 50);
				/* Rarely, and not in every file: a value the column's type does not
				 * take (widens it, or is a bad row where the type is declared). */
				if (file % 3 != 1 && (v >> 4) % 211 == (unsigned)f + 1)
					n = snprintf(line, sizeof line, "%s",
						     f == 0 ? (file % 2 ? " 42 " : "x1") :
						     f == 1 ? "1.5e3x" :
						     f == 2 ? "2024-01-02 03:04:05" :
							      "w\xff");
				dn_buf_append(&buf, line, (size_t)n, NULL);
			}
			if (buf.len < target || file % 3)
				dn_buf_append(&buf, r % 7 == 0 ? "\r\n" : "\n", r % 7 == 0 ? 2 : 1,
					      NULL);
		}
		struct rd fast, general;
		struct dn_read_options o = opts(DN_BAD_SKIP);
		static const struct dn_type_hint declared[] = {{"a", DN_INT64}, {"b", DN_FLOAT64}};
		o.threads = file % 2 + 1;
		o.batch_rows = file % 4 == 2 ? 5 + file : 0;
		if (file % 5 == 3) {
			o.types = declared;
			o.n_types = 2;
		}
		int rc1 = rd_mem(&fast, buf.data, (long)buf.len, &o);
		dn_csv_general_only = 1;
		int rc2 = rd_mem(&general, buf.data, (long)buf.len, &o);
		dn_csv_general_only = 0;
		if (rc1 != rc2)
			snprintf(why, sizeof why, "file %d: rc %d vs %d", file, rc1, rc2), same = 0;
		else if (!same_batches(&fast, &general, why, sizeof why))
			same = 0;
		else if (fast.sum.read != general.sum.read ||
			 fast.sum.skipped != general.sum.skipped ||
			 fast.sum.loaded != general.sum.loaded)
			snprintf(why, sizeof why, "file %d: counts differ", file), same = 0;
		if (file == 0 && same)
			same = fast.n > 3 && fast.sum.skipped > 0; /* several chunks, bad rows */
		rd_release(&fast);
		rd_release(&general);
		dn_buf_release(&buf);
	}
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s", why);
	CHECK(same);
}

/* A bad row deep in the file (in the third chunk) is reported with its exact line, by one
 * thread and by two, under fail and under quarantine. */
DN_TEST(csv_threads_bad_row_line)
{
	struct event ev[] = {{(size_t)9 << 20, -1, "x,y\n", -1}};
	struct gen g;
	struct rd x;
	CHECK(gen_file(&g, BIG_BYTES, ev, 1) == 0);
	int64_t line = g.line_of[ev[0].row];
	CHECK(line > ev[0].row + 1000); /* many records before it span several lines */
	for (int th = 1; th <= 2; th++) {
		struct dn_read_options o = opts(DN_BAD_FAIL);
		o.threads = th;
		CHECK_INT(rd_mem(&x, g.buf.data, (long)g.buf.len, &o), DN_EPARSE);
		if (x.err.line != line || x.err.column != 4)
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "threads=%d: error at %lld:%lld, want %lld:4 (%s)", th,
				     (long long)x.err.line, (long long)x.err.column,
				     (long long)line, x.err.msg);
		CHECK_STR(x.err.file, "mem.csv");
		/* The rows before the bad one were handed out first. */
		CHECK_INT(x.rows, ev[0].row);
		rd_release(&x);

		char name[64];
		snprintf(name, sizeof name, "deep%d.rejects.csv", th);
		o = opts(DN_BAD_QUARANTINE);
		o.threads = th;
		o.rejects_path = dn_test_tmp_path(name);
		CHECK_INT(rd_mem(&x, g.buf.data, (long)g.buf.len, &o), 0);
		CHECK_INT(x.sum.quarantined, 1);
		CHECK_INT(x.sum.read, g.rows);
		CHECK_INT(x.sum.loaded, g.rows - 1);
		rd_release(&x);
		char *rej = slurp(dn_test_tmp_path(name));
		char want[200];
		snprintf(want, sizeof want,
			 "line,column,reason,record\n"
			 "%lld,4,\"expected 7 fields, found 2\",\"x,y\"\n",
			 (long long)line);
		CHECK(rej != NULL);
		int same = strcmp(rej, want) == 0;
		if (!same)
			dn_test_fail(dn_t_, __FILE__, __LINE__,
				     "threads=%d rejects:\n%s--- want\n%s", th, rej, want);
		dn_free(rej);
		if (!same)
			break;
	}
	gen_release(&g);
}

/* Widenings after the sample, in several chunks: w gets a float in the first chunk, z a string
 * in the second (parsed, with two threads, while the first still had w as int64) and v a float
 * in the third while the fourth is parsed with the narrow type. Two threads must give what one
 * gives, and the summary must name each widening's exact line. */
DN_TEST(csv_threads_widening)
{
	struct event ev[] = {
		{(size_t)2 << 20, 4, "0.5", -1},
		{(size_t)6 << 20, 5, "abc", -1},
		{(size_t)10 << 20, 6, "-1e3", -1},
	};
	struct gen g;
	struct rd one, two;
	char why[400];
	CHECK(gen_file(&g, BIG_BYTES + ((size_t)2 << 20), ev, 3) == 0);
	struct dn_read_options o = opts(DN_BAD_FAIL);
	o.threads = 1;
	CHECK_INT(rd_mem(&one, g.buf.data, (long)g.buf.len, &o), 0);
	o.threads = 2;
	CHECK_INT(rd_mem(&two, g.buf.data, (long)g.buf.len, &o), 0);
	CHECK_INT(one.schema.fields[4].type, DN_FLOAT64);
	CHECK_INT(one.schema.fields[5].type, DN_STRING);
	CHECK_INT(one.schema.fields[6].type, DN_FLOAT64);
	int same = dn_batch_equal(one.all, two.all, why, sizeof why);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "threads=1 vs threads=2: %s", why);
	CHECK_INT(two.rows, g.rows);
	/* Values before and after each widening. */
	CHECK(dn_column_f64(&two.all->columns[4], ev[0].row) == 0.5);
	CHECK(dn_column_f64(&two.all->columns[4], ev[0].row + 1) ==
	      (double)((ev[0].row + 1) % 1000));
	struct dn_str s = dn_column_str(&two.all->columns[5], ev[1].row);
	CHECK(s.len == 3 && memcmp(s.ptr, "abc", 3) == 0);
	s = dn_column_str(&two.all->columns[5], 1);
	CHECK(s.len == 1 && s.ptr[0] == '1');
	CHECK(dn_column_f64(&two.all->columns[6], ev[2].row) == -1000.0);
	CHECK(dn_column_f64(&two.all->columns[6], g.rows - 1) == (double)-(g.rows - 1));
	for (int t = 0; t < 2; t++) {
		const struct rd *x = t ? &two : &one;
		CHECK_INT(x->sum.nwidenings, 3);
		for (int k = 0; k < 3; k++) {
			const struct dn_widening *w = NULL;
			for (int i = 0; i < 3; i++)
				if (x->wid[i].column == ev[k].col)
					w = &x->wid[i];
			CHECK(w != NULL);
			if (w->line != g.line_of[ev[k].row])
				dn_test_fail(dn_t_, __FILE__, __LINE__,
					     "threads=%d: column %d widened at line %lld, "
					     "want %lld",
					     t + 1, ev[k].col, (long long)w->line,
					     (long long)g.line_of[ev[k].row]);
			CHECK_INT(w->from, DN_INT64);
		}
	}
	rd_release(&one);
	rd_release(&two);
	gen_release(&g);
}

/* The same file from a path (a file descriptor instead of memory), by two threads. */
DN_TEST(csv_threads_from_file)
{
	struct event ev[] = {{(size_t)5 << 20, -1, "1,2,3\n", -1}};
	struct gen g;
	struct rd a, b;
	char why[400];
	CHECK(gen_file(&g, (size_t)9 << 20, ev, 1) == 0);
	const char *path = dn_test_write_tmp("big.csv", g.buf.data, g.buf.len);
	struct dn_read_options o = opts(DN_BAD_SKIP);
	o.threads = 2;
	o.batch_rows = 10000;
	CHECK_INT(rd_path(&a, path, &o), 0);
	CHECK_INT(rd_mem(&b, g.buf.data, (long)g.buf.len, &o), 0);
	CHECK(a.max_batch_rows <= 10000);
	int same = same_batches(&a, &b, why, sizeof why);
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "file vs memory: %s", why);
	CHECK_INT(a.sum.skipped, 1);
	CHECK_INT(a.sum.read, g.rows);
	rd_release(&a);
	rd_release(&b);
	gen_release(&g);
	unlink(path);
}

/* ---- the fuzz corpus ---- */

/* The fuzz target itself, for its checks (fz_check); its libFuzzer entry point is
 * unused here. */
#include "../../fuzz/fuzz_csv.c"

DN_TEST(csv_fuzz_corpus)
{
	const char *dir = DN_SOURCE_DIR "/fuzz/corpus/csv";
	DIR *d = opendir(dir);
	int files = 0;
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[1024], why[512];
		struct dn_buf data = DN_BUF_INIT;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (dn_read_file(path, &data, 0, NULL) < 0)
			continue;
		files++;
		int rc = fz_check((const uint8_t *)(data.data ? data.data : ""), data.len, why,
				  sizeof why);
		dn_buf_release(&data);
		if (rc != 0)
			dn_test_fail(dn_t_, __FILE__, __LINE__, "%s: %s", e->d_name, why);
	}
	closedir(d);
	CHECK(files >= 15);
}

/* One column of x->all as text, a line per row. Caller frees. */
static char *column_text(const struct rd *x, int c)
{
	struct dn_buf o = DN_BUF_INIT;
	for (int64_t r = 0; x->all && c < x->all->schema.nfields && r < x->all->nrows; r++) {
		put_cell(&o, &x->all->columns[c], r);
		dn_buf_putc(&o, '\n', NULL);
	}
	dn_buf_putc(&o, 0, NULL);
	return o.data;
}

/* Whether part, read with the n columns names (the whole file's columns idx), holds what whole
 * holds in them: values, types, rows, counts and widenings. Says why not in why. */
static int same_projection(const struct rd *whole, const struct rd *part, const char *const *names,
			   const int *idx, int n, char *why, size_t wn)
{
	if (part->schema.nfields != n || part->sum.read != whole->sum.read ||
	    part->sum.skipped != whole->sum.skipped || part->rows != whole->rows) {
		snprintf(why, wn, "%d columns, read %lld/%lld, skipped %lld/%lld",
			 part->schema.nfields, (long long)whole->sum.read,
			 (long long)part->sum.read, (long long)whole->sum.skipped,
			 (long long)part->sum.skipped);
		return 0;
	}
	for (int k = 0; k < n; k++) {
		char *a = column_text(whole, idx[k]), *b = column_text(part, k);
		int ok = !strcmp(part->schema.fields[k].name, names[k]) &&
			 part->schema.fields[k].type == whole->schema.fields[idx[k]].type &&
			 !strcmp(a, b);
		dn_free(a);
		dn_free(b);
		if (!ok) {
			snprintf(why, wn, "column %s differs", names[k]);
			return 0;
		}
	}
	/* The read columns' widenings, by their place in the output. */
	int nw = 0;
	for (int w = 0; w < whole->sum.nwidenings && w < MAX_WIDEN; w++)
		for (int k = 0; k < n; k++) {
			if (whole->wid[w].column != idx[k])
				continue;
			if (nw >= part->sum.nwidenings || part->wid[nw].column != k ||
			    part->wid[nw].to != whole->wid[w].to ||
			    part->wid[nw].line != whole->wid[w].line) {
				snprintf(why, wn, "widening %d", w);
				return 0;
			}
			nw++;
		}
	if (nw != part->sum.nwidenings) {
		snprintf(why, wn, "%d widenings, want %d", part->sum.nwidenings, nw);
		return 0;
	}
	return 1;
}

/* --columns: random files (quoted fields in some, blank lines, rows with a wrong field count,
 * values that widen a read column or are bad in a declared one; small batches; one and two
 * threads; one file over several chunks) read with a projection give, column for column, what
 * the whole read gives. Only the read columns hold values that do not fit, as a bad value in a
 * column that is not read is no reason to drop a row. */
DN_TEST(csv_columns_projection)
{
	static const char *const projs[][4] = {{"c", "a", NULL},
					       {"d", NULL},
					       {"b", "d", "a", "c"},
					       {"b", "c", NULL}};
	static const int proj_idx[][4] = {{2, 0}, {3}, {1, 3, 0, 2}, {1, 2}};
	static const int proj_n[] = {2, 1, 4, 2};
	uint64_t seed = 0x243f6a8885a308d3ULL;
	int same = 1;
	char why[300] = "", what[400] = "";
	for (int file = 0; file < 18 && same; file++) {
		struct dn_buf buf;
		dn_buf_init(&buf, 0);
		size_t target = file == 0 ? (size_t)9 << 20 : (size_t)(file * 1499 % 30000);
		char line[256];
		dn_buf_puts(&buf, "a,b,c,d\n", NULL);
		for (int64_t row = 0; buf.len < target; row++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned r = (unsigned)(seed >> 33);
			int fields = r % 97 == 0 ? 3 : r % 89 == 0 ? 5 : 4, n;
			if (r % 61 == 0) {
				dn_buf_puts(&buf, "\n", NULL);
				continue;
			}
			for (int f = 0; f < fields; f++) {
				unsigned v = (unsigned)(r >> (f * 3)) ^ (unsigned)row;
				if (f)
					dn_buf_putc(&buf, ',', NULL);
				if (v % 17 == 0)
					continue;
				if (f == 0)
					n = snprintf(line, sizeof line, "%lld", (long long)row);
				else if (f == 1)
					n = snprintf(line, sizeof line, "%u.%02u", v % 1000,
						     v % 100);
				else if (f == 2)
					n = snprintf(line, sizeof line, "2024-%02u-%02u",
						     v % 12 + 1, v % 28 + 1);
				else if (file % 3 == 2 && v % 7 == 0)
					n = snprintf(line, sizeof line, "\"w, \"\"%u\"\"\"",
						     v % 50);
				else
					n = snprintf(line, sizeof line, "w%u", v % 50);
				/* past the inference sample in the big file: widenings */
				if (file % 4 != 1 && (v >> 4) % 199 == 1 && (f == 0 || f == 2) &&
				    (file || row > 20000))
					n = snprintf(line, sizeof line, "%s",
						     f ? "2024-01-02x" : "x1");
				dn_buf_append(&buf, line, (size_t)n, NULL);
			}
			dn_buf_putc(&buf, '\n', NULL);
		}
		struct dn_read_options o = opts(DN_BAD_SKIP);
		o.threads = file % 2 + 1;
		o.batch_rows = file % 4 == 3 ? 7 + file : 0;
		/* c declared in some files: its bad values are bad rows, dropped mid-run */
		static const struct dn_type_hint declared[] = {{"c", DN_DATE}};
		if (file % 5 == 3 || file == 0) {
			o.types = declared;
			o.n_types = 1;
		}
		struct rd whole, part;
		int rc1 = rd_mem(&whole, buf.data, (long)buf.len, &o);
		for (int p = 0; p < 4 && same; p++) {
			if (o.n_types && p == 1)
				continue; /* c not read: its bad rows are rows */
			o.columns = projs[p];
			o.n_columns = proj_n[p];
			int rc2 = rd_mem(&part, buf.data, (long)buf.len, &o);
			same = rc1 == rc2 && same_projection(&whole, &part, projs[p], proj_idx[p],
							     proj_n[p], why, sizeof why);
			if (!same)
				snprintf(what, sizeof what, "file %d, projection %d: rc %d/%d, %s",
					 file, p, rc1, rc2, why);
			rd_release(&part);
		}
		if (file == 0 && same)
			same = whole.n > 3 && whole.sum.skipped > 0 && whole.sum.nwidenings > 0;
		rd_release(&whole);
		dn_buf_release(&buf);
	}
	if (!same)
		dn_test_fail(dn_t_, __FILE__, __LINE__, "%s", what);
	CHECK(same);
}

/* A column that is not read is not converted: its bad values drop no row and widen nothing,
 * and a name the file lacks, or one named twice, is an error that says so. */
DN_TEST(csv_columns_errors)
{
	struct rd x;
	struct dn_read_options o = opts(DN_BAD_FAIL);
	static const char *const one[] = {"a"}, *const missing[] = {"a", "zz"},
				 *const twice[] = {"b", "b"};
	static const struct dn_type_hint declared[] = {{"b", DN_INT64}};
	const char *data = "a,b\n1,2\n2,oops\n3,4\n";
	o.types = declared;
	o.n_types = 1;
	CHECK_INT(rd_mem(&x, data, -1, &o), DN_EPARSE); /* b read: the bad value fails */
	rd_release(&x);
	o.columns = one;
	o.n_columns = 1;
	CHECK_INT(rd_mem(&x, data, -1, &o), 0);
	CHECK_INT(x.rows, 3);
	CHECK_INT(x.schema.nfields, 1);
	CHECK_STR(x.schema.fields[0].name, "a");
	CHECK_INT(x.sum.nwidenings, 0);
	rd_release(&x);
	o.columns = missing;
	o.n_columns = 2;
	CHECK_INT(rd_mem(&x, data, -1, &o), DN_ENOTFOUND);
	CHECK(strstr(x.err.msg, "no column 'zz'") && strstr(x.err.msg, "a, b"));
	rd_release(&x);
	o.columns = twice;
	CHECK_INT(rd_mem(&x, data, -1, &o), DN_EUSAGE);
	CHECK(strstr(x.err.msg, "'b' twice") != NULL);
	rd_release(&x);
	/* Header only: the schema is the projection's, with no rows. */
	o.columns = one;
	o.n_columns = 1;
	CHECK_INT(rd_mem(&x, "a,b\n", -1, &o), 0);
	CHECK_INT(x.rows, 0);
	CHECK_INT(x.schema.nfields, 1);
	rd_release(&x);
}

/* dn_reader_project after opening: the same as --columns; it composes with --columns (names
 * among the columns handed out), and refuses once reading has begun. */
DN_TEST(csv_project_after_open)
{
	const char *data = "a,b,c\n1,x,2.5\n2,y,\n3,z,4\n";
	static const char *const bc[] = {"c", "b"}, *const b[] = {"b"}, *const a[] = {"a"};
	struct dn_read_options o = opts(DN_BAD_FAIL);
	struct dn_reader *r = NULL;
	struct dn_error err;
	struct dn_batch *bt;
	struct dn_buf out = DN_BUF_INIT;
	CHECK_OK(dn_reader_open_mem(&r, "m.csv", data, strlen(data), DN_FORMAT_CSV, &o, &err),
		 &err);
	CHECK_INT(dn_reader_project(r, bc, 2, &err), 1);
	CHECK_INT(dn_reader_schema(r)->nfields, 2);
	CHECK_STR(dn_reader_schema(r)->fields[0].name, "c");
	CHECK_INT(dn_reader_schema(r)->fields[0].type, DN_FLOAT64);
	CHECK_INT(dn_reader_project(r, a, 1, &err), DN_ENOTFOUND); /* no longer handed out */
	CHECK_INT(dn_reader_project(r, b, 1, &err), 1);            /* from c, b: b */
	while (dn_reader_next(r, &bt, &err) > 0) {
		CHECK_INT(bt->schema.nfields, 1);
		for (int64_t i = 0; i < bt->nrows; i++)
			put_cell(&out, &bt->columns[0], i);
		dn_batch_free(bt);
	}
	dn_buf_putc(&out, 0, NULL);
	CHECK_STR(out.data, "\"x\"\"y\"\"z\"");
	CHECK_INT(dn_reader_project(r, b, 1, &err), DN_EUSAGE); /* reading has begun */
	dn_reader_free(r);
	dn_buf_release(&out);
}
