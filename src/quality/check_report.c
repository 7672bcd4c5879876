/* Reports of a suite run: text (one line per check), JSON (the document docs/quality.md
 * defines) and a self-contained HTML page: inline CSS and SVG, no scripts, no external
 * resources, so it can be mailed or archived as one file. Charts are drawn here as SVG
 * polylines of each check's observed value over the runs in the history. */
#include <math.h>
#include <string.h>

#include "../formats/formats.h"
#include "quality_int.h"

static void jstr(struct dn_buf *b, const char *s)
{
	dn_json_put_string(b, s ? s : "", s ? strlen(s) : 0, NULL);
}

static void jnum(struct dn_buf *b, double v)
{
	char t[40];
	if (isnan(v) || isinf(v)) {
		dn_buf_puts(b, "null", NULL);
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		dn_buf_printf(b, NULL, "%.0f", v);
		return;
	}
	dn_format_f64(v, t);
	dn_buf_puts(b, t, NULL);
}

static void iso(int64_t us, char *out)
{
	dn_timestamp_format(us, out);
}

static int flush(struct dn_buf *b, FILE *out, struct dn_error *err)
{
	int rc = 0;
	if (b->len && fwrite(b->data, 1, b->len, out) != b->len)
		rc = dn_error_set(err, DN_EIO, "cannot write the report");
	dn_buf_release(b);
	return rc;
}

int dn_check_write_json(const struct dn_suite_result *r, FILE *out, struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	char t[40];
	iso(r->at, t);
	dn_buf_puts(&b, "{\"suite\": ", NULL);
	jstr(&b, r->suite->name);
	dn_buf_puts(&b, ", \"target\": ", NULL);
	jstr(&b, r->target);
	dn_buf_printf(&b, NULL, ", \"at\": \"%s\", \"rows\": %lld, \"pushdown\": %s", t,
		      (long long)r->rows, r->pushdown ? "true" : "false");
	dn_buf_printf(&b, NULL, ", \"passed\": %s", r->failed ? "false" : "true");
	dn_buf_puts(&b, ",\n \"scores\": {", NULL);
	for (int d = 0; d < DN_NDIMS; d++) {
		dn_buf_printf(&b, NULL, "\"%s\": ", dn_dimension_name((enum dn_dimension)d));
		jnum(&b, r->score[d]);
		dn_buf_puts(&b, ", ", NULL);
	}
	dn_buf_puts(&b, "\"overall\": ", NULL);
	jnum(&b, r->overall);
	dn_buf_printf(&b, NULL,
		      "},\n \"summary\": {\"checks\": %d, \"pass\": %d, \"warn\": %d, "
		      "\"fail\": %d, "
		      "\"skipped\": %d, \"quarantined\": %lld},\n \"checks\": [",
		      r->nresults, r->passed, r->warned, r->failed, r->skipped,
		      (long long)r->quarantined);
	for (int i = 0; i < r->nresults; i++) {
		const struct dn_check_result *res = &r->results[i];
		const struct dn_check *c = res->check;
		dn_buf_puts(&b, i ? ",\n  {\"name\": " : "\n  {\"name\": ", NULL);
		jstr(&b, c->name);
		dn_buf_printf(&b, NULL,
			      ", \"check\": \"%s\", \"dimension\": \"%s\", \"severity\": \"%s\", "
			      "\"status\": \"%s\", \"column\": ",
			      dn_check_kind_name(c->kind),
			      dn_dimension_name(dn_check_kind_dimension(c->kind)),
			      c->severity == DN_SEV_WARN ? "warn" : "error",
			      dn_check_status_name(res->status));
		if (c->column)
			jstr(&b, c->column);
		else
			dn_buf_puts(&b, "null", NULL);
		dn_buf_puts(&b, ", \"value\": ", NULL);
		if (res->has_value)
			jnum(&b, res->value);
		else
			dn_buf_puts(&b, "null", NULL);
		dn_buf_puts(&b, ", \"observed\": ", NULL);
		jstr(&b, res->observed);
		dn_buf_puts(&b, ", \"threshold\": ", NULL);
		jstr(&b, res->threshold);
		dn_buf_puts(&b, ", \"failing_rows\": ", NULL);
		if (res->failing >= 0)
			dn_buf_printf(&b, NULL, "%lld", (long long)res->failing);
		else
			dn_buf_puts(&b, "null", NULL);
		dn_buf_puts(&b, ", \"message\": ", NULL);
		jstr(&b, res->message);
		dn_buf_puts(&b, ", \"samples\": [", NULL);
		for (int k = 0; k < res->nsamples; k++)
			dn_buf_printf(&b, NULL, "%s%s", k ? ", " : "", res->samples[k]);
		dn_buf_puts(&b, "], \"history\": [", NULL);
		for (int k = 0; k < res->nhistory; k++) {
			iso(res->history_at[k], t);
			dn_buf_printf(&b, NULL, "%s{\"at\": \"%s\", \"value\": ", k ? ", " : "", t);
			jnum(&b, res->history[k]);
			dn_buf_putc(&b, '}', NULL);
		}
		dn_buf_puts(&b, "]}", NULL);
	}
	dn_buf_puts(&b, "\n ]}\n", NULL);
	return flush(&b, out, err);
}

int dn_check_write_text(const struct dn_suite_result *r, FILE *out, struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	dn_buf_printf(&b, NULL, "%s on %s: %lld rows%s\n", r->suite->name, r->target,
		      (long long)r->rows, r->pushdown ? " (checked in the database)" : "");
	for (int i = 0; i < r->nresults; i++) {
		const struct dn_check_result *res = &r->results[i];
		dn_buf_printf(&b, NULL, "  %-7s %s", dn_check_status_name(res->status),
			      res->check->name);
		if (res->observed[0])
			dn_buf_printf(&b, NULL, ": %s", res->observed);
		if (res->threshold[0])
			dn_buf_printf(&b, NULL, " (expected %s)", res->threshold);
		if (res->message[0] && res->status != DN_CHECK_PASS)
			dn_buf_printf(&b, NULL, " - %s", res->message);
		dn_buf_putc(&b, '\n', NULL);
		for (int k = 0; k < res->nsamples && res->status != DN_CHECK_PASS; k++)
			dn_buf_printf(&b, NULL, "          %s\n", res->samples[k]);
	}
	dn_buf_printf(&b, NULL, "%d checks: %d passed, %d warned, %d failed, %d skipped",
		      r->nresults, r->passed, r->warned, r->failed, r->skipped);
	if (!isnan(r->overall))
		dn_buf_printf(&b, NULL, "; score %.1f%%", r->overall);
	if (r->quarantined)
		dn_buf_printf(&b, NULL, "; %lld rows quarantined", (long long)r->quarantined);
	dn_buf_putc(&b, '\n', NULL);
	return flush(&b, out, err);
}

static void html_text(struct dn_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			dn_buf_puts(b, "&lt;", NULL);
			break;
		case '>':
			dn_buf_puts(b, "&gt;", NULL);
			break;
		case '&':
			dn_buf_puts(b, "&amp;", NULL);
			break;
		case '"':
			dn_buf_puts(b, "&quot;", NULL);
			break;
		default:
			dn_buf_putc(b, *s, NULL);
		}
	}
}

/* A line chart of the history plus this run's value (the last point, in the status colour). */
static void chart(struct dn_buf *b, const struct dn_check_result *res)
{
	int n = res->nhistory + (res->has_value ? 1 : 0);
	if (n < 2) {
		dn_buf_puts(b, "<span class=muted>no history yet</span>", NULL);
		return;
	}
	double lo = INFINITY, hi = -INFINITY;
	for (int k = 0; k < n; k++) {
		double v = k < res->nhistory ? res->history[k] : res->value;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	if (hi == lo)
		hi = lo + 1;
	const double W = 220, H = 48, P = 4;
	dn_buf_printf(b, NULL, "<svg width=%.0f height=%.0f viewBox=\"0 0 %.0f %.0f\">", W, H, W,
		      H);
	dn_buf_puts(b, "<polyline fill=none stroke=\"#4a6fa5\" stroke-width=1.5 points=\"", NULL);
	double x = 0, y = 0;
	for (int k = 0; k < n; k++) {
		double v = k < res->nhistory ? res->history[k] : res->value;
		x = P + (W - 2 * P) * k / (n - 1);
		y = H - P - (H - 2 * P) * (v - lo) / (hi - lo);
		dn_buf_printf(b, NULL, "%.1f,%.1f ", x, y);
	}
	dn_buf_printf(b, NULL, "\"/><circle cx=%.1f cy=%.1f r=3 class=%s /></svg>", x, y,
		      dn_check_status_name(res->status));
	dn_buf_printf(b, NULL, "<div class=muted>%d runs, %g to %g</div>", n, lo,
		      hi == lo + 1 ? lo : hi);
}

int dn_check_write_html(const struct dn_suite_result *r, FILE *out, struct dn_error *err)
{
	struct dn_buf b = DN_BUF_INIT;
	char t[40];
	iso(r->at, t);
	dn_buf_puts(&b, "<!doctype html><html><head><meta charset=utf-8><title>quality: ", NULL);
	html_text(&b, r->suite->name);
	dn_buf_puts(&b,
		    "</title><style>"
		    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
		    "table{border-collapse:collapse;margin:1em 0}"
		    "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;"
		    "vertical-align:top}"
		    ".pass{color:#1a7f37;fill:#1a7f37}.warn{color:#b08800;fill:#b08800}"
		    ".fail{color:#cf222e;fill:#cf222e}.skipped{color:#777;fill:#777}"
		    ".muted{color:#777;font-size:12px}"
		    ".score{display:inline-block;margin:0 1em 1em 0;"
		    "padding:8px 12px;border:1px solid #ddd;border-radius:6px}"
		    ".score b{font-size:20px;display:block}pre{margin:0;font-size:12px;"
		    "white-space:pre-wrap;max-width:40em}"
		    "</style></head><body><h1>",
		    NULL);
	html_text(&b, r->suite->name);
	dn_buf_puts(&b, " <span class=", NULL);
	dn_buf_puts(&b,
		    r->failed ? "fail>failed" :
		    r->warned ? "warn>passed with warnings" :
				"pass>passed",
		    NULL);
	dn_buf_puts(&b, "</span></h1><p>", NULL);
	html_text(&b, r->target);
	dn_buf_printf(&b, NULL, " &middot; %lld rows &middot; %s%s</p>", (long long)r->rows, t,
		      r->pushdown ? " &middot; checked in the database" : "");
	dn_buf_puts(&b, "<div>", NULL);
	for (int d = -1; d < DN_NDIMS; d++) {
		double s = d < 0 ? r->overall : r->score[d];
		if (isnan(s))
			continue;
		dn_buf_printf(&b, NULL, "<div class=score><b class=%s>%.0f%%</b>%s</div>",
			      s >= 100 ? "pass" :
			      s >= 50  ? "warn" :
					 "fail",
			      s, d < 0 ? "overall" : dn_dimension_name((enum dn_dimension)d));
	}
	dn_buf_printf(&b, NULL,
		      "</div><p>%d checks: %d passed, %d warned, %d failed, %d skipped%s</p>",
		      r->nresults, r->passed, r->warned, r->failed, r->skipped,
		      r->quarantined ? "; failing rows quarantined" : "");
	dn_buf_puts(&b,
		    "<table><tr><th>check</th><th>dimension</th><th>severity</th><th>status</th>"
		    "<th>observed</th><th>expected</th><th>history</th><th>details</th></tr>",
		    NULL);
	for (int i = 0; i < r->nresults; i++) {
		const struct dn_check_result *res = &r->results[i];
		const char *st = dn_check_status_name(res->status);
		dn_buf_puts(&b, "<tr><td>", NULL);
		html_text(&b, res->check->name);
		dn_buf_printf(&b, NULL, "</td><td>%s</td><td>%s</td><td class=%s>%s</td><td>",
			      dn_dimension_name(dn_check_kind_dimension(res->check->kind)),
			      res->check->severity == DN_SEV_WARN ? "warn" : "error", st, st);
		html_text(&b, res->observed);
		dn_buf_puts(&b, "</td><td>", NULL);
		html_text(&b, res->threshold);
		dn_buf_puts(&b, "</td><td>", NULL);
		chart(&b, res);
		dn_buf_puts(&b, "</td><td>", NULL);
		if (res->status != DN_CHECK_PASS)
			html_text(&b, res->message);
		if (res->nsamples && res->status != DN_CHECK_PASS) {
			dn_buf_puts(&b, "<div class=muted>failing rows:</div><pre>", NULL);
			for (int k = 0; k < res->nsamples; k++) {
				html_text(&b, res->samples[k]);
				dn_buf_putc(&b, '\n', NULL);
			}
			dn_buf_puts(&b, "</pre>", NULL);
		}
		dn_buf_puts(&b, "</td></tr>", NULL);
	}
	dn_buf_puts(&b, "</table></body></html>\n", NULL);
	return flush(&b, out, err);
}
