/* The logger: the one piece of global state in core.
 *
 * Each line is formatted completely into one buffer (a 4 KiB stack buffer; the heap only for
 * longer messages) and written with a single fwrite + fflush under a mutex, so lines from many
 * threads never interleave and a reader of a pipe or file sees whole lines. Level and format are
 * atomics because they are read on every call from any thread and written once at start-up.
 * The text timestamp has millisecond precision (what humans read); JSON keeps the same text so
 * log shippers can parse it as ISO-8601. If memory for a long line cannot be had, the message is
 * cut to what fits in the stack buffer rather than lost. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

#define LOG_STACK 4096

static atomic_int log_level = DN_LOG_INFO;
static atomic_int log_format = DN_LOG_TEXT;
static FILE *_Atomic log_stream;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void dn_log_set_level(enum dn_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum dn_log_level dn_log_get_level(void)
{
	return (enum dn_log_level)atomic_load(&log_level);
}

void dn_log_set_format(enum dn_log_format fmt)
{
	atomic_store(&log_format, (int)fmt);
}

enum dn_log_format dn_log_get_format(void)
{
	return (enum dn_log_format)atomic_load(&log_format);
}

void dn_log_set_stream(FILE *f)
{
	pthread_mutex_lock(&log_lock);
	atomic_store(&log_stream, f);
	pthread_mutex_unlock(&log_lock);
}

int dn_log_level_parse(const char *s, enum dn_log_level *out)
{
	if (!s)
		return DN_EINVAL;
	for (int i = DN_LOG_DEBUG; i <= DN_LOG_OFF; i++) {
		if (dn_ascii_casecmp(s, level_names[i]) == 0) {
			*out = (enum dn_log_level)i;
			return 0;
		}
	}
	if (dn_ascii_casecmp(s, "warning") == 0) {
		*out = DN_LOG_WARN;
		return 0;
	}
	return DN_EINVAL;
}

/* "2024-01-31T12:00:00.123Z": always milliseconds, so columns line up. */
static size_t log_time(char *out)
{
	int64_t us = dn_now_us();
	int64_t ms = us / 1000 % 1000;
	int n = dn_timestamp_format(us - us % DN_USEC_PER_SEC, out); /* "...:SSZ" */
	if (n < 1)
		return 0;
	return (size_t)n - 1 + (size_t)snprintf(out + n - 1, 8, ".%03dZ", (int)ms);
}

/* Bytes msg takes as a JSON string body (without quotes). */
static size_t json_escaped_len(const char *s, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f')
			len += 2;
		else if (c < 0x20)
			len += 6;
		else
			len += 1;
	}
	return len;
}

static char *json_escape(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: break;
		}
		if (esc) {
			*o++ = esc[0];
			*o++ = esc[1];
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	return o;
}

void dn_log(enum dn_log_level level, const char *fmt, ...)
{
	int min = atomic_load_explicit(&log_level, memory_order_relaxed);
	if ((int)level < min || min >= DN_LOG_OFF || level >= DN_LOG_OFF || (int)level < 0)
		return;
	char msg_stack[LOG_STACK], line_stack[LOG_STACK];
	char *msg = msg_stack, *line = line_stack;
	va_list ap;

	va_start(ap, fmt);
	int r = vsnprintf(msg_stack, sizeof msg_stack, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	size_t mlen = (size_t)r;
	if (mlen >= sizeof msg_stack) {
		char *big = dn_malloc(mlen + 1);
		if (big) {
			va_start(ap, fmt);
			vsnprintf(big, mlen + 1, fmt, ap);
			va_end(ap);
			msg = big;
		} else {
			mlen = sizeof msg_stack - 1;
		}
	}

	char ts[48];
	size_t tlen = log_time(ts);
	const char *lname = level_names[level];
	int json = atomic_load_explicit(&log_format, memory_order_relaxed) == DN_LOG_JSON;
	size_t body = json ? json_escaped_len(msg, mlen) : mlen;
	size_t need = tlen + body + 64;
	if (need > sizeof line_stack) {
		line = dn_malloc(need);
		if (!line) {
			/* Cut the message to what fits rather than dropping the line. */
			line = line_stack;
			while (mlen && tlen + (json ? json_escaped_len(msg, mlen) : mlen) + 64 >
					       sizeof line_stack)
				mlen = mlen > 1024 ? mlen - 1024 : mlen - 1;
		}
	}
	char *o = line;
	if (json) {
		o += snprintf(o, 64 + tlen, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
			      lname);
		o = json_escape(o, msg, mlen);
		memcpy(o, "\"}\n", 3);
		o += 3;
	} else {
		o += snprintf(o, 64 + tlen, "%s %-5s ", ts, lname);
		memcpy(o, msg, mlen);
		o += mlen;
		*o++ = '\n';
	}

	pthread_mutex_lock(&log_lock);
	FILE *f = atomic_load(&log_stream);
	if (!f)
		f = stderr;
	fwrite(line, 1, (size_t)(o - line), f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);

	if (line != line_stack)
		dn_free(line);
	if (msg != msg_stack)
		dn_free(msg);
}
