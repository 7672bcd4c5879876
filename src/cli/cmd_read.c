/* Reading commands: `schema` (the inferred schema), `head` (the first rows as a table) and
 * `count` (read everything into typed columns; print the row count). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parse the arguments of a reading command: options and exactly one input path. */
static int parse_args(const char *cmd, int argc, char **argv, struct dn_cli_read *o,
		      const char **path, int64_t *n, int *json)
{
	*path = NULL;
	for (int i = 1; i < argc; i++) {
		int rc = dn_cli_read_option(o, argc, argv, &i);
		if (rc < 0)
			return DN_EXIT_USAGE;
		if (rc > 0)
			continue;
		const char *a = argv[i];
		if (n && (!strcmp(a, "-n") || !strcmp(a, "--rows"))) {
			if (i + 1 >= argc ||
			    dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), n) < 0 || *n < 0)
				return dn_cli_usage(cmd, "%s takes a number of rows", a);
			i++;
		} else if (json && !strcmp(a, "--json")) {
			*json = 1;
		} else if (a[0] == '-' && a[1]) {
			return dn_cli_usage(cmd, "unknown option '%s'", a);
		} else if (*path) {
			return dn_cli_usage(cmd, "one input file only ('%s' is extra)", a);
		} else {
			*path = a;
		}
	}
	if (!*path)
		return dn_cli_usage(cmd, "name an input file (or - for standard input)");
	return 0;
}

/* ---- schema ---- */

static void json_str(FILE *out, const char *s)
{
	struct dn_buf b = DN_BUF_INIT;
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
	dn_buf_release(&b);
}

static int schema_run(int argc, char **argv)
{
	struct dn_cli_read o;
	const char *path;
	int json = 0, rc;
	struct dn_reader *r = NULL;
	dn_cli_read_init(&o);
	o.progress = 0;
	if ((rc = parse_args("schema", argc, argv, &o, &path, NULL, &json)) != 0)
		goto out;
	if ((rc = dn_cli_open_reader(&o, path, &r)) != 0)
		goto out;
	const struct dn_schema *s = dn_reader_schema(r);
	if (json) {
		printf("{\"columns\":[");
		for (int i = 0; i < s->nfields; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, s->fields[i].name);
			printf(",\"type\":\"%s\"}", dn_type_name(s->fields[i].type));
		}
		printf("]}\n");
	} else {
		int w = 4;
		for (int i = 0; i < s->nfields; i++)
			if ((int)strlen(s->fields[i].name) > w)
				w = (int)strlen(s->fields[i].name);
		for (int i = 0; i < s->nfields; i++)
			printf("%-*s  %s\n", w, s->fields[i].name, dn_type_name(s->fields[i].type));
	}
out:
	dn_reader_free(r);
	dn_cli_read_release(&o);
	return rc;
}

static void schema_help(FILE *out)
{
	fprintf(out, "usage: dunya schema FILE [options] [--json]\n\n"
		     "Print the columns of FILE and the types inferred from a sample of its rows.\n"
		     "--json prints {\"columns\":[{\"name\":..,\"type\":..},..]}.\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_schema = {"schema", "print the inferred schema of a file", schema_run,
				     schema_help};

/* ---- head ---- */

static int head_run(int argc, char **argv)
{
	struct dn_cli_read o;
	const char *path;
	int64_t n = 10;
	int rc;
	struct dn_reader *r = NULL;
	struct dn_error err;
	struct dn_builder *bl = NULL;
	struct dn_batch *rows = NULL;
	int *width = NULL;
	struct dn_buf cell = DN_BUF_INIT, raw = DN_BUF_INIT;
	dn_error_clear(&err);
	dn_cli_read_init(&o);
	o.progress = 0;
	o.opt.threads = 1; /* only the first rows are needed */
	if ((rc = parse_args("head", argc, argv, &o, &path, &n, NULL)) != 0)
		goto out;
	if ((rc = dn_cli_open_reader(&o, path, &r)) != 0)
		goto out;
	/* Collect the first n rows (the schema may widen while reading: cast to the final one). */
	struct dn_batch *b;
	struct dn_batch **got = NULL;
	int ngot = 0;
	int64_t have = 0;
	while (have < n) {
		int k = dn_reader_next(r, &b, &err);
		if (k < 0) {
			rc = dn_cli_error(&err);
			for (int i = 0; i < ngot; i++)
				dn_batch_free(got[i]);
			dn_free(got);
			goto out;
		}
		if (k == 0)
			break;
		struct dn_batch **ng = dn_realloc(got, sizeof *ng * (size_t)(ngot + 1));
		if (!ng) {
			dn_batch_free(b);
			break;
		}
		got = ng;
		got[ngot++] = b;
		have += b->nrows;
	}
	const struct dn_schema *s = dn_reader_schema(r);
	int nc = s->nfields;
	bl = dn_calloc((size_t)(nc ? nc : 1), sizeof *bl);
	width = dn_calloc((size_t)(nc ? nc : 1), sizeof *width);
	for (int c = 0; c < nc; c++)
		dn_builder_init(&bl[c], s->fields[c].type);
	int64_t taken = 0;
	for (int g = 0; g < ngot; g++) {
		for (int c = 0; c < nc; c++) {
			struct dn_column cast;
			memset(&cast, 0, sizeof cast);
			const struct dn_column *src = &got[g]->columns[c];
			if (src->type != s->fields[c].type) {
				dn_column_cast(src, s->fields[c].type, &cast, NULL);
				src = &cast;
			}
			for (int64_t i = 0; i < got[g]->nrows && taken + i < n; i++)
				dn_builder_append_from(&bl[c], src, i, NULL);
			dn_column_release(&cast);
		}
		taken += got[g]->nrows;
		dn_batch_free(got[g]);
	}
	dn_free(got);
	rows = dn_batch_from_builders(s, bl, &err);
	if (!rows) {
		rc = dn_cli_error(&err);
		goto out;
	}
	/* Widths: names, types, values. */
	for (int c = 0; c < nc; c++) {
		width[c] = dn_cli_text_width(s->fields[c].name);
		int tw = (int)strlen(dn_type_name(s->fields[c].type));
		if (tw > width[c])
			width[c] = tw;
		for (int64_t i = 0; i < rows->nrows; i++) {
			dn_cli_cell_text(&rows->columns[c], i, &raw, &cell);
			int w = dn_cli_text_width(cell.data);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (int line = 0; line < 3; line++) {
		for (int c = 0; c < nc; c++) {
			const char *t = line == 0 ? s->fields[c].name :
						    dn_type_name(s->fields[c].type);
			if (line == 2) {
				for (int k = 0; k < width[c]; k++)
					putchar('-');
			} else {
				printf("%s", t);
				if (c + 1 < nc)
					printf("%*s", width[c] - dn_cli_text_width(t), "");
			}
			if (c + 1 < nc)
				printf("  ");
		}
		putchar('\n');
	}
	for (int64_t i = 0; i < rows->nrows; i++) {
		for (int c = 0; c < nc; c++) {
			dn_cli_cell_text(&rows->columns[c], i, &raw, &cell);
			int right = rows->columns[c].type == DN_INT64 ||
				    rows->columns[c].type == DN_FLOAT64;
			int pad = width[c] - dn_cli_text_width(cell.data);
			if (right)
				printf("%*s%s", pad, "", cell.data);
			else if (c + 1 < nc)
				printf("%s%*s", cell.data, pad, "");
			else
				printf("%s", cell.data);
			if (c + 1 < nc)
				printf("  ");
		}
		putchar('\n');
	}
out:
	dn_buf_release(&cell);
	dn_buf_release(&raw);
	for (int c = 0; bl && r && c < dn_reader_schema(r)->nfields; c++)
		dn_builder_release(&bl[c]);
	dn_free(bl);
	dn_free(width);
	dn_batch_free(rows);
	dn_reader_free(r);
	dn_cli_read_release(&o);
	return rc;
}

static void head_help(FILE *out)
{
	fprintf(out,
		"usage: dunya head FILE [-n N] [options]\n\n"
		"Print the first N rows (default 10) of FILE as a table, with each column's\n"
		"name and type. Nulls print as null; long values are cut at 40 characters.\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_head = {"head", "print the first rows of a file as a table", head_run,
				   head_help};

/* ---- count ---- */

static int count_run(int argc, char **argv)
{
	struct dn_cli_read o;
	const char *path;
	int rc;
	struct dn_reader *r = NULL;
	struct dn_error err;
	dn_error_clear(&err);
	dn_cli_read_init(&o);
	if ((rc = parse_args("count", argc, argv, &o, &path, NULL, NULL)) != 0)
		goto out;
	int64_t t0 = dn_monotonic_us();
	if ((rc = dn_cli_open_reader(&o, path, &r)) != 0)
		goto out;
	struct dn_batch *b;
	int k;
	int64_t rows = 0;
	while ((k = dn_reader_next(r, &b, &err)) > 0) {
		rows += b->nrows;
		dn_batch_free(b);
	}
	if (k < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	printf("%lld\n", (long long)rows);
	dn_cli_summary(r, dn_monotonic_us() - t0);
out:
	dn_reader_free(r);
	dn_cli_read_release(&o);
	return rc;
}

static void count_help(FILE *out)
{
	fprintf(out,
		"usage: dunya count FILE [options]\n\n"
		"Read all of FILE into typed columns and print the number of rows loaded. The\n"
		"summary on stderr accounts for every row:\n"
		"read = loaded + skipped + quarantined.\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_count = {"count", "read a file into typed columns and count its rows",
				    count_run, count_help};

/* ---- version ---- */

static int version_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("dunya %s\n", DN_VERSION);
	return 0;
}

static void version_help(FILE *out)
{
	fprintf(out, "usage: dunya version\n\nPrint dunya's version.\n");
}

const struct dn_cmd dn_cmd_version = {"version", "print the version", version_run, version_help};
