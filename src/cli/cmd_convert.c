/* `dunya convert IN OUT`: read any supported format, write another, by extension or --from/--to.
 * The output appears only when everything was read and written (atomic rename), so a failure
 * never leaves a half-written file. */
#include <string.h>

#include "cli.h"

static int convert_run(int argc, char **argv)
{
	struct dn_cli_read o;
	struct dn_write_options wo;
	enum dn_format to = DN_FORMAT_UNKNOWN;
	const char *in = NULL, *outp = NULL;
	struct dn_reader *r = NULL;
	struct dn_writer *w = NULL;
	struct dn_error err;
	int rc = 0;
	dn_error_clear(&err);
	dn_cli_read_init(&o);
	dn_write_options_init(&wo);
	wo.delimiter = 0;
	for (int i = 1; i < argc; i++) {
		int k = dn_cli_read_option(&o, argc, argv, &i);
		if (k < 0) {
			rc = DN_EXIT_USAGE;
			goto out;
		}
		if (k > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "--to")) {
			char d = 0;
			if (i + 1 >= argc || dn_format_parse(argv[i + 1], &to, &d) < 0) {
				rc = dn_cli_usage("convert",
						  "--to takes csv, tsv, ndjson, json or parquet");
				goto out;
			}
			if (d)
				wo.delimiter = d;
			i++;
		} else if (!strcmp(a, "--out-delimiter")) {
			if (i + 1 >= argc ||
			    (strlen(argv[i + 1]) != 1 && strcmp(argv[i + 1], "tab"))) {
				rc = dn_cli_usage("convert",
						  "--out-delimiter takes one character or tab");
				goto out;
			}
			wo.delimiter = !strcmp(argv[i + 1], "tab") ? '\t' : argv[i + 1][0];
			i++;
		} else if (!strcmp(a, "--compression")) {
			if (i + 1 >= argc ||
			    dn_parquet_codec_parse(argv[i + 1], &wo.parquet_codec) < 0) {
				rc = dn_cli_usage("convert", "--compression takes none, snappy, "
							     "gzip or zstd");
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--row-group-rows")) {
			if (i + 1 >= argc ||
			    dn_parse_i64(argv[i + 1], strlen(argv[i + 1]), &wo.row_group_rows) <
				    0 ||
			    wo.row_group_rows < 1) {
				rc = dn_cli_usage("convert",
						  "--row-group-rows takes a whole number >= 1");
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--no-out-header")) {
			wo.no_header = 1;
		} else if (!strcmp(a, "--crlf")) {
			wo.crlf = 1;
		} else if (!strcmp(a, "--pretty")) {
			wo.pretty = 1;
		} else if (a[0] == '-' && a[1]) {
			rc = dn_cli_usage("convert", "unknown option '%s'", a);
			goto out;
		} else if (!in) {
			in = a;
		} else if (!outp) {
			outp = a;
		} else {
			rc = dn_cli_usage("convert", "takes IN and OUT only ('%s' is extra)", a);
			goto out;
		}
	}
	if (!in || !outp) {
		rc = dn_cli_usage("convert",
				  "name an input and an output file (- for stdin/stdout)");
		goto out;
	}
	if (to == DN_FORMAT_UNKNOWN && strcmp(outp, "-") != 0) {
		char d = 0;
		to = dn_format_from_path(outp, &d);
		if (d && !wo.delimiter)
			wo.delimiter = d;
	}
	if (to == DN_FORMAT_UNKNOWN) {
		rc = dn_cli_usage("convert",
				  "cannot tell the output format of '%s'; add --to csv|tsv|"
				  "ndjson|json|parquet",
				  outp);
		goto out;
	}
	if (!wo.delimiter)
		wo.delimiter = ',';
	int64_t t0 = dn_monotonic_us();
	if ((rc = dn_cli_open_reader(&o, in, &r)) != 0)
		goto out;
	if (dn_writer_open(&w, outp, to, &wo, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_batch *b;
	int k;
	while ((k = dn_reader_next(r, &b, &err)) > 0) {
		int wr = dn_writer_write(w, b, &err);
		dn_batch_free(b);
		if (wr < 0) {
			k = wr;
			break;
		}
	}
	if (k < 0 || dn_writer_finish(w, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	dn_cli_summary(r, dn_monotonic_us() - t0);
out:
	dn_writer_free(w); /* removes the partial output when not finished */
	dn_reader_free(r);
	dn_cli_read_release(&o);
	return rc;
}

static void convert_help(FILE *out)
{
	fprintf(out,
		"usage: dunya convert IN OUT [options]\n\n"
		"Convert between CSV, TSV, NDJSON, JSON and Parquet. Formats come from the file\n"
		"extensions (.csv .tsv .txt .ndjson .jsonl .json .parquet) or --from/--to; - is\n"
		"stdin or stdout (Parquet input must be a file).\n"
		"OUT is "
		"written to a temporary file and renamed into place when complete.\n\n"
		"writing options:\n"
		"  --to FORMAT            csv, tsv, ndjson (jsonl), json or parquet\n"
		"  --out-delimiter C      CSV output delimiter (default , or tab for .tsv)\n"
		"  --no-out-header        no header line in CSV output\n"
		"  --crlf                 end CSV lines with CRLF\n"
		"  --compression C        Parquet page compression: snappy (default), zstd,\n"
		"                         gzip or none\n"
		"  --row-group-rows N     rows per Parquet row group (default 1048576)\n\n");
	dn_cli_read_help(out);
}

const struct dn_cmd dn_cmd_convert = {"convert",
				      "convert a file between CSV, NDJSON, JSON and Parquet",
				      convert_run, convert_help};
