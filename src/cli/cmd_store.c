/* Warehouse commands: `load` (a file into a warehouse table, in one of the load modes) and `sql`
 * (run SQL on a warehouse, print the rows as a table, CSV or NDJSON). A CONN argument is a
 * connection name of the project (dunya.yaml) or a URL; relative sqlite:// paths in the project
 * are relative to its root, on the command line to the working directory. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "cli.h"

/* The URL of a postgres connection for libpq: user and password percent-encoded again (the
 * project keeps them decoded), host, port, path and query as written. */
static void put_pg_url(struct dn_buf *out, const struct dn_url *u)
{
	dn_buf_printf(out, NULL, "%s://", u->scheme);
	for (int part = 0; part < 2 && u->user && u->user[0]; part++) {
		const char *s = part ? u->password : u->user;
		if (part && !u->has_password)
			break;
		if (part)
			dn_buf_putc(out, ':', NULL);
		for (; s && *s; s++) {
			unsigned char c = (unsigned char)*s;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~')
				dn_buf_putc(out, (char)c, NULL);
			else
				dn_buf_printf(out, NULL, "%%%02X", c);
		}
	}
	if (u->user && u->user[0])
		dn_buf_putc(out, '@', NULL);
	if (u->host && strchr(u->host, ':'))
		dn_buf_printf(out, NULL, "[%s]", u->host);
	else if (u->host)
		dn_buf_puts(out, u->host, NULL);
	if (u->port)
		dn_buf_printf(out, NULL, ":%d", u->port);
	if (u->path)
		dn_buf_puts(out, u->path, NULL);
	if (u->query && u->query[0])
		dn_buf_printf(out, NULL, "?%s", u->query);
}

/* Open the warehouse CONN names. Prints the error and returns an exit code on failure. */
static int open_conn(const char *conn, struct dn_wh **out)
{
	struct dn_error err;
	struct dn_problems probs;
	struct dn_project *p = NULL;
	struct dn_buf url = DN_BUF_INIT, names = DN_BUF_INIT;
	char *root = NULL;
	int rc = 0;
	dn_error_clear(&err);
	dn_problems_init(&probs);
	*out = NULL;
	if (strstr(conn, "://")) {
		if (dn_wh_open(out, conn, NULL, &err) < 0)
			rc = dn_cli_error(&err);
		goto out;
	}
	if (dn_project_find(dn_cli_project, &root, &err) < 0) {
		dn_error_set(
			&err, DN_EUSAGE,
			"'%s' is not a URL (sqlite://file.db) and there is no project here "
			"whose connections could name it (run inside a project or give --project)",
			conn);
		rc = dn_cli_error(&err);
		goto out;
	}
	if (dn_project_load(&p, root, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	const struct dn_conn *cn = dn_project_conn(p, conn);
	if (!cn) {
		for (size_t i = 0; i < p->nconns; i++)
			dn_buf_printf(&names, NULL, "%s%s", i ? ", " : "", p->conns[i].name);
		dn_error_set(&err, DN_EUSAGE, "no connection '%s' in %s (connections: %s)", conn,
			     p->config, names.len ? names.data : "none");
		rc = dn_cli_error(&err);
		goto out;
	}
	if (!cn->valid) {
		dn_error_set(&err, DN_EINVAL,
			     "connection '%s' has an invalid URL; `dunya validate` shows why",
			     conn);
		rc = dn_cli_error(&err);
		goto out;
	}
	if (!strcmp(cn->url.scheme, "sqlite"))
		dn_buf_printf(&url, NULL, "sqlite://%s", cn->url.path);
	else
		put_pg_url(&url, &cn->url);
	if (dn_wh_open(out, url.data ? url.data : "", p->root, &err) < 0) {
		struct dn_buf red = DN_BUF_INIT;
		dn_url_redacted(&cn->url, &red, NULL);
		dn_error_prefix(&err, "connection '%s' (%s): ", conn, red.data ? red.data : "");
		dn_buf_release(&red);
		rc = dn_cli_error(&err);
	}
out:
	if (url.data) /* it may hold a password */
		memset(url.data, 0, url.len);
	dn_buf_release(&url);
	dn_buf_release(&names);
	dn_project_free(p);
	dn_problems_release(&probs);
	dn_free(root);
	return rc;
}

/* ---- load ---- */

static int load_run(int argc, char **argv)
{
	struct dn_cli_read o;
	struct dn_wh_load_options lo;
	struct dn_wh *wh = NULL;
	struct dn_reader *r = NULL;
	struct dn_error err;
	const char *pos[3] = {NULL, NULL, NULL};
	char *keys = NULL;
	int npos = 0, rc = 0;
	dn_error_clear(&err);
	dn_cli_read_init(&o);
	dn_wh_load_options_init(&lo);
	for (int i = 1; i < argc; i++) {
		int k = dn_cli_read_option(&o, argc, argv, &i);
		if (k < 0) {
			rc = DN_EXIT_USAGE;
			goto out;
		}
		if (k > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "--mode") || !strcmp(a, "--key") ||
		    !strcmp(a, "--incremental-column")) {
			if (i + 1 >= argc) {
				rc = dn_cli_usage(NULL, "%s needs a value", a);
				goto out;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--mode") && dn_wh_mode_parse(v, &lo.mode) < 0) {
				rc = dn_cli_usage(NULL,
						  "--mode takes append, replace, merge or "
						  "incremental, not '%s'",
						  v);
				goto out;
			} else if (!strcmp(a, "--key")) {
				dn_free(keys);
				keys = dn_strdup(v);
				lo.nkeys = 0;
				char *save = NULL;
				for (char *t = keys ? strtok_r(keys, ",", &save) : NULL; t;
				     t = strtok_r(NULL, ",", &save)) {
					if (lo.nkeys == DN_WH_MAX_KEYS) {
						rc = dn_cli_usage(NULL, "at most %d key columns",
								  DN_WH_MAX_KEYS);
						goto out;
					}
					lo.keys[lo.nkeys++] = t;
				}
			} else if (!strcmp(a, "--incremental-column")) {
				lo.incremental_column = v;
			}
		} else if (a[0] == '-' && a[1]) {
			rc = dn_cli_usage(NULL, "unknown option '%s'", a);
			goto out;
		} else if (npos == 3) {
			rc = dn_cli_usage(NULL, "FILE CONN TABLE only ('%s' is extra)", a);
			goto out;
		} else {
			pos[npos++] = a;
		}
	}
	if (npos < 3) {
		rc = dn_cli_usage(NULL, "name a FILE, a connection (or sqlite:// URL) and a TABLE");
		goto out;
	}
	if (lo.nkeys && lo.mode != DN_WH_MERGE && lo.mode != DN_WH_INCREMENTAL) {
		rc = dn_cli_usage(NULL, "--key is for --mode merge or incremental");
		goto out;
	}
	if (lo.incremental_column && lo.mode != DN_WH_INCREMENTAL) {
		rc = dn_cli_usage(NULL, "--incremental-column is for --mode incremental");
		goto out;
	}
	int64_t t0 = dn_monotonic_us();
	if ((rc = open_conn(pos[1], &wh)) != 0)
		goto out;
	if ((rc = dn_cli_open_reader(&o, pos[0], &r)) != 0)
		goto out;
	struct dn_wh_load_stats st;
	if (dn_wh_load_reader(wh, r, pos[2], &lo, &st, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_read_summary s;
	dn_reader_summary(r, &s);
	dn_cli_progress_end();
	double secs = (double)(dn_monotonic_us() - t0) / 1e6;
	dn_info("%s: %lld rows into %s in %.2f s (%.0f rows/s): read %lld, loaded %lld, "
		"skipped %lld, quarantined %lld%s%s",
		dn_wh_mode_name(lo.mode), (long long)st.rows_written, pos[2], secs,
		secs > 0 ? (double)st.rows_written / secs : 0.0, (long long)s.read,
		(long long)s.loaded, (long long)s.skipped, (long long)s.quarantined,
		s.rejects_path ? " -> " : "", s.rejects_path ? s.rejects_path : "");
	if (lo.mode == DN_WH_INCREMENTAL)
		dn_info("incremental: %lld rows not above the watermark; %s is now %s",
			(long long)st.rows_filtered, lo.incremental_column,
			st.watermark[0] ? st.watermark : "(none)");
out:
	dn_reader_free(r);
	dn_wh_close(wh);
	dn_free(keys);
	dn_cli_read_release(&o);
	return rc;
}

static void load_help(FILE *out)
{
	fprintf(out,
		"usage: dunya load FILE CONN TABLE [--mode MODE] [--key COL,...]\n"
		"                  [--incremental-column COL] [reading options]\n\n"
		"Load FILE into TABLE of the warehouse CONN: a connection of the project or a\n"
		"URL (sqlite://file.db, relative to this folder). The load is one transaction.\n\n"
		"  --mode append       add the rows (default); the table is created if missing\n"
		"  --mode replace      swap in a new table with the rows, atomically\n"
		"  --mode merge        upsert on --key columns (a UNIQUE index is made on them)\n"
		"  --mode incremental  only rows whose --incremental-column is above the stored\n"
		"                      high-water mark; merged when --key is given\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_load = {"load", "load a file into a warehouse table", load_run,
				   load_help};

/* ---- sql ---- */

/* A table like `dunya head`: widths from the first batch; later wider cells push right. */
static void print_table(const struct dn_batch *b, int **width, struct dn_buf *raw,
			struct dn_buf *cell)
{
	int nc = b->schema.nfields;
	if (!*width) {
		*width = dn_calloc((size_t)(nc ? nc : 1), sizeof **width);
		if (!*width)
			return;
		for (int c = 0; c < nc; c++) {
			int w = dn_cli_text_width(b->schema.fields[c].name);
			int tw = (int)strlen(dn_type_name(b->schema.fields[c].type));
			(*width)[c] = w > tw ? w : tw;
			for (int64_t i = 0; i < b->nrows; i++) {
				dn_cli_cell_text(&b->columns[c], i, raw, cell);
				if (dn_cli_text_width(cell->data) > (*width)[c])
					(*width)[c] = dn_cli_text_width(cell->data);
			}
		}
		for (int line = 0; line < 3; line++) {
			for (int c = 0; c < nc; c++) {
				const char *t = line == 0 ? b->schema.fields[c].name :
							    dn_type_name(b->schema.fields[c].type);
				int pad = (*width)[c] - dn_cli_text_width(t);
				if (line == 2)
					for (int k = 0; k < (*width)[c]; k++)
						putchar('-');
				else
					printf("%s%*s", t, c + 1 < nc ? pad : 0, "");
				if (c + 1 < nc)
					printf("  ");
			}
			putchar('\n');
		}
	}
	for (int64_t i = 0; i < b->nrows; i++) {
		for (int c = 0; c < nc; c++) {
			dn_cli_cell_text(&b->columns[c], i, raw, cell);
			int pad = (*width)[c] - dn_cli_text_width(cell->data);
			if (pad < 0)
				pad = 0;
			enum dn_type t = b->columns[c].type;
			if (t == DN_INT64 || t == DN_FLOAT64)
				printf("%*s%s", pad, "", cell->data);
			else
				printf("%s%*s", cell->data, c + 1 < nc ? pad : 0, "");
			if (c + 1 < nc)
				printf("  ");
		}
		putchar('\n');
	}
}

static int sql_run(int argc, char **argv)
{
	const char *pos[2] = {NULL, NULL};
	int npos = 0, rc = 0, fmt = 0; /* 0 table, 1 csv, 2 ndjson */
	const char *outp = NULL;
	struct dn_wh *wh = NULL;
	struct dn_wh_query *q = NULL;
	struct dn_writer *w = NULL;
	struct dn_error err;
	struct dn_buf raw = DN_BUF_INIT, cell = DN_BUF_INIT;
	int *width = NULL;
	dn_error_clear(&err);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--out") && i + 1 < argc) {
			outp = argv[++i];
		} else if (!strcmp(a, "--format")) {
			const char *v = i + 1 < argc ? argv[++i] : "";
			if (!strcmp(v, "table"))
				fmt = 0;
			else if (!strcmp(v, "csv"))
				fmt = 1;
			else if (!strcmp(v, "ndjson"))
				fmt = 2;
			else
				return dn_cli_usage(NULL, "--format takes table, csv or ndjson");
		} else if (a[0] == '-' && a[1] && npos < 1) {
			return dn_cli_usage(NULL, "unknown option '%s'", a);
		} else if (npos == 2) {
			return dn_cli_usage(NULL,
					    "CONN \"QUERY\" only ('%s' is extra; quote the "
					    "query)",
					    a);
		} else {
			pos[npos++] = a;
		}
	}
	if (npos < 2)
		return dn_cli_usage(NULL, "name a connection (or sqlite:// URL) and a query");
	if ((rc = open_conn(pos[0], &wh)) != 0)
		goto out;
	if (outp) { /* an export: the file appears whole or not at all */
		int64_t n = 0;
		if (dn_wh_export(wh, pos[1], outp,
				 fmt == 1 ? DN_FORMAT_CSV :
				 fmt == 2 ? DN_FORMAT_NDJSON :
					    DN_FORMAT_UNKNOWN,
				 &n, &err) < 0) {
			rc = dn_cli_error(&err);
			goto out;
		}
		dn_info("exported %lld rows to %s", (long long)n, outp);
		goto out;
	}
	if (dn_wh_query_open(wh, &q, pos[1], 0, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (fmt) {
		struct dn_write_options wo;
		dn_write_options_init(&wo);
		if (dn_writer_open(&w, "-", fmt == 1 ? DN_FORMAT_CSV : DN_FORMAT_NDJSON, &wo,
				   &err) < 0) {
			rc = dn_cli_error(&err);
			goto out;
		}
	}
	struct dn_batch *b;
	int k, any = 0;
	while ((k = dn_wh_query_next(q, &b, &err)) > 0) {
		any = 1;
		if (w)
			k = dn_writer_write(w, b, &err);
		else
			print_table(b, &width, &raw, &cell);
		dn_batch_free(b);
		if (k < 0)
			break;
	}
	if (k < 0 || (w && dn_writer_finish(w, &err) < 0)) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (!any)
		dn_info("%lld rows changed", (long long)dn_wh_query_changes(q));
out:
	dn_writer_free(w);
	dn_free(width);
	dn_buf_release(&raw);
	dn_buf_release(&cell);
	dn_wh_query_free(q);
	dn_wh_close(wh);
	return rc;
}

static void sql_help(FILE *out)
{
	fprintf(out,
		"usage: dunya sql CONN \"QUERY\" [--format table|csv|ndjson] [--out FILE]\n\n"
		"Run QUERY (one or more SQL statements) on the warehouse CONN: a connection of\n"
		"the project or a URL (sqlite://file.db). The last statement's rows are printed\n"
		"as a table (default), CSV or NDJSON; otherwise the number of rows changed.\n"
		"--out FILE exports them instead, in the format of FILE's extension (.csv .tsv\n"
		".ndjson .json, or --format), through a temporary file renamed into place; QUERY\n"
		"may then also be a table name.\n");
}

const struct dn_cmd dn_cmd_sql = {"sql", "run SQL on a warehouse and print the rows", sql_run,
				  sql_help};
