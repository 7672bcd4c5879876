/* Errors: names and default messages of the DN_E* codes, and filling a caller's struct dn_error.
 *
 * Every name and message comes from the one DN_ERRNO_MAP table in core.h, expanded here twice
 * (like libuv's UV_ERRNO_MAP), so a new code cannot be added without its name and text. Messages
 * are formatted into a temporary buffer first and then copied, so a caller may pass err->msg
 * itself as an argument; everything that does not fit is cut off at a byte boundary (the
 * buffer is large enough that this only hits pathological messages). */
#include <stdio.h>
#include <string.h>

#include "core.h"

const char *dn_err_name(int code)
{
	switch (code) {
	case DN_OK:
		return "OK";
#define DN_X_(name, c, msg)                                                                        \
	case c:                                                                                    \
		return "E" #name;
		DN_ERRNO_MAP(DN_X_)
#undef DN_X_
	}
	return "EUNKNOWN";
}

const char *dn_strerror(int code)
{
	switch (code) {
	case DN_OK:
		return "success";
#define DN_X_(name, c, msg)                                                                        \
	case c:                                                                                    \
		return msg;
		DN_ERRNO_MAP(DN_X_)
#undef DN_X_
	}
	return "unknown error";
}

void dn_error_clear(struct dn_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = 0;
	err->file[0] = 0;
	err->line = 0;
	err->column = 0;
}

static void error_vfill(struct dn_error *err, int code, const char *file, int64_t line,
			int64_t column, const char *fmt, va_list ap)
{
	char tmp[DN_ERROR_MSG_MAX];
	if (!fmt || vsnprintf(tmp, sizeof tmp, fmt, ap) < 0)
		tmp[0] = 0;
	err->code = code;
	memcpy(err->msg, tmp, sizeof tmp);
	err->file[0] = 0;
	if (file)
		snprintf(err->file, sizeof err->file, "%s", file);
	err->line = line > 0 ? line : 0;
	err->column = column > 0 ? column : 0;
}

int dn_error_set(struct dn_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return code;
	va_start(ap, fmt);
	error_vfill(err, code, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

int dn_error_set_at(struct dn_error *err, int code, const char *file, int64_t line,
		    int64_t column, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return code;
	va_start(ap, fmt);
	error_vfill(err, code, file, line, column, fmt, ap);
	va_end(ap);
	return code;
}

void dn_error_prefix(struct dn_error *err, const char *fmt, ...)
{
	char pre[DN_ERROR_MSG_MAX], old[DN_ERROR_MSG_MAX];
	va_list ap;
	if (!err)
		return;
	va_start(ap, fmt);
	if (!fmt || vsnprintf(pre, sizeof pre, fmt, ap) < 0)
		pre[0] = 0;
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = 0;
	/* An empty message stands for the code's default text, which the prefix should keep. */
	const char *rest = old[0] ? old : dn_strerror(err->code);
	size_t np = strlen(pre), nr = strlen(rest), room = sizeof err->msg - 1;
	if (np > room)
		np = room;
	if (nr > room - np)
		nr = room - np;
	memcpy(err->msg, pre, np);
	memcpy(err->msg + np, rest, nr);
	err->msg[np + nr] = 0;
}

char *dn_error_format(const struct dn_error *err, char *out, size_t n)
{
	if (!out || n == 0)
		return out;
	out[0] = 0;
	if (!err)
		return out;
	const char *msg = err->msg[0] ? err->msg : dn_strerror(err->code);
	if (err->file[0] && err->line > 0 && err->column > 0)
		snprintf(out, n, "%s:%lld:%lld: %s", err->file, (long long)err->line,
			 (long long)err->column, msg);
	else if (err->file[0] && err->line > 0)
		snprintf(out, n, "%s:%lld: %s", err->file, (long long)err->line, msg);
	else if (err->file[0])
		snprintf(out, n, "%s: %s", err->file, msg);
	else if (err->line > 0 && err->column > 0)
		snprintf(out, n, "line %lld, column %lld: %s", (long long)err->line,
			 (long long)err->column, msg);
	else if (err->line > 0)
		snprintf(out, n, "line %lld: %s", (long long)err->line, msg);
	else
		snprintf(out, n, "%s", msg);
	return out;
}
