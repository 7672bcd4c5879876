/* What the subcommands share: the reading options, error and usage lines, the read summary and
 * the progress line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../extract/extract.h"
#include "cli.h"

int dn_cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

const char *dn_cli_command;

int dn_cli_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!cmd)
		cmd = dn_cli_command;
	if (dn_log_get_format() == DN_LOG_JSON)
		dn_log_error("usage error: %s", msg);
	else if (strstr(msg, "--help"))
		fprintf(stderr, "dunya: usage error: %s\n", msg);
	else
		fprintf(stderr, "dunya: usage error: %s (see `dunya %s%s--help`)\n", msg,
			cmd ? cmd : "", cmd ? " " : "");
	return DN_EXIT_USAGE;
}

int dn_cli_error(const struct dn_error *err)
{
	char line[DN_ERROR_MSG_MAX + 400];
	dn_cli_progress_end();
	dn_error_format(err, line, sizeof line);
	if (dn_log_get_format() == DN_LOG_JSON)
		dn_log_error("%s", line);
	else
		fprintf(stderr, "dunya: error: %s\n", line);
	return err->code == DN_EUSAGE ? DN_EXIT_USAGE : DN_EXIT_DATA;
}

void dn_cli_read_init(struct dn_cli_read *o)
{
	memset(o, 0, sizeof *o);
	dn_read_options_init(&o->opt);
	o->opt.types = o->hints;
	o->progress = isatty(2);
}

void dn_cli_read_release(struct dn_cli_read *o)
{
	dn_free(o->types_arg);
	o->types_arg = NULL;
	dn_free(o->cols_arg);
	o->cols_arg = NULL;
	for (int i = 0; i < o->opt.n_filters; i++)
		dn_filter_release(&o->filters[i]);
	o->opt.n_filters = 0;
}

void dn_cli_read_help(FILE *out)
{
	fprintf(out,
		"reading options:\n"
		"  --from FORMAT         csv, tsv, ndjson (jsonl), json or parquet; default: the\n"
		"                        extension\n"
		"  --columns A,B,...     CSV, Parquet: read only these columns, in this order\n"
		"  --prune 'COL OP V'    Parquet: skip row groups whose statistics prove no\n"
		"                        row has COL OP V (OP: = < <= > >=; repeatable). A\n"
		"                        hint: rows of kept row groups all come through\n"
		"  --delimiter C         CSV delimiter: a character or tab; default: detected\n"
		"                        among , ; tab |\n"
		"  --no-header           the first CSV line is data; columns are column1..N\n"
		"  --null TOKEN          an unquoted field equal to TOKEN is null (repeatable;\n"
		"                        replaces the defaults: empty, NA, N/A, NULL, null)\n"
		"  --types COL=TYPE,...  declare column types (bool, int64, float64, string,\n"
		"                        date, timestamp); values that do not fit are bad rows\n"
		"  --all-strings         no inference: every column is a string\n"
		"  --infer-rows N        rows sampled to infer types (default 10000)\n"
		"  --infer-quoted        infer quoted CSV fields by content (default: text)\n"
		"  --bad-rows POLICY     fail (default), skip, or quarantine\n"
		"  --rejects FILE        where quarantined rows go (default INPUT.rejects.csv)\n"
		"  --threads N           parsing threads (default: all cores)\n"
		"  --max-record-mb N     longest record accepted (default 64)\n");
}

static int need_value(const char *opt, int argc, int i)
{
	if (i + 1 >= argc) {
		dn_cli_usage(NULL, "%s needs a value", opt);
		return 0;
	}
	return 1;
}

static int parse_types(struct dn_cli_read *o, const char *arg)
{
	dn_free(o->types_arg);
	o->types_arg = dn_strdup(arg);
	if (!o->types_arg)
		return dn_cli_usage(NULL, "out of memory");
	o->opt.n_types = 0;
	char *save = NULL;
	for (char *tok = strtok_r(o->types_arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			eq = strchr(tok, ':');
		if (!eq || eq == tok)
			return dn_cli_usage(NULL, "--types takes COLUMN=TYPE pairs, not '%s'", tok);
		*eq = 0;
		enum dn_type t;
		if (dn_type_parse(eq + 1, &t) < 0)
			return dn_cli_usage(NULL,
					    "unknown type '%s' for column '%s' (types: bool, "
					    "int64, "
					    "float64, string, date, timestamp)",
					    eq + 1, tok);
		if (o->opt.n_types >= 256)
			return dn_cli_usage(NULL, "--types: at most 256 columns");
		o->hints[o->opt.n_types].column = tok;
		o->hints[o->opt.n_types].type = t;
		o->opt.n_types++;
	}
	return 0;
}

static int parse_columns(struct dn_cli_read *o, const char *arg)
{
	dn_free(o->cols_arg);
	o->cols_arg = dn_strdup(arg);
	if (!o->cols_arg)
		return dn_cli_usage(NULL, "out of memory");
	o->opt.n_columns = 0;
	o->opt.columns = o->col_names;
	char *save = NULL;
	for (char *tok = strtok_r(o->cols_arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->opt.n_columns >= 256)
			return dn_cli_usage(NULL, "--columns: at most 256 columns");
		o->col_names[o->opt.n_columns++] = tok;
	}
	if (o->opt.n_columns == 0)
		return dn_cli_usage(NULL, "--columns takes a comma-separated list of names");
	return 0;
}

static int parse_count(const char *opt, const char *v, int64_t min, int64_t *out)
{
	if (dn_parse_i64(v, strlen(v), out) < 0 || *out < min)
		return dn_cli_usage(NULL, "%s takes a whole number >= %lld, not '%s'", opt,
				    (long long)min, v);
	return 0;
}

int dn_cli_read_option(struct dn_cli_read *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	int64_t n;
	if (!strcmp(a, "--prune")) {
		struct dn_error e = {0};
		if (!need_value(a, argc, *i))
			return -1;
		if (o->opt.n_filters >= 64)
			return -dn_cli_usage(NULL, "--prune: at most 64 conditions");
		if (dn_filter_parse(argv[++*i], &o->filters[o->opt.n_filters], &e) < 0)
			return -dn_cli_usage(NULL, "--prune: %s", e.msg);
		o->opt.filters = o->filters;
		o->opt.n_filters++;
	} else if (!strcmp(a, "--from")) {
		if (!need_value(a, argc, *i))
			return -1;
		char d = 0;
		if (dn_format_parse(argv[++*i], &o->from, &d) < 0)
			return -dn_cli_usage(NULL, "unknown format '%s' (%s)", argv[*i],
					     "csv, tsv, ndjson, json, parquet");
		if (d && !o->opt.delimiter)
			o->opt.delimiter = d;
	} else if (!strcmp(a, "--delimiter") || !strcmp(a, "-d")) {
		if (!need_value(a, argc, *i))
			return -1;
		const char *v = argv[++*i];
		if (!strcmp(v, "tab") || !strcmp(v, "\\t"))
			o->opt.delimiter = '\t';
		else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r')
			o->opt.delimiter = v[0];
		else
			return -dn_cli_usage(NULL,
					     "--delimiter takes one character or 'tab', not '%s'",
					     v);
	} else if (!strcmp(a, "--no-header")) {
		o->opt.no_header = 1;
	} else if (!strcmp(a, "--null")) {
		if (!need_value(a, argc, *i))
			return -1;
		if (o->opt.n_null_tokens < 0)
			o->opt.n_null_tokens = 0;
		if (o->opt.n_null_tokens >= DN_MAX_NULL_TOKENS)
			return -dn_cli_usage(NULL, "at most %d --null tokens", DN_MAX_NULL_TOKENS);
		o->opt.null_tokens[o->opt.n_null_tokens++] = argv[++*i];
	} else if (!strcmp(a, "--types")) {
		if (!need_value(a, argc, *i))
			return -1;
		if (parse_types(o, argv[++*i]) != 0)
			return -1;
	} else if (!strcmp(a, "--columns")) {
		if (!need_value(a, argc, *i))
			return -1;
		if (parse_columns(o, argv[++*i]) != 0)
			return -1;
	} else if (!strcmp(a, "--all-strings")) {
		o->opt.all_strings = 1;
	} else if (!strcmp(a, "--infer-quoted")) {
		o->opt.infer_quoted = 1;
	} else if (!strcmp(a, "--infer-rows")) {
		if (!need_value(a, argc, *i) || parse_count(a, argv[++*i], 1, &n))
			return -1;
		o->opt.infer_rows = n;
	} else if (!strcmp(a, "--bad-rows")) {
		if (!need_value(a, argc, *i))
			return -1;
		if (dn_bad_rows_parse(argv[++*i], &o->opt.bad_rows) < 0)
			return -dn_cli_usage(NULL,
					     "--bad-rows takes fail, skip or quarantine, not '%s'",
					     argv[*i]);
	} else if (!strcmp(a, "--rejects")) {
		if (!need_value(a, argc, *i))
			return -1;
		o->opt.rejects_path = argv[++*i];
		o->opt.bad_rows = DN_BAD_QUARANTINE;
	} else if (!strcmp(a, "--threads")) {
		if (!need_value(a, argc, *i) || parse_count(a, argv[++*i], 1, &n))
			return -1;
		o->opt.threads = (int)(n > 256 ? 256 : n);
	} else if (!strcmp(a, "--max-record-mb")) {
		if (!need_value(a, argc, *i) || parse_count(a, argv[++*i], 1, &n))
			return -1;
		o->opt.max_record_bytes = (size_t)(n > 4096 ? 4096 : n) << 20;
	} else {
		return 0;
	}
	return 1;
}

int dn_cli_open_reader(struct dn_cli_read *o, const char *path, struct dn_reader **out)
{
	struct dn_error err;
	dn_error_clear(&err);
	if (o->progress) {
		o->opt.progress = dn_cli_progress;
		o->opt.progress_user = NULL;
	}
	if (!strncmp(path, "lake:", 5) || dn_cli_is_dataset_dir(path))
		return dn_cli_open_dataset(path, &o->opt, out);
	if (dn_extract_is_url(path)) {
		if (dn_extract_open_reader(path, o->from, &o->opt, out, &err) < 0)
			return dn_cli_error(&err);
		return 0;
	}
	if (dn_reader_open(out, path, o->from, &o->opt, &err) < 0)
		return dn_cli_error(&err);
	return 0;
}

void dn_cli_summary(struct dn_reader *r, int64_t elapsed_us)
{
	struct dn_read_summary s;
	dn_reader_summary(r, &s);
	const struct dn_schema *sc = dn_reader_schema(r);
	dn_cli_progress_end();
	double secs = (double)elapsed_us / 1e6;
	double mb = (double)s.bytes / 1e6;
	dn_info("read %lld rows (%.1f MB in %.2f s, %.0f MB/s): %lld loaded, %lld skipped, "
		"%lld quarantined%s%s",
		(long long)s.read, mb, secs, secs > 0 ? mb / secs : 0.0, (long long)s.loaded,
		(long long)s.skipped, (long long)s.quarantined, s.rejects_path ? " -> " : "",
		s.rejects_path ? s.rejects_path : "");
	if (s.groups_pruned)
		dn_info("--prune skipped %lld Parquet row groups", (long long)s.groups_pruned);
	for (int i = 0; i < s.nwidenings; i++)
		dn_info("column '%s' widened from %s to %s at line %lld (a value did not fit the "
			"type inferred from the sample)",
			sc->fields[s.widenings[i].column].name, dn_type_name(s.widenings[i].from),
			dn_type_name(s.widenings[i].to), (long long)s.widenings[i].line);
}

static int64_t progress_last;
static int progress_shown;

void dn_cli_progress(void *user, uint64_t bytes, int64_t rows)
{
	static int64_t t0;
	(void)user;
	int64_t now = dn_monotonic_us();
	if (!t0)
		t0 = now;
	if (now - progress_last < 200000)
		return;
	progress_last = now;
	double secs = (double)(now - t0) / 1e6;
	if (secs < 0.5)
		return; /* short reads stay silent */
	fprintf(stderr, "\r%12lld rows  %9.1f MB  %7.0f MB/s ", (long long)rows,
		(double)bytes / 1e6, (double)bytes / 1e6 / secs);
	progress_shown = 1;
}

void dn_cli_progress_end(void)
{
	if (progress_shown) {
		fprintf(stderr, "\r%60s\r", "");
		progress_shown = 0;
	}
}

void dn_cli_cell_text(const struct dn_column *c, int64_t i, struct dn_buf *raw, struct dn_buf *out)
{
	int isnull = 0;
	size_t chars = 0;
	dn_buf_reset(raw);
	dn_buf_reset(out);
	if (dn_column_format(c, i, raw, &isnull, NULL) < 0 || isnull) {
		dn_buf_puts(out, isnull ? "null" : "?", NULL);
		return;
	}
	for (size_t k = 0; k < raw->len; k++) {
		unsigned char ch = (unsigned char)raw->data[k];
		if ((ch & 0xC0) != 0x80 && ++chars > DN_CLI_CELL_MAX) {
			dn_buf_puts(out, "...", NULL);
			break;
		}
		if (ch == '\n')
			dn_buf_puts(out, "\\n", NULL);
		else if (ch == '\r')
			dn_buf_puts(out, "\\r", NULL);
		else if (ch == '\t')
			dn_buf_puts(out, "\\t", NULL);
		else if (ch < 0x20)
			dn_buf_printf(out, NULL, "\\x%02x", ch);
		else
			dn_buf_putc(out, (char)ch, NULL);
	}
	dn_buf_puts(out, "", NULL);
}

int dn_cli_text_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}
