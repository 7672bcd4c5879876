/* `dunya lake`: the lake's datasets. `ls` lists them, `show` prints one version's schema,
 * partitions and history, `write` commits a file as a new version, `vacuum` deletes files no
 * kept version needs. The lake is the project's (dunya.yaml `lake:`), or $DUNYA_LAKE outside a
 * project. Every reading command also takes `lake:DATASET[@VERSION][/COL=VALUE]` as a file. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "cli.h"

int dn_cli_open_lake(struct dn_lake **out, struct dn_lake_write_options *wdefaults)
{
	struct dn_error err;
	struct dn_problems probs;
	struct dn_project *p = NULL;
	char *root = NULL;
	int rc = 0;
	dn_error_clear(&err);
	dn_problems_init(&probs);
	*out = NULL;
	if (wdefaults)
		dn_lake_write_options_init(wdefaults);
	const char *env = getenv("DUNYA_LAKE");
	if (!dn_cli_project && env && *env) {
		struct dn_lake_options o;
		dn_lake_options_init(&o);
		o.root = env;
		if (dn_lake_open(out, &o, &err) < 0)
			rc = dn_cli_error(&err);
		goto out;
	}
	if (dn_project_find(dn_cli_project, &root, &err) < 0) {
		dn_error_set(&err, DN_EUSAGE,
			     "no lake: run inside a project (its dunya.yaml names the lake), give "
			     "--project DIR, or set DUNYA_LAKE to a folder or s3:// URL");
		rc = dn_cli_error(&err);
		goto out;
	}
	if (dn_project_load(&p, root, &probs, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	struct dn_lake_options o;
	dn_project_lake_options(p, &o);
	if (wdefaults)
		dn_project_lake_write_defaults(p, wdefaults);
	if (dn_lake_open(out, &o, &err) < 0)
		rc = dn_cli_error(&err);
out:
	dn_project_free(p);
	dn_problems_release(&probs);
	dn_free(root);
	return rc;
}

int dn_cli_open_dataset(const char *path, const struct dn_read_options *opt, struct dn_reader **out)
{
	struct dn_error err;
	struct dn_lake *lk = NULL;
	int rc;
	dn_error_clear(&err);
	if (!strncmp(path, "lake:", 5)) {
		if ((rc = dn_cli_open_lake(&lk, NULL)) != 0)
			return rc;
		rc = dn_lake_reader_open(lk, path + 5, opt, out, &err) < 0 ? dn_cli_error(&err) : 0;
		dn_lake_close(lk);
		return rc;
	}
	/* A dataset folder (ROOT/ZONE/NAME holding _dunya/commits): read it as its lake's
	 * dataset, so `dunya head lake/raw/orders` works too. */
	struct dn_buf b = DN_BUF_INIT;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	dn_buf_append(&b, path, n, NULL);
	const char *s2 = b.data ? strrchr(b.data, '/') : NULL;
	const char *s1 = NULL;
	if (s2)
		for (const char *q = s2 - 1; q >= b.data; q--)
			if (*q == '/') {
				s1 = q;
				break;
			}
	const char *ds = s1 ? s1 + 1 : b.data;
	struct dn_lake_options o;
	dn_lake_options_init(&o);
	char *rootdir = s1 ? dn_strndup(b.data, (size_t)(s1 - b.data)) : dn_strdup(".");
	o.root = rootdir;
	rc = dn_lake_open(&lk, &o, &err) < 0 ? dn_cli_error(&err) : 0;
	if (rc == 0 && dn_lake_reader_open(lk, ds, opt, out, &err) < 0)
		rc = dn_cli_error(&err);
	dn_lake_close(lk);
	dn_free(rootdir);
	dn_buf_release(&b);
	return rc;
}

int dn_cli_is_dataset_dir(const char *path)
{
	struct dn_buf b = DN_BUF_INIT;
	struct stat st;
	int yes = dn_buf_printf(&b, NULL, "%s/_dunya/commits", path) == 0 &&
		  stat(b.data, &st) == 0 && S_ISDIR(st.st_mode);
	dn_buf_release(&b);
	return yes;
}

static void human_bytes(int64_t n, char *out, size_t cap)
{
	if (n < 1000)
		snprintf(out, cap, "%lld B", (long long)n);
	else if (n < 1000000)
		snprintf(out, cap, "%.1f kB", (double)n / 1e3);
	else if (n < 1000000000)
		snprintf(out, cap, "%.1f MB", (double)n / 1e6);
	else
		snprintf(out, cap, "%.2f GB", (double)n / 1e9);
}

/* ---- ls ---- */

static int ls_run(int argc, char **argv)
{
	const char *prefix = "";
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return dn_cli_usage(NULL, "unknown option '%s'", argv[i]);
		prefix = argv[i];
	}
	struct dn_lake *lk;
	int rc = dn_cli_open_lake(&lk, NULL);
	if (rc)
		return rc;
	struct dn_error err;
	dn_error_clear(&err);
	char **names = NULL;
	size_t n = 0;
	if (dn_lake_datasets(lk, prefix, &names, &n, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "no datasets in %s%s%s\n", dn_lake_root(lk),
			*prefix ? " under " : "", prefix);
		goto out;
	}
	printf("%-32s %8s %12s %6s %10s  %s\n", "dataset", "version", "rows", "files", "size",
	       "committed");
	for (size_t i = 0; i < n; i++) {
		struct dn_lake_version v;
		if (dn_lake_version_read(lk, names[i], 0, &v, &err) < 0) {
			rc = dn_cli_error(&err);
			dn_error_clear(&err);
			continue;
		}
		char ts[40], sz[32];
		dn_timestamp_format(v.committed_us / 1000000 * 1000000, ts);
		human_bytes(v.bytes, sz, sizeof sz);
		printf("%-32s %8lld %12lld %6zu %10s  %s\n", names[i], (long long)v.version,
		       (long long)v.rows, v.nfiles, sz, ts);
		dn_lake_version_release(&v);
	}
out:
	for (size_t i = 0; i < n; i++)
		dn_free(names[i]);
	dn_free(names);
	dn_lake_close(lk);
	return rc;
}

/* ---- show ---- */

/* --row-groups: per Parquet part file, one line per row group (rows, size), then one line per
 * column with its min, max and null count from the footer. Only the footer is read. S3 parts
 * are not downloaded for this: a note says so. */
static void show_row_groups(struct dn_lake *lk, const char *ds, const struct dn_lake_version *v)
{
	const char *root = dn_lake_root(lk);
	printf("\nrow groups\n");
	if (!strncmp(root, "s3://", 5)) {
		printf("  (not shown for an S3 lake: the part files would have to be fetched)\n");
		return;
	}
	for (size_t i = 0; i < v->nfiles; i++) {
		struct dn_pq_meta m;
		struct dn_error err;
		char path[4096], sz[32];
		dn_error_clear(&err);
		printf("  %s\n", v->files[i].path);
		if (dn_format_from_path(v->files[i].path, NULL) != DN_FORMAT_PARQUET) {
			printf("    (not a Parquet file)\n");
			continue;
		}
		snprintf(path, sizeof path, "%s/%s/%s", root, ds, v->files[i].path);
		if (dn_pq_meta_read(path, &m, &err) < 0) {
			printf("    (unreadable: %s)\n", err.msg);
			dn_pq_meta_release(&m);
			continue;
		}
		for (int g = 0; g < m.ngroups; g++) {
			const struct dn_pq_group_meta *G = &m.groups[g];
			human_bytes(G->bytes, sz, sizeof sz);
			printf("    #%-3d %lld rows, %s\n", g, (long long)G->rows, sz);
			for (int c = 0; c < m.ncols; c++) {
				const struct dn_pq_col_meta *C = &G->cols[c];
				printf("      %-24s", m.names[c]);
				if (C->min)
					printf(" %s .. %s", C->min, C->max);
				else
					printf(" (no min/max)");
				if (C->null_count >= 0)
					printf(", %lld null", (long long)C->null_count);
				printf("\n");
			}
		}
		dn_pq_meta_release(&m);
	}
}

static int show_run(int argc, char **argv)
{
	const char *spec = NULL;
	int row_groups = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--row-groups")) {
			row_groups = 1;
			continue;
		}
		if (argv[i][0] == '-')
			return dn_cli_usage(NULL, "unknown option '%s'", argv[i]);
		if (spec)
			return dn_cli_usage(NULL, "one dataset at a time");
		spec = argv[i];
	}
	if (!spec)
		return dn_cli_usage(NULL, "name a dataset, e.g. dunya lake show raw/orders");
	char ds[256];
	int64_t version = 0;
	const char *at = strchr(spec, '@');
	size_t dl = at ? (size_t)(at - spec) : strlen(spec);
	if (dl >= sizeof ds)
		return dn_cli_usage(NULL, "dataset name too long");
	memcpy(ds, spec, dl);
	ds[dl] = 0;
	if (at && (dn_parse_i64(at + 1, strlen(at + 1), &version) < 0 || version <= 0))
		return dn_cli_usage(NULL, "after '@' comes a version number, e.g. raw/orders@3");
	struct dn_lake *lk;
	int rc = dn_cli_open_lake(&lk, NULL);
	if (rc)
		return rc;
	struct dn_error err;
	dn_error_clear(&err);
	struct dn_lake_version v;
	int64_t *vs = NULL;
	size_t nv = 0;
	memset(&v, 0, sizeof v);
	if (dn_lake_versions(lk, ds, &vs, &nv, &err) < 0 ||
	    dn_lake_version_read(lk, ds, version, &v, &err) < 0) {
		rc = dn_cli_error(&err);
		goto out;
	}
	char ts[40], sz[32];
	dn_timestamp_format(v.committed_us, ts);
	human_bytes(v.bytes, sz, sizeof sz);
	printf("dataset    %s\n", ds);
	printf("location   %s/%s\n", dn_lake_root(lk), ds);
	printf("version    %lld (of %zu; latest %lld)\n", (long long)v.version, nv,
	       (long long)vs[nv - 1]);
	printf("committed  %s (%s)%s%s\n", ts, v.operation, *v.message ? ": " : "", v.message);
	printf("rows       %lld in %zu file%s, %s\n", (long long)v.rows, v.nfiles,
	       v.nfiles == 1 ? "" : "s", sz);
	printf("\ncolumns\n");
	for (int c = 0; c < v.schema.nfields; c++)
		printf("  %-30s %s\n", v.schema.fields[c].name,
		       dn_type_name(v.schema.fields[c].type));
	for (int c = 0; c < v.npcols; c++)
		printf("  %-30s partition\n", v.pcols[c]);
	if (v.npcols) {
		printf("\npartitions\n  %-30s %6s %12s %10s\n", "partition", "files", "rows",
		       "size");
		/* Files are grouped by partition in commit order; gather each partition once. */
		for (size_t i = 0; i < v.nfiles; i++) {
			int seen = 0;
			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(v.files[j].partition, v.files[i].partition);
			if (seen)
				continue;
			int64_t rows = 0, bytes = 0, files = 0;
			for (size_t j = i; j < v.nfiles; j++)
				if (!strcmp(v.files[j].partition, v.files[i].partition)) {
					rows += v.files[j].rows;
					bytes += v.files[j].bytes;
					files++;
				}
			human_bytes(bytes, sz, sizeof sz);
			printf("  %-30s %6lld %12lld %10s\n", v.files[i].partition,
			       (long long)files, (long long)rows, sz);
		}
	}
	if (row_groups)
		show_row_groups(lk, ds, &v);
	printf("\nversions\n  %7s  %-20s  %-20s %12s %6s\n", "version", "committed", "operation",
	       "rows", "files");
	for (size_t i = nv; i-- > 0;) {
		struct dn_lake_version h;
		if (dn_lake_version_read(lk, ds, vs[i], &h, &err) < 0) {
			printf("  %7lld  (unreadable: %s)\n", (long long)vs[i], err.msg);
			dn_error_clear(&err);
			continue;
		}
		dn_timestamp_format(h.committed_us / 1000000 * 1000000, ts);
		printf("  %7lld  %-20s  %-20s %12lld %6zu\n", (long long)h.version, ts, h.operation,
		       (long long)h.rows, h.nfiles);
		dn_lake_version_release(&h);
	}
out:
	dn_free(vs);
	dn_lake_version_release(&v);
	dn_lake_close(lk);
	return rc;
}

/* ---- write ---- */

static int write_run(int argc, char **argv)
{
	struct dn_cli_read ro;
	struct dn_lake_write_options wo, defaults;
	const char *args[2] = {NULL, NULL};
	int nargs = 0, rc;
	const char *mode = NULL, *format = NULL, *compression = NULL, *message = NULL;
	int64_t rows_per_file = 0;
	const char *parts[DN_LAKE_MAX_PCOLS];
	int nparts = 0;
	dn_cli_read_init(&ro);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((rc = dn_cli_read_option(&ro, argc, argv, &i)) != 0) {
			if (rc < 0)
				goto usage;
			continue;
		}
		if (a[0] == '-' && a[1] && i + 1 >= argc) {
			rc = dn_cli_usage(NULL, "%s needs a value", a);
			goto done;
		}
		if (!strcmp(a, "--partition")) {
			if (nparts == DN_LAKE_MAX_PCOLS) {
				rc = dn_cli_usage(NULL, "at most %d partition columns",
						  DN_LAKE_MAX_PCOLS);
				goto done;
			}
			parts[nparts++] = argv[++i];
		} else if (!strcmp(a, "--mode")) {
			mode = argv[++i];
		} else if (!strcmp(a, "--format")) {
			format = argv[++i];
		} else if (!strcmp(a, "--compression")) {
			compression = argv[++i];
		} else if (!strcmp(a, "--message")) {
			message = argv[++i];
		} else if (!strcmp(a, "--rows-per-file")) {
			const char *v = argv[++i];
			if (dn_parse_i64(v, strlen(v), &rows_per_file) < 0 || rows_per_file <= 0) {
				rc = dn_cli_usage(NULL, "--rows-per-file takes a positive number");
				goto done;
			}
		} else if (a[0] == '-' && a[1]) {
			rc = dn_cli_usage(NULL, "unknown option '%s'", a);
			goto done;
		} else if (nargs < 2) {
			args[nargs++] = a;
		} else {
			rc = dn_cli_usage(NULL, "too many arguments");
			goto done;
		}
	}
	if (nargs != 2) {
		rc = dn_cli_usage(NULL, "usage: dunya lake write FILE ZONE/NAME [options]");
		goto done;
	}
	struct dn_lake *lk;
	if ((rc = dn_cli_open_lake(&lk, &defaults)) != 0)
		goto done;
	wo = defaults;
	if (mode && dn_lake_mode_parse(mode, &wo.mode) < 0) {
		rc = dn_cli_usage(NULL, "--mode is append, overwrite or overwrite-partitions");
		goto close;
	}
	if (format) {
		char d = 0;
		if (dn_format_parse(format, &wo.format, &d) < 0 || wo.format == DN_FORMAT_JSON ||
		    d) {
			rc = dn_cli_usage(NULL, "--format is parquet, csv or ndjson");
			goto close;
		}
	}
	if (compression && dn_codec_parse(compression, &wo.codec) < 0) {
		rc = dn_cli_usage(NULL, "--compression is zstd, gzip or none");
		goto close;
	}
	wo.rows_per_file = rows_per_file;
	wo.message = message;
	for (int k = 0; k < nparts; k++) {
		const char *eq = strchr(parts[k], '=');
		if (!eq || eq == parts[k]) {
			rc = dn_cli_usage(NULL,
					  "--partition takes COLUMN=VALUE, e.g. ds=2024-01-31");
			goto close;
		}
		wo.pcol_names[k] = dn_strndup(parts[k], (size_t)(eq - parts[k]));
		wo.pcol_values[k] = eq + 1;
		wo.npcols = k + 1;
	}
	struct dn_reader *rd = NULL;
	if ((rc = dn_cli_open_reader(&ro, args[0], &rd)) != 0)
		goto close;
	struct dn_error err;
	struct dn_lake_version v;
	dn_error_clear(&err);
	int64_t t0 = dn_monotonic_us();
	if (dn_lake_write_reader(lk, rd, args[1], &wo, &v, &err) < 0) {
		rc = dn_cli_error(&err);
	} else {
		dn_cli_summary(rd, dn_monotonic_us() - t0);
		printf("%s version %lld: %lld rows in %zu file%s\n", args[1], (long long)v.version,
		       (long long)v.rows, v.nfiles, v.nfiles == 1 ? "" : "s");
		dn_lake_version_release(&v);
	}
	dn_reader_free(rd);
close:
	for (int k = 0; k < wo.npcols; k++)
		dn_free((char *)wo.pcol_names[k]);
	dn_lake_close(lk);
	goto done;
usage:
	rc = DN_EXIT_USAGE;
done:
	dn_cli_read_release(&ro);
	return rc;
}

/* ---- vacuum ---- */

static int vacuum_run(int argc, char **argv)
{
	const char *ds = NULL;
	int64_t keep = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--keep-versions") && i + 1 < argc) {
			const char *v = argv[++i];
			if (dn_parse_i64(v, strlen(v), &keep) < 0 || keep < 1)
				return dn_cli_usage(NULL, "--keep-versions takes a number >= 1");
		} else if (argv[i][0] == '-') {
			return dn_cli_usage(NULL, "unknown option '%s'", argv[i]);
		} else {
			ds = argv[i];
		}
	}
	if (!ds)
		return dn_cli_usage(NULL, "usage: dunya lake vacuum ZONE/NAME [--keep-versions N]");
	struct dn_lake *lk;
	int rc = dn_cli_open_lake(&lk, NULL);
	if (rc)
		return rc;
	struct dn_error err;
	dn_error_clear(&err);
	int64_t *vs = NULL, removed = 0;
	size_t nv = 0;
	if (dn_lake_versions(lk, ds, &vs, &nv, &err) < 0 ||
	    dn_lake_vacuum(lk, ds, (size_t)keep >= nv ? vs[0] : vs[nv - (size_t)keep], &removed,
			   &err) < 0)
		rc = dn_cli_error(&err);
	else
		printf("%s: removed %lld file%s; versions from %lld on are kept\n", ds,
		       (long long)removed, removed == 1 ? "" : "s",
		       (long long)((size_t)keep >= nv ? vs[0] : vs[nv - (size_t)keep]));
	dn_free(vs);
	dn_lake_close(lk);
	return rc;
}

/* ---- the command ---- */

static void lake_help(FILE *out)
{
	fprintf(out,
		"usage: dunya lake ls [ZONE[/NAME]]\n"
		"       dunya lake show ZONE/NAME[@VERSION] [--row-groups]\n"
		"       dunya lake write FILE ZONE/NAME [--partition COL=VALUE]... [--mode MODE]\n"
		"                        [--format parquet|csv|ndjson]\n"
		"                        [--compression zstd|gzip|none]\n"
		"                        [--rows-per-file N] [--message TEXT] [read options]\n"
		"       dunya lake vacuum ZONE/NAME [--keep-versions N]\n"
		"\n"
		"The lake of the project (dunya.yaml `lake:`), or $DUNYA_LAKE outside a project.\n"
		"Zones: raw (as extracted; appends only), curated, consumption. A write is one\n"
		"commit: its files become visible together, or not at all.\n"
		"\n"
		"  ls       datasets with their latest version, rows, files and size\n"
		"  show     schema, partitions and version history of a dataset\n"
		"  write    commit FILE (any format dunya reads, or another dataset) as a new\n"
		"           version; MODE is append (default), overwrite or overwrite-partitions\n"
		"  vacuum   delete files that no kept version lists (default: keep the latest)\n"
		"\n"
		"Read a dataset anywhere a file is accepted: lake:raw/orders, lake:raw/orders@3\n"
		"(version 3), lake:raw/orders/ds=2024-01-31 (one partition), or its folder.\n");
	dn_cli_read_help(out);
}

static int lake_run(int argc, char **argv)
{
	if (argc < 2 || dn_cli_is_help(argv[1])) {
		lake_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? DN_EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	if (argc > 2 && dn_cli_is_help(argv[2])) {
		lake_help(stdout);
		return 0;
	}
	if (!strcmp(sub, "ls"))
		return ls_run(argc - 1, argv + 1);
	if (!strcmp(sub, "show"))
		return show_run(argc - 1, argv + 1);
	if (!strcmp(sub, "write"))
		return write_run(argc - 1, argv + 1);
	if (!strcmp(sub, "vacuum"))
		return vacuum_run(argc - 1, argv + 1);
	return dn_cli_usage(NULL, "unknown lake command '%s' (ls, show, write, vacuum)", sub);
}

const struct dn_cmd dn_cmd_lake = {"lake", "list, inspect and write lake datasets", lake_run,
				   lake_help};
