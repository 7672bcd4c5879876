/* Profile reports: text for terminals, JSON for programs, HTML for people with a browser.
 *
 * All three print the same result in the same order (columns in file order, then
 * correlations, the target, alerts). The JSON layout is documented in docs/quality.md; its keys
 * always appear in the same order and a statistic that does not apply is null, so consumers
 * never probe for keys. The HTML page is self-contained: inline CSS, inline SVG charts, no
 * scripts and no external resources, so it can be mailed or archived as one file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality_int.h"

static int is_time(enum dn_type t)
{
	return t == DN_DATE || t == DN_TIMESTAMP;
}

/* A date/timestamp statistic as text: whole days print as dates, anything else as a
 * timestamp. */
static void time_text(enum dn_type t, double v, char *out)
{
	if (t == DN_DATE && v == floor(v)) {
		dn_date_format((int32_t)v, out);
		return;
	}
	double us = t == DN_DATE ? v * (double)DN_USEC_PER_DAY : v;
	dn_timestamp_format((int64_t)llround(us), out);
}

/* A statistic for text and HTML: %.6g, dates as text, NaN as "-". */
static void stat_text(enum dn_type t, double v, char *out, size_t n)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else if (is_time(t))
		time_text(t, v, out);
	else
		snprintf(out, n, "%.6g", v);
}

/* A column's min (which 0) or max (1) for text and HTML: exact for int64 and timestamp
 * columns, whose doubles round past 2^53. */
static void minmax_text(const struct dn_profile_column *c, int which, char *out, size_t n)
{
	int64_t v = which ? c->imax : c->imin;
	if (!c->exact_int)
		stat_text(c->type, which ? c->max : c->min, out, n);
	else if (c->type == DN_TIMESTAMP)
		dn_timestamp_format(v, out);
	else if (v > -1000000 && v < 1000000)
		snprintf(out, n, "%lld", (long long)v);
	else
		stat_text(c->type, (double)v, out, n); /* %.6g, as the other statistics */
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 9e15)
		fprintf(f, "%.0f", v);
	else {
		char buf[40]; /* the shortest text that reads back as v */
		dn_format_f64(v, buf);
		fputs(buf, f);
	}
}

/* Statistics of a column's values: dates and timestamps as ISO text. */
static void json_stat(FILE *f, enum dn_type t, double v)
{
	char buf[64];
	if (!isnan(v) && is_time(t)) {
		time_text(t, v, buf);
		json_str(f, buf);
	} else {
		json_num(f, v);
	}
}

/* min (which 0) or max (1): exact for int64 and timestamp columns. */
static void json_minmax(FILE *f, const struct dn_profile_column *c, int which)
{
	int64_t v = which ? c->imax : c->imin;
	char buf[64];
	if (!c->exact_int) {
		json_stat(f, c->type, which ? c->max : c->min);
	} else if (c->type == DN_TIMESTAMP) {
		dn_timestamp_format(v, buf);
		json_str(f, buf);
	} else {
		fprintf(f, "%lld", (long long)v);
	}
}

static void json_count(FILE *f, int64_t v)
{
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%lld", (long long)v);
}

static void json_values(FILE *f, const char *key, const struct dn_profile_value *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s{\"%s\":", i ? "," : "", key);
		json_str(f, v[i].text);
		fprintf(f, ",\"count\":%lld}", (long long)v[i].count);
	}
	fputc(']', f);
}

static void json_matrix(FILE *f, const double *m, int n)
{
	fputc('[', f);
	for (int a = 0; a < n; a++) {
		fputs(a ? ",[" : "[", f);
		for (int b = 0; b < n; b++) {
			if (b)
				fputc(',', f);
			json_num(f, m[a * n + b]);
		}
		fputc(']', f);
	}
	fputc(']', f);
}

static const char *qname[DN_PROFILE_NQ] = {"p1", "p5", "p25", "p50", "p75", "p95", "p99"};

static int finish_out(FILE *out, struct dn_error *err)
{
	if (fflush(out) != 0 || ferror(out))
		return dn_error_set(err, DN_EIO, "writing the profile report failed");
	return 0;
}

static void json_strn(FILE *f, const char *s)
{
	if (s)
		json_str(f, s);
	else
		fputs("null", f);
}

/* The target's associations, strongest first. */
static void json_assoc(FILE *f, const struct dn_profile_result *r)
{
	fputs(",\"kind\":", f);
	json_strn(f, r->target_kind);
	fputs(",\"binary_classes\":", f);
	if (r->class_lo) {
		fputc('[', f);
		json_str(f, r->class_lo);
		fputc(',', f);
		json_str(f, r->class_hi);
		fputc(']', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"associations\":[", f);
	for (int i = 0; i < r->nassoc; i++) {
		const struct dn_profile_assoc *o = &r->assoc[i];
		fputs(i ? ",\n{\"column\":" : "\n{\"column\":", f);
		json_str(f, r->columns[o->column].name);
		fputs(",\"rank\":", f);
		json_count(f, o->rank ? o->rank : -1);
		fputs(",\"test\":", f);
		json_strn(f, o->test);
		fputs(",\"statistic\":", f);
		json_num(f, o->statistic);
		fputs(",\"df\":", f);
		json_num(f, o->df1);
		fputs(",\"df2\":", f);
		json_num(f, o->df2);
		fputs(",\"p\":", f);
		json_num(f, o->p);
		fputs(",\"effect\":", f);
		json_num(f, o->effect);
		fprintf(f, ",\"rows\":%lld", (long long)o->n);
		fputs(",\"mann_whitney_u\":", f);
		json_num(f, o->mw_u);
		fputs(",\"mann_whitney_p\":", f);
		json_num(f, o->mw_p);
		fputs(",\"ks_d\":", f);
		json_num(f, o->ks_d);
		fputs(",\"ks_p\":", f);
		json_num(f, o->ks_p);
		fputs(",\"rank_test_rows\":", f);
		json_count(f, isnan(o->mw_u) && isnan(o->ks_d) ? -1 : o->rank_rows);
		fputs(",\"note\":", f);
		json_strn(f, o->note);
		fputc('}', f);
	}
	fputc(']', f);
}

int dn_profile_write_json(const struct dn_profile_result *r, const char *source, FILE *f,
			  struct dn_error *err)
{
	fputs("{\"source\":", f);
	json_str(f, source ? source : "");
	fprintf(f, ",\"rows\":%lld,\"duplicate_rows\":", (long long)r->rows);
	json_count(f, r->duplicate_rows);
	fputs(",\"columns\":[", f);
	for (int i = 0; i < r->ncolumns; i++) {
		const struct dn_profile_column *c = &r->columns[i];
		enum dn_type t = c->type;
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		json_str(f, c->name);
		fprintf(f, ",\"type\":\"%s\",\"count\":%lld,\"missing\":%lld,\"missing_pct\":",
			dn_type_name(t), (long long)c->count, (long long)c->missing);
		json_num(f, r->rows ? 100.0 * (double)c->missing / (double)r->rows : 0);
		fputs(",\"distinct\":", f);
		json_num(f, c->distinct_exact ? c->distinct : round(c->distinct));
		fprintf(f, ",\"distinct_exact\":%s,\"min\":", c->distinct_exact ? "true" : "false");
		json_minmax(f, c, 0);
		fputs(",\"max\":", f);
		json_minmax(f, c, 1);
		fputs(",\"mean\":", f);
		json_stat(f, t, c->mean);
		fputs(",\"std\":", f);
		json_num(f, c->std);
		fputs(",\"skew\":", f);
		json_num(f, c->skew);
		fputs(",\"zeros\":", f);
		json_count(f, c->zeros);
		fputs(",\"negatives\":", f);
		json_count(f, c->negatives);
		fputs(",\"quantiles\":", f);
		if (c->nbins) {
			for (int q = 0; q < DN_PROFILE_NQ; q++) {
				fprintf(f, "%s\"%s\":", q ? "," : "{", qname[q]);
				json_stat(f, t, c->q[q]);
			}
			fprintf(f, "},\"quantiles_exact\":%s,\"histogram\":{\"edges\":[",
				c->quantiles_exact ? "true" : "false");
			for (int b = 0; b <= c->nbins; b++) {
				if (b)
					fputc(',', f);
				json_stat(f, t, c->edges[b]);
			}
			fputs("],\"counts\":[", f);
			for (int b = 0; b < c->nbins; b++) {
				if (b)
					fputc(',', f);
				json_num(f, round(c->hist[b]));
			}
			fputs("]}", f);
		} else {
			fputs("null,\"quantiles_exact\":null,\"histogram\":null", f);
		}
		fputs(",\"top\":", f);
		json_values(f, "value", c->top, c->ntop);
		fprintf(f, ",\"top_exact\":%s,\"top_error\":%lld", c->top_exact ? "true" : "false",
			(long long)c->top_error);
		if (t == DN_STRING) {
			fputs(",\"length\":{\"min\":", f);
			json_num(f, c->len_min);
			fputs(",\"mean\":", f);
			json_num(f, c->len_mean);
			fputs(",\"max\":", f);
			json_num(f, c->len_max);
			fputs("},\"patterns\":", f);
			json_values(f, "pattern", c->patterns, c->npatterns);
			fprintf(f, ",\"patterns_exact\":%s", c->patterns_exact ? "true" : "false");
		} else {
			fputs(",\"length\":null,\"patterns\":null,\"patterns_exact\":null", f);
		}
		fputs(",\"widened_at_row\":", f);
		json_count(f, c->widened_at >= 0 ? c->widened_at + 1 : -1);
		fputc('}', f);
	}
	fputs("],\n\"correlations\":{\"columns\":[", f);
	for (int a = 0; a < r->ncorr; a++) {
		if (a)
			fputc(',', f);
		json_str(f, r->columns[r->corr_columns[a]].name);
	}
	fputs("],\"pearson\":", f);
	json_matrix(f, r->pearson, r->ncorr);
	fputs(",\"spearman\":", f);
	if (r->spearman)
		json_matrix(f, r->spearman, r->ncorr);
	else
		fputs("null", f);
	fprintf(f, ",\"spearman_exact\":%s,\"spearman_rows\":%lld},\n\"cramers_v\":{\"columns\":[",
		r->spearman_exact ? "true" : "false",
		(long long)(r->spearman ? r->spearman_rows : 0));
	for (int a = 0; a < r->ncat; a++) {
		if (a)
			fputc(',', f);
		json_str(f, r->columns[r->cat_columns[a]].name);
	}
	fputs("],\"matrix\":", f);
	json_matrix(f, r->cramer, r->ncat);
	fputs("},\n\"target\":", f);
	int ti = -1;
	for (int a = 0; a < r->ncorr; a++)
		if (r->corr_columns[a] == r->target)
			ti = a;
	if (r->target < 0) {
		fputs("null", f);
	} else {
		fputs("{\"name\":", f);
		json_str(f, r->columns[r->target].name);
		fputs(",\"correlations\":[", f);
		int first = 1;
		for (int a = 0; ti >= 0 && a < r->ncorr; a++) {
			if (a == ti)
				continue;
			fputs(first ? "{\"column\":" : ",{\"column\":", f);
			first = 0;
			json_str(f, r->columns[r->corr_columns[a]].name);
			fputs(",\"pearson\":", f);
			json_num(f, r->pearson[ti * r->ncorr + a]);
			fputs(",\"spearman\":", f);
			json_num(f, r->spearman ? r->spearman[ti * r->ncorr + a] : NAN);
			fputc('}', f);
		}
		fputs("],\"classes\":", f);
		if (r->classes) {
			fputc('[', f);
			for (int k = 0; k < r->nclasses; k++) {
				fputs(k ? ",{\"value\":" : "{\"value\":", f);
				json_str(f, r->classes[k].value);
				fprintf(f, ",\"count\":%lld,\"means\":{",
					(long long)r->classes[k].count);
				for (int a = 0; a < r->ncorr; a++) {
					if (a)
						fputc(',', f);
					json_str(f, r->columns[r->corr_columns[a]].name);
					fputc(':', f);
					json_num(f, r->classes[k].means[a]);
				}
				fputs("}}", f);
			}
			fprintf(f, "],\"other_rows\":%lld", (long long)r->other_rows);
		} else {
			fputs("null,\"other_rows\":null", f);
		}
		json_assoc(f, r);
		fputc('}', f);
	}
	fputs(",\n\"alerts\":[", f);
	for (int i = 0; i < r->nalerts; i++) {
		const struct dn_profile_alert *al = &r->alerts[i];
		fputs(i ? ",\n{\"column\":" : "\n{\"column\":", f);
		if (al->column >= 0)
			json_str(f, r->columns[al->column].name);
		else
			fputs("null", f);
		fputs(",\"kind\":", f);
		json_str(f, al->kind);
		fputs(",\"message\":", f);
		json_str(f, al->message);
		fputc('}', f);
	}
	fputs("]}\n", f);
	return finish_out(f, err);
}

/* ---- text ---- */

/* Printable form of a value for a terminal: control bytes as '?', cut at 40 bytes. */
static void cell(const char *s, char *out, size_t n)
{
	size_t m = 0, len = strlen(s);
	for (size_t i = 0; i < len && m + 4 < n && i < 40; i++)
		out[m++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (len > 40 && m + 4 < n) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = 0;
}

int dn_profile_write_text(const struct dn_profile_result *r, const char *source, FILE *f,
			  struct dn_error *err)
{
	char a[64], b[64], c3[64], d[64], txt[64];
	fprintf(f, "%s: %lld rows, %d columns, ", source ? source : "input", (long long)r->rows,
		r->ncolumns);
	if (r->duplicate_rows >= 0)
		fprintf(f, "%lld duplicate rows\n", (long long)r->duplicate_rows);
	else
		fprintf(f, "duplicate rows not counted (more rows than the exact bound)\n");
	for (int i = 0; i < r->ncolumns; i++) {
		const struct dn_profile_column *c = &r->columns[i];
		enum dn_type t = c->type;
		fprintf(f, "\n%s (%s)\n", c->name, dn_type_name(t));
		fprintf(f, "  count %lld  missing %lld (%.1f%%)  distinct %s%.0f\n",
			(long long)c->count, (long long)c->missing,
			r->rows ? 100.0 * (double)c->missing / (double)r->rows : 0.0,
			c->distinct_exact ? "" : "~", c->distinct);
		if (c->nbins) {
			minmax_text(c, 0, a, sizeof a);
			minmax_text(c, 1, b, sizeof b);
			stat_text(t, c->mean, c3, sizeof c3);
			fprintf(f, "  min %s  max %s  mean %s", a, b, c3);
			if (!isnan(c->std)) {
				stat_text(DN_FLOAT64, c->std, a, sizeof a);
				stat_text(DN_FLOAT64, c->skew, b, sizeof b);
				fprintf(f, "  std %s  skew %s", a, b);
			}
			fputc('\n', f);
			if (c->zeros >= 0)
				fprintf(f, "  zeros %lld  negatives %lld\n", (long long)c->zeros,
					(long long)c->negatives);
			fprintf(f, "  quantiles%s", c->quantiles_exact ? "" : " (estimated)");
			for (int q = 0; q < DN_PROFILE_NQ; q++) {
				stat_text(t, c->q[q], d, sizeof d);
				fprintf(f, "  %s %s", qname[q], d);
			}
			fputc('\n', f);
		} else if (t == DN_BOOL && !isnan(c->mean)) {
			fprintf(f, "  true %.1f%%\n", 100 * c->mean);
		}
		if (t == DN_STRING && !isnan(c->len_min))
			fprintf(f, "  length min %.0f  mean %.2f  max %.0f\n", c->len_min,
				c->len_mean, c->len_max);
		if (c->ntop) {
			fprintf(f, "  top%s:", c->top_exact ? "" : " (estimated)");
			for (int k = 0; k < c->ntop; k++) {
				cell(c->top[k].text, txt, sizeof txt);
				fprintf(f, "%s %s (%lld)", k ? "," : "", txt,
					(long long)c->top[k].count);
			}
			fputc('\n', f);
		}
		if (c->npatterns) {
			fprintf(f, "  patterns:");
			for (int k = 0; k < c->npatterns; k++) {
				cell(c->patterns[k].text, txt, sizeof txt);
				fprintf(f, "%s %s (%lld)", k ? "," : "", txt,
					(long long)c->patterns[k].count);
			}
			fputc('\n', f);
		}
	}
	if (r->ncorr > 1) {
		fprintf(f, "\ncorrelations (Pearson%s", r->spearman ? " / Spearman" : "");
		if (r->spearman && !r->spearman_exact)
			fprintf(f, " on a sample of %lld rows", (long long)r->spearman_rows);
		fputs(")\n", f);
		for (int x = 0; x < r->ncorr; x++)
			for (int y = x + 1; y < r->ncorr; y++) {
				stat_text(DN_FLOAT64, r->pearson[x * r->ncorr + y], a, sizeof a);
				fprintf(f, "  %s ~ %s  %s", r->columns[r->corr_columns[x]].name,
					r->columns[r->corr_columns[y]].name, a);
				if (r->spearman) {
					stat_text(DN_FLOAT64, r->spearman[x * r->ncorr + y], b,
						  sizeof b);
					fprintf(f, " / %s", b);
				}
				fputc('\n', f);
			}
	}
	if (r->target >= 0) {
		fprintf(f, "\ntarget %s\n", r->columns[r->target].name);
		int ti = -1;
		for (int x = 0; x < r->ncorr; x++)
			if (r->corr_columns[x] == r->target)
				ti = x;
		if (ti < 0 && !r->classes)
			fprintf(f, "  not numeric: no correlations\n");
		for (int x = 0; ti >= 0 && x < r->ncorr; x++) {
			if (x == ti)
				continue;
			stat_text(DN_FLOAT64, r->pearson[ti * r->ncorr + x], a, sizeof a);
			fprintf(f, "  %s  Pearson %s", r->columns[r->corr_columns[x]].name, a);
			if (r->spearman) {
				stat_text(DN_FLOAT64, r->spearman[ti * r->ncorr + x], b, sizeof b);
				fprintf(f, "  Spearman %s", b);
			}
			fputc('\n', f);
		}
	}
	if (r->target >= 0 && r->classes) {
		fprintf(f, "  classes: rows, and the mean of each numeric column\n");
		for (int k = 0; k < r->nclasses; k++) {
			const struct dn_profile_class *cl = &r->classes[k];
			cell(cl->value, txt, sizeof txt);
			fprintf(f, "    %s  %lld (%.1f%%)", txt, (long long)cl->count,
				r->rows ? 100.0 * (double)cl->count / (double)r->rows : 0.0);
			for (int x = 0; x < r->ncorr; x++) {
				if (r->corr_columns[x] == r->target)
					continue;
				stat_text(DN_FLOAT64, cl->means[x], a, sizeof a);
				fprintf(f, "  %s %s", r->columns[r->corr_columns[x]].name, a);
			}
			fputc('\n', f);
		}
		if (r->other_rows)
			fprintf(f, "    (other classes)  %lld\n", (long long)r->other_rows);
	}
	if (r->target >= 0 && r->nassoc) {
		fprintf(f, "  associations (%s target", r->target_kind ? r->target_kind : "no");
		if (r->class_lo)
			fprintf(f, ": %s < %s", r->class_lo, r->class_hi);
		fputs("), strongest first\n", f);
		for (int i = 0; i < r->nassoc; i++) {
			const struct dn_profile_assoc *o = &r->assoc[i];
			const char *name = r->columns[o->column].name;
			if (!o->test) {
				fprintf(f, "    -  %s: %s\n", name, o->note ? o->note : "-");
				continue;
			}
			stat_text(DN_FLOAT64, o->statistic, a, sizeof a);
			stat_text(DN_FLOAT64, o->p, b, sizeof b);
			fprintf(f, "    %d. %s  %s %s", o->rank, name, o->test, a);
			if (!isnan(o->df2))
				fprintf(f, " (df %.6g, %.6g)", o->df1, o->df2);
			else if (!isnan(o->df1))
				fprintf(f, " (df %.6g)", o->df1);
			fprintf(f, "  p %s", b);
			stat_text(DN_FLOAT64, o->effect, a, sizeof a);
			fprintf(f, "  effect %s", a);
			if (!isnan(o->mw_u)) {
				stat_text(DN_FLOAT64, o->mw_u, a, sizeof a);
				stat_text(DN_FLOAT64, o->mw_p, b, sizeof b);
				fprintf(f, "  Mann-Whitney U %s p %s", a, b);
			}
			if (!isnan(o->ks_d)) {
				stat_text(DN_FLOAT64, o->ks_d, a, sizeof a);
				stat_text(DN_FLOAT64, o->ks_p, b, sizeof b);
				fprintf(f, "  KS D %s p %s", a, b);
			}
			fputc('\n', f);
		}
	}
	if (r->ncat > 1) {
		fputs("\nCramér's V\n", f);
		for (int x = 0; x < r->ncat; x++)
			for (int y = x + 1; y < r->ncat; y++) {
				stat_text(DN_FLOAT64, r->cramer[x * r->ncat + y], a, sizeof a);
				fprintf(f, "  %s ~ %s  %s\n", r->columns[r->cat_columns[x]].name,
					r->columns[r->cat_columns[y]].name, a);
			}
	}
	if (r->nalerts) {
		fprintf(f, "\nalerts\n");
		for (int i = 0; i < r->nalerts; i++)
			fprintf(f, "  %s: %s\n", r->alerts[i].kind, r->alerts[i].message);
	}
	return finish_out(f, err);
}

/* ---- HTML ---- */

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s < 0x20)
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

static const char *css =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fafafa}"
	"h1{font-size:1.4em}h2{font-size:1.1em;margin:0 0 .4em}"
	".col{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0;"
	"display:flex;gap:2em;flex-wrap:wrap}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;"
	"border-bottom:1px solid #eee}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".t{color:#777;font-weight:normal}.alert{color:#a40}"
	"svg rect.b{fill:#4a7bd0}svg text{font-size:10px;fill:#555}";

static void html_row(FILE *f, const char *k, const char *v)
{
	fprintf(f, "<tr><th>%s</th><td class=n>", k);
	html_esc(f, v);
	fputs("</td></tr>", f);
}

static void svg_hist(FILE *f, const struct dn_profile_column *c)
{
	double mx = 0;
	for (int b = 0; b < c->nbins; b++)
		if (c->hist[b] > mx)
			mx = c->hist[b];
	int w = 320, h = 120, bw = w / c->nbins;
	fprintf(f, "<svg width=\"%d\" height=\"%d\" role=\"img\">", w, h + 16);
	for (int b = 0; b < c->nbins; b++) {
		double bh = mx > 0 ? c->hist[b] / mx * h : 0;
		char lo[64];
		stat_text(c->type, c->edges[b], lo, sizeof lo);
		fprintf(f,
			"<rect class=\"b\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\">"
			"<title>",
			b * bw, h - bh, bw - 1, bh);
		html_esc(f, lo);
		fprintf(f, ": %.0f</title></rect>", c->hist[b]);
	}
	char a[64], b2[64];
	stat_text(c->type, c->edges[0], a, sizeof a);
	stat_text(c->type, c->edges[c->nbins], b2, sizeof b2);
	fprintf(f, "<text x=\"0\" y=\"%d\">", h + 12);
	html_esc(f, a);
	fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", w, h + 12);
	html_esc(f, b2);
	fputs("</text></svg>", f);
}

static void svg_bars(FILE *f, const struct dn_profile_value *v, int n, int64_t total)
{
	if (!n)
		return;
	int w = 320, rowh = 16;
	fprintf(f, "<svg width=\"%d\" height=\"%d\" role=\"img\">", w + 160, n * rowh);
	for (int i = 0; i < n; i++) {
		double bw = total > 0 ? (double)v[i].count / (double)total * w : 0;
		char t[64];
		cell(v[i].text, t, sizeof t);
		fprintf(f,
			"<rect class=\"b\" x=\"0\" y=\"%d\" width=\"%.1f\" height=\"%d\"></rect>",
			i * rowh + 2, bw, rowh - 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">", bw + 4, i * rowh + 12);
		html_esc(f, t);
		fprintf(f, " (%lld)</text>", (long long)v[i].count);
	}
	fputs("</svg>", f);
}

int dn_profile_write_html(const struct dn_profile_result *r, const char *source, FILE *f,
			  struct dn_error *err)
{
	char a[96];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Profile of ",
	      f);
	html_esc(f, source ? source : "input");
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>Profile of ", css);
	html_esc(f, source ? source : "input");
	fprintf(f, "</h1>\n<p>%lld rows, %d columns, ", (long long)r->rows, r->ncolumns);
	if (r->duplicate_rows >= 0)
		fprintf(f, "%lld duplicate rows.</p>\n", (long long)r->duplicate_rows);
	else
		fputs("duplicate rows not counted.</p>\n", f);
	if (r->nalerts) {
		fputs("<h2>Alerts</h2><ul>", f);
		for (int i = 0; i < r->nalerts; i++) {
			fprintf(f, "<li class=alert><b>%s</b> ", r->alerts[i].kind);
			html_esc(f, r->alerts[i].message);
			fputs("</li>", f);
		}
		fputs("</ul>\n", f);
	}
	for (int i = 0; i < r->ncolumns; i++) {
		const struct dn_profile_column *c = &r->columns[i];
		fputs("<div class=col><div><h2>", f);
		html_esc(f, c->name);
		fprintf(f, " <span class=t>%s</span></h2><table>", dn_type_name(c->type));
		snprintf(a, sizeof a, "%lld", (long long)c->count);
		html_row(f, "count", a);
		snprintf(a, sizeof a, "%lld (%.1f%%)", (long long)c->missing,
			 r->rows ? 100.0 * (double)c->missing / (double)r->rows : 0.0);
		html_row(f, "missing", a);
		snprintf(a, sizeof a, "%s%.0f", c->distinct_exact ? "" : "~", c->distinct);
		html_row(f, "distinct", a);
		if (c->nbins) {
			minmax_text(c, 0, a, sizeof a);
			html_row(f, "min", a);
			minmax_text(c, 1, a, sizeof a);
			html_row(f, "max", a);
			stat_text(c->type, c->mean, a, sizeof a);
			html_row(f, "mean", a);
			if (!isnan(c->std)) {
				stat_text(DN_FLOAT64, c->std, a, sizeof a);
				html_row(f, "std", a);
				stat_text(DN_FLOAT64, c->skew, a, sizeof a);
				html_row(f, "skew", a);
			}
			for (int q = 0; q < DN_PROFILE_NQ; q++) {
				stat_text(c->type, c->q[q], a, sizeof a);
				html_row(f, qname[q], a);
			}
			if (c->zeros >= 0) {
				snprintf(a, sizeof a, "%lld", (long long)c->zeros);
				html_row(f, "zeros", a);
				snprintf(a, sizeof a, "%lld", (long long)c->negatives);
				html_row(f, "negatives", a);
			}
		}
		if (c->type == DN_STRING && !isnan(c->len_min)) {
			snprintf(a, sizeof a, "%.0f / %.2f / %.0f", c->len_min, c->len_mean,
				 c->len_max);
			html_row(f, "length min/mean/max", a);
		}
		fputs("</table></div><div>", f);
		if (c->nbins) {
			fprintf(f, "<p>histogram%s</p>", c->quantiles_exact ? "" : " (estimated)");
			svg_hist(f, c);
		}
		if (c->ntop) {
			fprintf(f, "<p>most frequent%s</p>", c->top_exact ? "" : " (estimated)");
			svg_bars(f, c->top, c->ntop, c->count);
		}
		if (c->npatterns) {
			fputs("<p>patterns</p>", f);
			svg_bars(f, c->patterns, c->npatterns, c->count);
		}
		fputs("</div></div>\n", f);
	}
	if (r->target >= 0 && r->classes) {
		fputs("<h2>Target ", f);
		html_esc(f, r->columns[r->target].name);
		fputs("</h2><table><tr><th>class</th><th>rows</th>", f);
		for (int x = 0; x < r->ncorr; x++) {
			fputs("<th>mean ", f);
			html_esc(f, r->columns[r->corr_columns[x]].name);
			fputs("</th>", f);
		}
		fputs("</tr>", f);
		for (int k = 0; k < r->nclasses; k++) {
			fputs("<tr><td>", f);
			html_esc(f, r->classes[k].value);
			fprintf(f, "</td><td class=n>%lld</td>", (long long)r->classes[k].count);
			for (int x = 0; x < r->ncorr; x++) {
				stat_text(DN_FLOAT64, r->classes[k].means[x], a, sizeof a);
				fprintf(f, "<td class=n>%s</td>", a);
			}
			fputs("</tr>", f);
		}
		fputs("</table>\n", f);
	}
	if (r->target >= 0 && r->nassoc) {
		fputs("<h2>Associations with ", f);
		html_esc(f, r->columns[r->target].name);
		fprintf(f, " (%s target", r->target_kind ? r->target_kind : "no");
		if (r->class_lo) {
			fputs(": ", f);
			html_esc(f, r->class_lo);
			fputs(" &lt; ", f);
			html_esc(f, r->class_hi);
		}
		fputs(")</h2><table><tr><th>rank</th><th>column</th><th>test</th><th>statistic</th>"
		      "<th>p</th><th>effect</th><th></th><th>Mann-Whitney U</th><th>p</th>"
		      "<th>KS D</th><th>p</th></tr>",
		      f);
		for (int i = 0; i < r->nassoc; i++) {
			const struct dn_profile_assoc *o = &r->assoc[i];
			fputs("<tr><td class=n>", f);
			if (o->rank)
				fprintf(f, "%d", o->rank);
			fputs("</td><td>", f);
			html_esc(f, r->columns[o->column].name);
			fputs("</td><td>", f);
			if (!o->test) {
				html_esc(f, o->note ? o->note : "");
				fputs("</td><td colspan=8></td></tr>", f);
				continue;
			}
			fputs(o->test, f);
			const double vals[] = {o->statistic, o->p, o->effect};
			for (int k = 0; k < 3; k++) {
				stat_text(DN_FLOAT64, vals[k], a, sizeof a);
				fprintf(f, "</td><td class=n>%s", a);
			}
			int w = isnan(o->effect) ? 0 : (int)lround(120 * o->effect);
			fprintf(f,
				"</td><td><svg width=124 height=10><rect width=%d height=10 "
				"fill=\"#4a7ab5\"/></svg>",
				w);
			const double more[] = {o->mw_u, o->mw_p, o->ks_d, o->ks_p};
			for (int k = 0; k < 4; k++) {
				stat_text(DN_FLOAT64, more[k], a, sizeof a);
				fprintf(f, "</td><td class=n>%s", a);
			}
			fputs("</td></tr>", f);
		}
		fputs("</table>\n", f);
	}
	if (r->ncat > 1) {
		fputs("<h2>Cramér's V</h2><table><tr><th></th>", f);
		for (int x = 0; x < r->ncat; x++) {
			fputs("<th>", f);
			html_esc(f, r->columns[r->cat_columns[x]].name);
			fputs("</th>", f);
		}
		fputs("</tr>", f);
		for (int x = 0; x < r->ncat; x++) {
			fputs("<tr><th>", f);
			html_esc(f, r->columns[r->cat_columns[x]].name);
			fputs("</th>", f);
			for (int y = 0; y < r->ncat; y++) {
				double v = r->cramer[x * r->ncat + y];
				int g = (int)(255 - (isnan(v) ? 0 : v) * 120);
				stat_text(DN_FLOAT64, v, a, sizeof a);
				fprintf(f,
					"<td class=n style=\"background:rgb(%d,%d,255)\">%s</td>",
					g, g, a);
			}
			fputs("</tr>", f);
		}
		fputs("</table>\n", f);
	}
	if (r->ncorr > 1) {
		fprintf(f, "<h2>Correlations (Pearson%s",
			r->spearman ? "; Spearman below the diagonal" : "");
		if (r->spearman && !r->spearman_exact)
			fprintf(f, ", on a sample of %lld rows", (long long)r->spearman_rows);
		fputs(")</h2><table><tr><th></th>", f);
		for (int x = 0; x < r->ncorr; x++) {
			fputs("<th>", f);
			html_esc(f, r->columns[r->corr_columns[x]].name);
			fputs("</th>", f);
		}
		fputs("</tr>", f);
		for (int x = 0; x < r->ncorr; x++) {
			fputs("<tr><th>", f);
			html_esc(f, r->columns[r->corr_columns[x]].name);
			fputs("</th>", f);
			for (int y = 0; y < r->ncorr; y++) {
				double v = y >= x || !r->spearman ? r->pearson[x * r->ncorr + y] :
								    r->spearman[x * r->ncorr + y];
				int red = v < 0 ? 255 : (int)(255 - (isnan(v) ? 0 : v) * 120);
				int blue = v > 0 ? 255 : (int)(255 + (isnan(v) ? 0 : v) * 120);
				int green = (int)(255 - (isnan(v) ? 0 : fabs(v)) * 120);
				stat_text(DN_FLOAT64, v, a, sizeof a);
				fprintf(f, "<td class=n style=\"background:rgb(%d,%d,%d)\">%s</td>",
					red, green, blue, a);
			}
			fputs("</tr>", f);
		}
		fputs("</table>\n", f);
	}
	fputs("</body></html>\n", f);
	return finish_out(f, err);
}
