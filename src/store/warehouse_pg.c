/* The PostgreSQL warehouse backend, over libpq.
 *
 * Loads stream through `COPY dest (cols) FROM STDIN`, each batch encoded straight from its
 * column buffers into one buffer that goes to the server in chunks of about COPY_CHUNK bytes.
 * The format is binary whenever every column of dest takes the binary form of a dunya type
 * (always for tables dunya creates; for a table that was there, its column types are looked up
 * once): the server then copies fixed-width values instead of parsing digits and timestamps,
 * and the server's backend is what a load waits for (dunya's own CPU, the CSV parsing, runs on
 * the reader's threads): 1M rows load in 0.7 s instead of 1.0 s (bench/warehouse). Otherwise,
 * and from a batch binary cannot carry as it is on (a column narrower than the table's, dates
 * beyond 0001..9999), the load uses text COPY (tab between fields, \N for NULL, backslash
 * escapes for \, tab, newline and CR) in the same transaction: the server converts text to any
 * type, as for psql's \copy.
 * A load is one transaction:
 *   append       COPY into the table (created when missing);
 *   replace      COPY into a new table "_dunya_new_<table>", then DROP the old table and
 *                ALTER TABLE ... RENAME the new one in the same transaction: readers see the old
 *                table or the new one (a reader that reaches the table during the swap waits
 *                for the commit and then reads the new one);
 *   merge        COPY into a temporary staging table, then INSERT ... SELECT DISTINCT ON (keys)
 *                ... ON CONFLICT (keys) DO UPDATE, with a UNIQUE index "_dunya_key_<table>" on
 *                the keys created when missing. A key given twice in one load: the last row
 *                wins, as in the SQLite backend (the staging table numbers its rows);
 *   incremental  rows not above the stored high-water mark are dropped here, before COPY (the
 *                same comparison code as SQLite); the rest is appended, or merged when keys are
 *                given; the new mark goes into _dunya_watermarks in the same transaction.
 * Every load first takes a transaction-level advisory lock named after the table, so loads of
 * one table run one after another (as SQLite's BEGIN IMMEDIATE makes them) while readers go on.
 *
 * A column whose type widens between batches (int64 -> float64, anything -> string) changes
 * type with ALTER TABLE when this load created the table it writes (the COPY is ended and
 * restarted around it); a table that existed before keeps its types and the server converts the
 * values or rejects them with its message.
 *
 * Queries: statements before the last run one by one (autocommit, as in SQLite); the last is
 * sent in libpq's single-row mode, so rows arrive one result at a time and at most batch_rows
 * rows are held, whatever the result's size. Column types come from the result's type OIDs,
 * which are the same for every row, so a column's type never changes between batches.
 *
 * Secrets: the URL (with its password) is given to libpq and never printed. libpq's own
 * messages may quote parts of the connection string, so every message of a failed connection
 * is scrubbed of the password before it is shown. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define COPY_CHUNK (1u << 20)

/* Type OIDs (src/include/catalog/pg_type.dat; stable since forever). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_NAME = 19,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
	OID_DATE = 1082,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMPTZ = 1184,
	OID_NUMERIC = 1700,
};

struct pg_wh {
	PGconn *conn;
};

static PGconn *conn_of(struct dn_wh *wh)
{
	return ((struct pg_wh *)wh->impl)->conn;
}

static const char *pg_type(enum dn_type t)
{
	switch (t) {
	case DN_BOOL:
		return "BOOLEAN";
	case DN_INT64:
		return "BIGINT";
	case DN_FLOAT64:
		return "DOUBLE PRECISION";
	case DN_DATE:
		return "DATE";
	case DN_TIMESTAMP:
		return "TIMESTAMPTZ";
	default:
		return "TEXT";
	}
}

/* ---------------------------------------------------------------------------------------------
 * Messages */

/* The server's message of a failed result, on one line: "message (detail) hint: ... (where)". */
static int res_fail(struct dn_error *err, PGconn *conn, const PGresult *res, const char *what)
{
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *ctx = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	if (!prim) {
		prim = PQerrorMessage(conn);
		if (!prim || !*prim)
			prim = "the connection to the server was lost";
	}
	int rc = dn_error_set(err, DN_EIO, "%s: %s%s%s%s%s%s%s%s", what, prim, detail ? " (" : "",
			      detail ? detail : "", detail ? ")" : "", hint ? "; hint: " : "",
			      hint ? hint : "", ctx ? "; at " : "", ctx ? ctx : "");
	if (err) /* libpq's messages end with a newline and may span lines */
		for (char *p = err->msg; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
	if (err) {
		size_t n = strlen(err->msg);
		while (n && err->msg[n - 1] == ' ')
			err->msg[--n] = 0;
	}
	return rc;
}

/* Run one command; 0 when it succeeded (any non-error result), else DN_EIO. */
static int pg_run(PGconn *conn, const char *sql, const char *what, struct dn_error *err)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = res_fail(err, conn, res, what);
	PQclear(res);
	return rc;
}

/* Does the command status count as changed rows (INSERT/UPDATE/DELETE/MERGE)? */
static int64_t res_changes(PGresult *res)
{
	const char *st = PQcmdStatus(res);
	if (strncmp(st, "INSERT", 6) && strncmp(st, "UPDATE", 6) && strncmp(st, "DELETE", 6) &&
	    strncmp(st, "MERGE", 5))
		return 0;
	return strtoll(PQcmdTuples(res), NULL, 10);
}

/* Drain the results of whatever was sent. */
static void drain(PGconn *conn)
{
	PGresult *res;
	while ((res = PQgetResult(conn))) {
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_COPY_IN)
			PQputCopyEnd(conn, "abandoned by dunya");
		else if (st == PGRES_COPY_OUT) {
			char *buf;
			while (PQgetCopyData(conn, &buf, 0) > 0)
				PQfreemem(buf);
		}
		if (PQstatus(conn) != CONNECTION_OK)
			break;
	}
}

/* Replace every occurrence of secret in msg with "***". */
static void scrub(char *msg, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	if (!n)
		return;
	char *p;
	while ((p = strstr(msg, secret))) {
		size_t rest = strlen(p + n);
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, rest + 1);
	}
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				      -1;
}

/* The password of a URI as written and percent-decoded, found by hand (the URI may be one libpq
 * cannot parse): what follows the first ':' of the user-info before the last '@' of the
 * authority. Empty strings when none. */
static void url_password(const char *uri, char *raw, char *dec, size_t n)
{
	raw[0] = dec[0] = 0;
	const char *a = strstr(uri, "://");
	if (!a)
		return;
	a += 3;
	size_t alen = strcspn(a, "/?#");
	const char *at = NULL;
	for (const char *p = a; p < a + alen; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return;
	const char *colon = memchr(a, ':', (size_t)(at - a));
	if (!colon)
		return;
	size_t len = (size_t)(at - colon - 1);
	if (len >= n)
		len = n - 1;
	memcpy(raw, colon + 1, len);
	raw[len] = 0;
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < n; i++) {
		int h, l;
		if (raw[i] == '%' && i + 2 < len + 1 && (h = hexval(raw[i + 1])) >= 0 &&
		    (l = hexval(raw[i + 2])) >= 0) {
			dec[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			dec[j++] = raw[i];
		}
	}
	dec[j] = 0;
}

/* One line of libpq's connection error, without its trailing newline. */
static void one_line(const char *in, char *out, size_t n)
{
	size_t j = 0;
	for (const char *p = in; *p && j + 1 < n; p++) {
		char c = *p == '\n' || *p == '\t' ? ' ' : *p;
		if (c == ' ' && (j == 0 || out[j - 1] == ' '))
			continue;
		out[j++] = c;
	}
	while (j && out[j - 1] == ' ')
		j--;
	out[j] = 0;
}

static void notice_sink(void *arg, const char *message)
{
	(void)arg;
	char line[512];
	one_line(message, line, sizeof line);
	dn_debug("postgres: %s", line);
}

/* ---------------------------------------------------------------------------------------------
 * Connections */

static int pg_open(struct dn_wh *wh, const char *target, struct dn_error *err)
{
	struct dn_buf uri = DN_BUF_INIT;
	char raw[256], dec[256], msg[600];
	struct pg_wh *s = NULL;
	PGconn *conn = NULL;
	char *perr = NULL;
	int rc;
	if ((rc = dn_buf_printf(&uri, err, "postgresql://%s", target)) < 0)
		return rc;
	url_password(uri.data, raw, dec, sizeof raw);
	/* Check the URI first: a malformed one gets a message about the URL, not the server. */
	PQconninfoOption *opts = PQconninfoParse(uri.data, &perr);
	if (!opts) {
		one_line(perr ? perr : "out of memory", msg, sizeof msg);
		PQfreemem(perr);
		scrub(msg, raw);
		scrub(msg, dec);
		rc = dn_error_set(err, DN_EINVAL,
				  "not a valid PostgreSQL URL (%s); use "
				  "postgres://user:password@host:port/database?sslmode=...",
				  msg);
		goto out;
	}
	PQconninfoFree(opts);
	/* Defaults first: a connect_timeout or application_name in the URL overrides them. */
	const char *const keys[] = {"connect_timeout", "application_name", "client_encoding",
				    "dbname", NULL};
	const char *const vals[] = {"10", "dunya", "UTF8", uri.data, NULL};
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory connecting to PostgreSQL");
		goto out;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		const char *m = PQerrorMessage(conn);
		const char *hint = "";
		one_line(m, msg, sizeof msg);
		if (strstr(m, "password authentication failed") ||
		    strstr(m, "no password supplied"))
			hint = "; check the user and password in the URL (or PGPASSWORD, .pgpass)";
		else if (strstr(m, "does not exist"))
			hint = "; create it (createdb) or fix the database or user name in the URL";
		else if (strstr(m, "timeout expired"))
			hint = "; no answer within connect_timeout (10 s unless the URL sets it): "
			       "check the host, the port and any firewall";
		else if (strstr(m, "translate host name"))
			hint = "; check the host name in the URL";
		const char *db = PQdb(conn), *host = PQhost(conn), *port = PQport(conn),
			   *user = PQuser(conn);
		rc = dn_error_set(
			err, DN_EIO,
			"cannot connect to PostgreSQL database '%s' at %s:%s as '%s': %s%s",
			db ? db : "", host && *host ? host : "localhost",
			port && *port ? port : "5432", user ? user : "", msg, hint);
		if (err) {
			scrub(err->msg, raw);
			scrub(err->msg, dec);
		}
		goto out;
	}
	PQsetNoticeProcessor(conn, notice_sink, NULL);
	/* Timestamps go both ways as UTC ISO text; dates as YYYY-MM-DD. */
	if ((rc = pg_run(conn,
			 "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
			 "SET client_min_messages = warning",
			 "setting up the connection", err)) < 0)
		goto out;
	if (!(s = dn_calloc(1, sizeof *s))) {
		rc = dn_error_set(err, DN_ENOMEM, "out of memory connecting to PostgreSQL");
		goto out;
	}
	s->conn = conn;
	conn = NULL;
	wh->impl = s;
out:
	PQfinish(conn);
	/* The buffer held the password: clear it before it goes back to the allocator. */
	if (uri.data)
		memset(uri.data, 0, uri.len);
	dn_buf_release(&uri);
	memset(raw, 0, sizeof raw);
	memset(dec, 0, sizeof dec);
	return rc;
}

static void pg_close(struct dn_wh *wh)
{
	struct pg_wh *s = wh->impl;
	if (s) {
		PQfinish(s->conn);
		dn_free(s);
	}
}

static int pg_table_exists(struct dn_wh *wh, const char *table, struct dn_error *err)
{
	PGconn *conn = conn_of(wh);
	struct dn_buf q = DN_BUF_INIT;
	int rc = dn_wh_put_ident(&q, table, err);
	if (rc < 0)
		return rc;
	const char *params[1] = {q.data};
	PGresult *res = PQexecParams(conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params,
				     NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = res_fail(err, conn, res, "looking up a table");
	else
		rc = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	dn_buf_release(&q);
	return rc;
}

/* CREATE TABLE [IF NOT EXISTS] name (cols); extra is appended inside the parentheses. */
static int create_sql(struct dn_buf *q, const char *prefix, const char *table,
		      const struct dn_schema *schema, const char *extra, struct dn_error *err)
{
	DN_TRY(dn_buf_puts(q, prefix, err));
	DN_TRY(dn_wh_put_ident(q, table, err));
	DN_TRY(dn_buf_puts(q, " (", err));
	for (int i = 0; i < schema->nfields; i++) {
		if (i)
			DN_TRY(dn_buf_puts(q, ", ", err));
		DN_TRY(dn_wh_put_ident(q, schema->fields[i].name, err));
		DN_TRY(dn_buf_printf(q, err, " %s", pg_type(schema->fields[i].type)));
	}
	if (extra)
		DN_TRY(dn_buf_puts(q, extra, err));
	return dn_buf_puts(q, ")", err);
}

static int pg_create_table(struct dn_wh *wh, const char *table, const struct dn_schema *schema,
			   struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT;
	int rc = create_sql(&q, "CREATE TABLE IF NOT EXISTS ", table, schema, NULL, err);
	if (rc == 0)
		rc = pg_run(conn_of(wh), q.data, "creating the table", err);
	dn_buf_release(&q);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * COPY text: values formatted straight into the buffer. */

/* Room for the longest fixed-width value (a timestamp, an int64, a float). */
#define VALUE_MAX 48

static char *put_i64(char *p, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* 'YYYY-MM-DD HH:MM:SS[.ffffff]+00'; years outside 1..9999 in the general form (the server then
 * rejects them: PostgreSQL writes years before 1 with BC). */
static char *put_ts(char *p, int64_t us)
{
	int64_t days = us / DN_USEC_PER_DAY, rem = us % DN_USEC_PER_DAY;
	if (rem < 0) {
		rem += DN_USEC_PER_DAY;
		days--;
	}
	int y, m, d;
	dn_civil_from_days((int32_t)days, &y, &m, &d);
	int64_t secs = rem / DN_USEC_PER_SEC;
	int v[7] = {y,
		    m,
		    d,
		    (int)(secs / 3600),
		    (int)(secs / 60 % 60),
		    (int)(secs % 60),
		    (int)(rem % DN_USEC_PER_SEC)};
	if (y < 1 || y > 9999)
		return p + snprintf(p, VALUE_MAX, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", v[0],
				    v[1], v[2], v[3], v[4], v[5], v[6]);
	/* The fraction only when there is one: less for the server to parse. */
	static const int width[7] = {4, 2, 2, 2, 2, 2, 6};
	static const char after[7] = {'-', '-', ' ', ':', ':', '.', '+'};
	int last = v[6] ? 7 : 6;
	for (int k = 0; k < last; k++) {
		for (int w = width[k] - 1, x = v[k]; w >= 0; w--, x /= 10)
			p[w] = (char)('0' + x % 10);
		p += width[k];
		*p++ = k == last - 1 ? '+' : after[k];
	}
	*p++ = '0';
	*p++ = '0';
	return p;
}

/* Escape a string for COPY text: \ tab newline CR get a backslash form. */
static char *put_text(char *p, const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end) {
		/* Runs without special bytes are copied whole. */
		const char *run = s;
		while (s < end && *s != '\\' && *s != '\t' && *s != '\n' && *s != '\r')
			s++;
		memcpy(p, run, (size_t)(s - run));
		p += s - run;
		if (s == end)
			break;
		*p++ = '\\';
		*p++ = *s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r';
		s++;
	}
	return p;
}

/* ---------------------------------------------------------------------------------------------
 * COPY binary: a signature header, then per row an int16 field count and per field an int32
 * length (-1 for NULL) and the value in the type's send format, big-endian; an int16 -1 ends
 * the data. The server then only copies bytes instead of parsing numbers and timestamps, which
 * is most of its per-row cost in text COPY. The formats (the types' recv functions):
 *   bool         1 byte, 0 or 1                    int8 / float8   8 bytes (IEEE bits)
 *   text         the bytes, as they are            date            int32 days since 2000-01-01
 *   timestamptz  int64 µs since 2000-01-01 UTC (timestamp without time zone: the same number,
 *                which is what text COPY gives it under the connection's TimeZone UTC) */

/* "PGCOPY\n\377\r\n\0", int32 flags 0, int32 header extension length 0. */
#define BIN_HEADER "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define BIN_HEADER_LEN 19
/* 2000-01-01 in dunya's days and µs since 1970. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_US (INT64_C(10957) * DN_USEC_PER_DAY)
/* 0001-01-01 and 9999-12-31 in days since 1970: values outside go through text COPY, which
 * sends them the way the server has always judged them. */
#define DAYS_MIN (-719162)
#define DAYS_MAX 2932896
/* The server's limit on one value (MaxAllocSize). */
#define PG_VALUE_MAX ((size_t)0x3fffffff)

static char *put_be16(char *p, uint16_t v)
{
	p[0] = (char)(v >> 8);
	p[1] = (char)v;
	return p + 2;
}

static char *put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
	return p + 4;
}

static char *put_be64(char *p, uint64_t v)
{
	p = put_be32(p, (uint32_t)(v >> 32));
	return put_be32(p, (uint32_t)v);
}

/* A length word and an 8-byte value. */
static char *put_bin8(char *p, uint64_t v)
{
	return put_be64(put_be32(p, 8), v);
}

static uint64_t f64_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/* The dunya type whose binary form a column of type oid takes (the server's recv function reads
 * it exactly as its input function reads our text), or -1: then the load uses text COPY. */
static int bin_type(Oid oid)
{
	switch (oid) {
	case OID_BOOL:
		return DN_BOOL;
	case OID_INT8:
		return DN_INT64;
	case OID_FLOAT8:
		return DN_FLOAT64;
	case OID_TEXT:
	case OID_VARCHAR: /* varchar_recv and bpchar_recv apply the length limit as input does */
	case OID_BPCHAR:
		return DN_STRING;
	case OID_DATE:
		return DN_DATE;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return DN_TIMESTAMP;
	default:
		return -1;
	}
}

/* ---------------------------------------------------------------------------------------------
 * Loads */

struct pg_load {
	PGconn *conn;
	char *table;
	char *dest;  /* table COPY writes: the table, "_dunya_new_<table>" or the staging table */
	int created; /* dest was created by this load (types may be widened with ALTER TABLE) */
	int target_created;      /* merge: the table was created by this load */
	int staged;              /* merge through the staging table */
	struct dn_schema schema; /* the load's columns, with their current types */
	enum dn_wh_mode mode;
	int nkeys;
	const char *const *keys;
	int inc_col;
	int in_txn, in_copy;
	int binary; /* COPY in binary format (else text) */
	int *ttype; /* per column: the dunya type of the table's column's binary form, or -1 */
	struct dn_wh_mark old_mark, new_mark, cur;
	struct dn_buf out;
	struct dn_wh_load_stats stats;
};

static void load_free(struct pg_load *l)
{
	if (!l)
		return;
	if (l->in_copy) {
		PQputCopyEnd(l->conn, "load aborted by dunya");
		drain(l->conn);
	}
	if (l->in_txn && PQstatus(l->conn) == CONNECTION_OK)
		PQclear(PQexec(l->conn, "ROLLBACK"));
	dn_free(l->table);
	dn_free(l->dest);
	dn_free(l->ttype);
	dn_schema_release(&l->schema);
	dn_buf_release(&l->old_mark.text);
	dn_buf_release(&l->new_mark.text);
	dn_buf_release(&l->cur.text);
	dn_buf_release(&l->out);
	dn_free(l);
}

static int put_cols(struct dn_buf *q, const struct dn_schema *schema, const char *prefix,
		    struct dn_error *err)
{
	for (int i = 0; i < schema->nfields; i++) {
		if (i)
			DN_TRY(dn_buf_puts(q, ", ", err));
		if (prefix)
			DN_TRY(dn_buf_puts(q, prefix, err));
		DN_TRY(dn_wh_put_ident(q, schema->fields[i].name, err));
	}
	return 0;
}

static int put_keys(struct dn_buf *q, const struct pg_load *l, struct dn_error *err)
{
	for (int k = 0; k < l->nkeys; k++) {
		if (k)
			DN_TRY(dn_buf_puts(q, ", ", err));
		DN_TRY(dn_wh_put_ident(q, l->keys[k], err));
	}
	return 0;
}

static int copy_start(struct pg_load *l, struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT;
	int rc;
	if ((rc = dn_buf_puts(&q, "COPY ", err)) < 0 ||
	    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 || (rc = dn_buf_puts(&q, " (", err)) < 0 ||
	    (rc = put_cols(&q, &l->schema, NULL, err)) < 0 ||
	    (rc = dn_buf_puts(&q, l->binary ? ") FROM STDIN (FORMAT binary)" : ") FROM STDIN",
			      err)) < 0)
		goto out;
	dn_debug("postgres: COPY into %s in %s format", l->dest, l->binary ? "binary" : "text");
	PGresult *res = PQexec(l->conn, q.data);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = res_fail(err, l->conn, res, "starting COPY");
	else
		l->in_copy = 1;
	PQclear(res);
	if (rc == 0 && l->binary)
		rc = dn_buf_append(&l->out, BIN_HEADER, BIN_HEADER_LEN, err);
out:
	dn_buf_release(&q);
	return rc;
}

/* The server's error after a failed COPY: end it and find the error result. */
static int copy_error(struct pg_load *l, const char *what, struct dn_error *err)
{
	PGresult *res, *bad = NULL;
	if (l->in_copy)
		PQputCopyEnd(l->conn, NULL);
	l->in_copy = 0;
	while ((res = PQgetResult(l->conn))) {
		ExecStatusType st = PQresultStatus(res);
		if (!bad && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			bad = res;
			continue;
		}
		PQclear(res);
		if (PQstatus(l->conn) != CONNECTION_OK)
			break;
	}
	int rc = res_fail(err, l->conn, bad, what);
	PQclear(bad);
	return rc;
}

static int copy_flush(struct pg_load *l, struct dn_error *err)
{
	if (!l->out.len)
		return 0;
	if (PQputCopyData(l->conn, l->out.data, (int)l->out.len) != 1)
		return copy_error(l, "loading into PostgreSQL", err);
	dn_buf_reset(&l->out);
	return 0;
}

/* End COPY and check its result. */
static int copy_end(struct pg_load *l, struct dn_error *err)
{
	if (l->binary)
		DN_TRY(dn_buf_append(&l->out, "\377\377", 2, err));
	DN_TRY(copy_flush(l, err));
	if (PQputCopyEnd(l->conn, NULL) != 1)
		return copy_error(l, "finishing COPY", err);
	l->in_copy = 0;
	PGresult *res = PQgetResult(l->conn);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = res_fail(err, l->conn, res, "loading into PostgreSQL");
	PQclear(res);
	drain(l->conn);
	return rc;
}

static int read_mark(struct pg_load *l, const char *col, struct dn_error *err)
{
	const char *params[2] = {l->table, col};
	PGresult *res = PQexecParams(l->conn,
				     "SELECT value FROM " DN_WH_WATERMARKS
				     " WHERE table_name = $1 AND column_name = $2",
				     2, NULL, params, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = res_fail(err, l->conn, res, "reading the watermark");
	} else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		const char *v = PQgetvalue(res, 0, 0);
		size_t n = (size_t)PQgetlength(res, 0, 0);
		enum dn_type t = l->schema.fields[l->inc_col].type;
		struct dn_wh_mark *m = &l->old_mark;
		if ((t == DN_INT64 || t == DN_BOOL) && dn_parse_i64(v, n, &m->i) == 0)
			m->kind = 1;
		else if ((t == DN_INT64 || t == DN_FLOAT64) && dn_parse_f64(v, n, &m->f) == 0)
			m->kind = 2;
		else {
			m->kind = 3;
			rc = dn_buf_append(&m->text, v, n, err);
		}
	}
	PQclear(res);
	return rc;
}

/* Choose COPY's format: binary when every column of dest takes the binary form of a dunya type
 * (always for a table this load created with dunya's types; for a table that was there, its
 * columns' types are looked up once), else text, which the server converts to any type. */
static int target_types(struct pg_load *l, struct dn_error *err)
{
	int nf = l->schema.nfields, rc = 0;
	l->ttype = dn_calloc((size_t)nf, sizeof *l->ttype);
	if (!l->ttype)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
	for (int c = 0; c < nf; c++)
		l->ttype[c] = l->created ? (int)l->schema.fields[c].type : -1;
	if (!l->created) {
		struct dn_buf q = DN_BUF_INIT;
		if ((rc = dn_wh_put_ident(&q, l->dest, err)) < 0)
			return rc;
		const char *params[1] = {q.data};
		PGresult *res = PQexecParams(l->conn,
					     "SELECT attname, atttypid FROM pg_attribute "
					     "WHERE attrelid = to_regclass($1)::oid AND attnum > 0 "
					     "AND NOT attisdropped",
					     1, NULL, params, NULL, NULL, 0);
		dn_buf_release(&q);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			rc = res_fail(err, l->conn, res, "looking up the table's columns");
		} else {
			for (int r = 0; r < PQntuples(res); r++) {
				int c = dn_schema_find(&l->schema, PQgetvalue(res, r, 0));
				if (c >= 0)
					l->ttype[c] = bin_type(
						(Oid)strtoul(PQgetvalue(res, r, 1), NULL, 10));
			}
		}
		PQclear(res);
	}
	l->binary = 1;
	for (int c = 0; c < nf; c++)
		if (l->ttype[c] < 0)
			l->binary = 0;
	return rc;
}

static int pg_load_begin(struct dn_wh_load *ld, const char *table, const struct dn_schema *schema,
			 const struct dn_wh_load_options *opt, struct dn_error *err)
{
	struct pg_load *l = dn_calloc(1, sizeof *l);
	struct dn_buf q = DN_BUF_INIT;
	int rc = DN_ENOMEM;
	if (!l)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
	l->conn = conn_of(ld->wh);
	l->mode = opt->mode;
	l->inc_col = -1;
	l->nkeys = opt->mode == DN_WH_MERGE || opt->mode == DN_WH_INCREMENTAL ? opt->nkeys : 0;
	l->keys = opt->keys;
	l->staged = l->nkeys > 0;
	l->table = dn_strdup(table);
	if (!l->table) {
		dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
		goto fail;
	}
	if ((rc = dn_schema_copy(&l->schema, schema, err)) < 0)
		goto fail;
	if (schema->nfields == 0) {
		rc = dn_error_set(err, DN_EINVAL, "the input has no columns to load");
		goto fail;
	}
	if (opt->mode == DN_WH_INCREMENTAL)
		l->inc_col = dn_schema_find(schema, opt->incremental_column);
	if ((rc = pg_run(l->conn, "BEGIN", "starting the load", err)) < 0)
		goto fail;
	l->in_txn = 1;
	/* One load of a table at a time; readers are not blocked. */
	const char *lockp[1] = {table};
	PGresult *res = PQexecParams(l->conn,
				     "SELECT pg_advisory_xact_lock(hashtext('dunya load ' || $1))",
				     1, NULL, lockp, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = res_fail(err, l->conn, res, "locking the table for the load");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (opt->mode == DN_WH_REPLACE) {
		if ((rc = dn_buf_printf(&q, err, "_dunya_new_%s", table)) < 0)
			goto fail;
		l->dest = dn_buf_take(&q, NULL);
		if (!l->dest) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
			goto fail;
		}
		if ((rc = dn_buf_puts(&q, "DROP TABLE IF EXISTS ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 ||
		    (rc = pg_run(l->conn, q.data, "replacing the table", err)) < 0)
			goto fail;
		dn_buf_reset(&q);
		if ((rc = create_sql(&q, "CREATE TABLE ", l->dest, schema, NULL, err)) < 0 ||
		    (rc = pg_run(l->conn, q.data, "creating the new table", err)) < 0)
			goto fail;
		l->created = 1;
	} else {
		int exists = pg_table_exists(ld->wh, table, err);
		if (exists < 0) {
			rc = exists;
			goto fail;
		}
		if (!exists) {
			if ((rc = create_sql(&q, "CREATE TABLE ", table, schema, NULL, err)) < 0 ||
			    (rc = pg_run(l->conn, q.data, "creating the table", err)) < 0)
				goto fail;
		}
		l->target_created = !exists;
		l->created = !exists && !l->staged;
		l->dest = dn_strdup(l->staged ? "_dunya_stage" : table);
		if (!l->dest) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a load");
			goto fail;
		}
	}
	if (l->staged) {
		/* The UNIQUE index the upsert needs, then the staging table: same columns, plus
		 * the row's number so the last of several rows with one key wins. */
		dn_buf_reset(&q);
		struct dn_buf name = DN_BUF_INIT;
		if ((rc = dn_buf_puts(&q, "CREATE UNIQUE INDEX IF NOT EXISTS ", err)) < 0 ||
		    (rc = dn_buf_printf(&name, err, "_dunya_key_%s", table)) < 0 ||
		    (rc = dn_wh_put_ident(&q, name.data, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " ON ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, table, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " (", err)) < 0 || (rc = put_keys(&q, l, err)) < 0 ||
		    (rc = dn_buf_puts(&q, ")", err)) < 0) {
			dn_buf_release(&name);
			goto fail;
		}
		dn_buf_release(&name);
		if ((rc = pg_run(l->conn, q.data, "indexing the key columns", err)) < 0)
			goto fail;
		dn_buf_reset(&q);
		if ((rc = pg_run(l->conn, "DROP TABLE IF EXISTS pg_temp._dunya_stage",
				 "creating the staging table", err)) < 0 ||
		    (rc = create_sql(&q, "CREATE TEMP TABLE ", l->dest, schema,
				     ", \"_dunya_seq\" BIGSERIAL", err)) < 0 ||
		    (rc = dn_buf_puts(&q, " ON COMMIT DROP", err)) < 0 ||
		    (rc = pg_run(l->conn, q.data, "creating the staging table", err)) < 0)
			goto fail;
		l->created = 1;
	}
	if (opt->mode == DN_WH_INCREMENTAL) {
		if ((rc = pg_run(l->conn,
				 "CREATE TABLE IF NOT EXISTS " DN_WH_WATERMARKS
				 " (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
				 "value TEXT, PRIMARY KEY (table_name, column_name))",
				 "creating the watermark table", err)) < 0 ||
		    (rc = read_mark(l, opt->incremental_column, err)) < 0)
			goto fail;
		dn_wh_mark_copy(&l->new_mark, &l->old_mark);
	}
	if ((rc = target_types(l, err)) < 0 || (rc = copy_start(l, err)) < 0)
		goto fail;
	dn_buf_release(&q);
	ld->impl = l;
	return 0;
fail:
	dn_buf_release(&q);
	load_free(l);
	return rc < 0 ? rc : DN_ENOMEM;
}

/* Column c now holds values of type t: end COPY, change the column's type, restart COPY. */
static int widen_column(struct pg_load *l, int c, enum dn_type t, struct dn_error *err)
{
	struct dn_buf q = DN_BUF_INIT;
	int rc = copy_end(l, err);
	for (int pass = 0; rc == 0 && pass < 2; pass++) {
		const char *tbl = pass == 0 ? l->dest : l->table;
		if (pass == 1 && (!l->staged || !l->target_created))
			break;
		dn_buf_reset(&q);
		if ((rc = dn_buf_puts(&q, "ALTER TABLE ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, tbl, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " ALTER COLUMN ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->schema.fields[c].name, err)) < 0 ||
		    (rc = dn_buf_printf(&q, err, " TYPE %s USING ", pg_type(t))) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->schema.fields[c].name, err)) < 0 ||
		    (rc = dn_buf_printf(&q, err, "::%s", pg_type(t))) < 0)
			break;
		rc = pg_run(l->conn, q.data, "widening a column", err);
	}
	dn_buf_release(&q);
	if (rc == 0) {
		l->schema.fields[c].type = t;
		l->ttype[c] = (int)t; /* the column now has t's PostgreSQL type */
		rc = copy_start(l, err);
	}
	return rc;
}

/* Can batch b go through binary COPY into the table's columns? Each column's values must have
 * the binary form of the table's type: the same type, int64 into float8 (converted here as the
 * server converts their text), or no values at all; dates and timestamps within 0001..9999. */
static int bin_fits(const struct pg_load *l, const struct dn_batch *b)
{
	for (int c = 0; c < l->schema.nfields; c++) {
		const struct dn_column *col = &b->columns[c];
		if (col->null_count == col->length)
			continue;
		int t = (int)col->type, want = l->ttype[c];
		if (t != want && !(t == DN_INT64 && want == DN_FLOAT64))
			return 0;
		if (t != DN_DATE && t != DN_TIMESTAMP)
			continue;
		for (int64_t i = 0; i < col->length; i++) {
			if (dn_column_is_null(col, i))
				continue;
			int64_t v = t == DN_DATE ? dn_column_date(col, i) : dn_column_i64(col, i);
			int64_t lo = t == DN_DATE ? DAYS_MIN : DAYS_MIN * DN_USEC_PER_DAY;
			int64_t hi = t == DN_DATE ? DAYS_MAX : (DAYS_MAX + 1) * DN_USEC_PER_DAY - 1;
			if (v < lo || v > hi)
				return 0;
		}
	}
	return 1;
}

/* Row i of b as one binary COPY tuple (bin_fits said it fits). */
static int row_bin(struct pg_load *l, const struct dn_batch *b, int64_t i, struct dn_error *err)
{
	int nf = l->schema.nfields;
	size_t need = 2 + (size_t)nf * 12;
	for (int c = 0; c < nf; c++) {
		const struct dn_column *col = &b->columns[c];
		if (col->type != DN_STRING || dn_column_is_null(col, i))
			continue;
		size_t n = dn_column_str(col, i).len;
		if (n > PG_VALUE_MAX)
			return dn_error_set(err, DN_ELIMIT,
					    "row %lld, column '%s': a value of %zu bytes is over "
					    "PostgreSQL's limit of 1 GB for one value",
					    (long long)(b->first_row + i + 1),
					    l->schema.fields[c].name, n);
		need += n;
	}
	DN_TRY(dn_buf_reserve(&l->out, need, err));
	char *p = put_be16(l->out.data + l->out.len, (uint16_t)nf);
	for (int c = 0; c < nf; c++) {
		const struct dn_column *col = &b->columns[c];
		if (dn_column_is_null(col, i)) {
			p = put_be32(p, UINT32_MAX); /* -1: NULL */
			continue;
		}
		switch (col->type) {
		case DN_BOOL:
			p = put_be32(p, 1);
			*p++ = dn_column_bool(col, i) != 0;
			break;
		case DN_INT64:
			if (l->ttype[c] == DN_FLOAT64)
				p = put_bin8(p, f64_bits((double)dn_column_i64(col, i)));
			else
				p = put_bin8(p, (uint64_t)dn_column_i64(col, i));
			break;
		case DN_FLOAT64:
			p = put_bin8(p, f64_bits(dn_column_f64(col, i)));
			break;
		case DN_STRING: {
			struct dn_str s = dn_column_str(col, i);
			p = put_be32(p, (uint32_t)s.len);
			memcpy(p, s.ptr, s.len);
			p += s.len;
			break;
		}
		case DN_DATE:
			p = put_be32(p, 4);
			p = put_be32(p, (uint32_t)(dn_column_date(col, i) - PG_EPOCH_DAYS));
			break;
		case DN_TIMESTAMP:
			p = put_bin8(p, (uint64_t)(dn_column_i64(col, i) - PG_EPOCH_US));
			break;
		}
	}
	l->out.len = (size_t)(p - l->out.data);
	return 0;
}

/* Row i of b as one line of text COPY. */
static int row_text(struct pg_load *l, const struct dn_batch *b, int64_t i, struct dn_error *err)
{
	int nf = l->schema.nfields;
	/* Bytes a row can take beyond its strings: each value escaped at most doubles. */
	size_t fixed = (size_t)nf * (VALUE_MAX + 2) + 1;
	size_t need = fixed;
	for (int c = 0; c < nf; c++)
		if (b->columns[c].type == DN_STRING && !dn_column_is_null(&b->columns[c], i))
			need += 2 * dn_column_str(&b->columns[c], i).len;
	DN_TRY(dn_buf_reserve(&l->out, need, err));
	char *p = l->out.data + l->out.len;
	for (int c = 0; c < nf; c++) {
		const struct dn_column *col = &b->columns[c];
		if (c)
			*p++ = '\t';
		if (dn_column_is_null(col, i)) {
			*p++ = '\\';
			*p++ = 'N';
			continue;
		}
		switch (col->type) {
		case DN_BOOL:
			*p++ = dn_column_bool(col, i) ? 't' : 'f';
			break;
		case DN_INT64:
			p = put_i64(p, dn_column_i64(col, i));
			break;
		case DN_FLOAT64:
			p += dn_format_f64(dn_column_f64(col, i), p);
			break;
		case DN_STRING: {
			struct dn_str s = dn_column_str(col, i);
			p = put_text(p, s.ptr, s.len);
			break;
		}
		case DN_DATE:
			p += dn_date_format(dn_column_date(col, i), p);
			break;
		case DN_TIMESTAMP:
			p = put_ts(p, dn_column_i64(col, i));
			break;
		}
	}
	*p++ = '\n';
	l->out.len = (size_t)(p - l->out.data);
	return 0;
}

static int pg_load_batch(struct dn_wh_load *ld, const struct dn_batch *b, struct dn_error *err)
{
	struct pg_load *l = ld->impl;
	int nf = l->schema.nfields;
	if (b->schema.nfields != nf)
		return dn_error_set(err, DN_EINVAL, "a batch has %d columns; the load has %d",
				    b->schema.nfields, nf);
	for (int c = 0; c < nf; c++) {
		if (strcmp(b->schema.fields[c].name, l->schema.fields[c].name) != 0)
			return dn_error_set(err, DN_EINVAL,
					    "a batch has column '%s' where the load has '%s'",
					    b->schema.fields[c].name, l->schema.fields[c].name);
		enum dn_type was = l->schema.fields[c].type, now = b->columns[c].type;
		if (now != was && l->created && dn_type_widen(was, now) == now)
			DN_TRY(widen_column(l, c, now, err));
	}
	if (!l->in_copy)
		return dn_error_set(err, DN_EINVAL, "the load has failed; abort it");
	if (l->binary && !bin_fits(l, b)) {
		/* Rare (a column narrower than the table's, a date beyond 0001..9999): text COPY
		 * for the rest of the load, in the same transaction. */
		DN_TRY(copy_end(l, err));
		l->binary = 0;
		DN_TRY(copy_start(l, err));
	}
	l->stats.rows_in += b->nrows;
	for (int64_t i = 0; i < b->nrows; i++) {
		if (l->inc_col >= 0) {
			dn_wh_mark_of(&b->columns[l->inc_col], i, &l->cur);
			if (l->cur.kind == 0 || !dn_wh_mark_gt(&l->cur, &l->old_mark)) {
				l->stats.rows_filtered++;
				continue;
			}
			if (dn_wh_mark_gt(&l->cur, &l->new_mark))
				dn_wh_mark_copy(&l->new_mark, &l->cur);
		}
		DN_TRY(l->binary ? row_bin(l, b, i, err) : row_text(l, b, i, err));
		l->stats.rows_written++;
		if (l->out.len >= COPY_CHUNK)
			DN_TRY(copy_flush(l, err));
	}
	return 0;
}

static int merge_sql(struct pg_load *l, struct dn_buf *q, struct dn_error *err)
{
	DN_TRY(dn_buf_puts(q, "INSERT INTO ", err));
	DN_TRY(dn_wh_put_ident(q, l->table, err));
	DN_TRY(dn_buf_puts(q, " (", err));
	DN_TRY(put_cols(q, &l->schema, NULL, err));
	DN_TRY(dn_buf_puts(q, ") SELECT DISTINCT ON (", err));
	DN_TRY(put_keys(q, l, err));
	DN_TRY(dn_buf_puts(q, ") ", err));
	DN_TRY(put_cols(q, &l->schema, NULL, err));
	DN_TRY(dn_buf_puts(q, " FROM pg_temp._dunya_stage ORDER BY ", err));
	DN_TRY(put_keys(q, l, err));
	DN_TRY(dn_buf_puts(q, ", \"_dunya_seq\" DESC ON CONFLICT (", err));
	DN_TRY(put_keys(q, l, err));
	DN_TRY(dn_buf_puts(q, ") DO ", err));
	int nset = 0;
	for (int i = 0; i < l->schema.nfields; i++) {
		const char *name = l->schema.fields[i].name;
		int is_key = 0;
		for (int k = 0; k < l->nkeys; k++)
			is_key |= !strcmp(l->keys[k], name);
		if (is_key)
			continue;
		DN_TRY(dn_buf_puts(q, nset++ ? ", " : "UPDATE SET ", err));
		DN_TRY(dn_wh_put_ident(q, name, err));
		DN_TRY(dn_buf_puts(q, " = EXCLUDED.", err));
		DN_TRY(dn_wh_put_ident(q, name, err));
	}
	if (!nset) /* every column is a key: rows already there are left alone */
		DN_TRY(dn_buf_puts(q, "NOTHING", err));
	return 0;
}

static int pg_load_commit(struct dn_wh_load *ld, struct dn_wh_load_stats *stats,
			  struct dn_error *err)
{
	struct pg_load *l = ld->impl;
	struct dn_buf q = DN_BUF_INIT;
	int rc;
	if (!l->in_copy) {
		rc = dn_error_set(err, DN_EINVAL, "the load has failed; nothing was committed");
		goto out;
	}
	if ((rc = copy_end(l, err)) < 0)
		goto out;
	if (l->staged && ((rc = merge_sql(l, &q, err)) < 0 ||
			  (rc = pg_run(l->conn, q.data, "merging the rows", err)) < 0))
		goto out;
	if (l->mode == DN_WH_REPLACE) {
		dn_buf_reset(&q);
		if ((rc = dn_buf_puts(&q, "DROP TABLE IF EXISTS ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->table, err)) < 0 ||
		    (rc = dn_buf_puts(&q, "; ALTER TABLE ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->dest, err)) < 0 ||
		    (rc = dn_buf_puts(&q, " RENAME TO ", err)) < 0 ||
		    (rc = dn_wh_put_ident(&q, l->table, err)) < 0 ||
		    (rc = pg_run(l->conn, q.data, "swapping in the new table", err)) < 0)
			goto out;
	}
	if (l->inc_col >= 0 && l->new_mark.kind) {
		dn_wh_mark_text(&l->new_mark, l->stats.watermark, sizeof l->stats.watermark);
		const char *v = l->new_mark.kind == 3 ? l->new_mark.text.data : l->stats.watermark;
		const char *params[3] = {l->table, l->schema.fields[l->inc_col].name, v ? v : ""};
		PGresult *res = PQexecParams(l->conn,
					     "INSERT INTO " DN_WH_WATERMARKS
					     " VALUES ($1, $2, $3) ON CONFLICT (table_name, "
					     "column_name) DO UPDATE SET value = EXCLUDED.value",
					     3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = res_fail(err, l->conn, res, "storing the watermark");
		PQclear(res);
		if (rc < 0)
			goto out;
	}
	PGresult *res = PQexec(l->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = res_fail(err, l->conn, res, "committing the load");
	else
		l->in_txn = 0;
	PQclear(res);
	if (rc < 0)
		goto out;
	if (stats)
		*stats = l->stats;
out:
	dn_buf_release(&q);
	load_free(l);
	ld->impl = NULL;
	return rc;
}

static void pg_load_abort(struct dn_wh_load *ld)
{
	load_free(ld->impl);
	ld->impl = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Queries */

struct pg_query {
	PGconn *conn;
	int64_t batch_rows;
	int active; /* the last statement's results are still coming */
	int done, emitted;
	int64_t changes, row;
	int ncols;
	PGresult *pending; /* a row result fetched but not yet added to a batch */
	Oid *oids;
	struct dn_schema schema;
	struct dn_builder *bl;
};

/* Where the statement starting at p ends: just after its ';', or at the end of the text.
 * Quotes ('', E'' with backslashes, "", $tag$...$tag$) and comments (--, nested block comments)
 * may hold semicolons. */
static const char *stmt_end(const char *p)
{
	int e_prefix = 0; /* the previous token was a lone E: E'...' takes backslash escapes */
	while (*p) {
		char c = *p;
		int was_e = e_prefix;
		e_prefix = 0;
		if (c == ';')
			return p + 1;
		if (c == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (c == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (*p && depth) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else if (c == '\'' || c == '"') {
			int esc = c == '\'' && was_e;
			p++;
			while (*p) {
				if (esc && *p == '\\' && p[1]) {
					p += 2;
				} else if (*p == c) {
					if (p[1] != c)
						break;
					p += 2;
				} else {
					p++;
				}
			}
			if (*p)
				p++;
		} else if (c == '$') {
			/* $tag$ opens a dollar quote; $1 is a parameter. */
			const char *t = p + 1;
			while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == '_' ||
			       (t > p + 1 && *t >= '0' && *t <= '9'))
				t++;
			if (*t != '$') {
				p++;
				continue;
			}
			size_t tl = (size_t)(t - p + 1);
			const char *e = p + tl;
			while (*e && strncmp(e, p, tl) != 0)
				e++;
			p = *e ? e + tl : e;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
			/* An identifier or keyword: a '$' inside it (a$b) is not a quote. */
			const char *s = p;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			       *p == '$' || (*p >= '0' && *p <= '9'))
				p++;
			e_prefix = p - s == 1 && (c == 'E' || c == 'e');
		} else {
			p++;
		}
	}
	return p;
}

/* Only whitespace, semicolons and comments between p and end? */
static int sql_blank(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';' ||
		    *p == '\f') {
			p++;
		} else if (p[0] == '-' && p + 1 < end && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (p[0] == '/' && p + 1 < end && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 1;
			p = e + 2;
		} else {
			return 0;
		}
	}
	return 1;
}

static void query_free_impl(struct pg_query *q)
{
	if (!q)
		return;
	PQclear(q->pending);
	if (q->active) {
		/* Stop a result we will not read: cancel it, then read what is already sent. */
		PGcancel *cn = PQgetCancel(q->conn);
		char buf[256];
		if (cn) {
			PQcancel(cn, buf, sizeof buf);
			PQfreeCancel(cn);
		}
		drain(q->conn);
	}
	for (int c = 0; q->bl && c < q->ncols; c++)
		dn_builder_release(&q->bl[c]);
	dn_free(q->bl);
	dn_free(q->oids);
	dn_schema_release(&q->schema);
	dn_free(q);
}

static enum dn_type oid_type(Oid oid)
{
	switch (oid) {
	case OID_BOOL:
		return DN_BOOL;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DN_INT64;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return DN_FLOAT64;
	case OID_DATE:
		return DN_DATE;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return DN_TIMESTAMP;
	default:
		return DN_STRING;
	}
}

/* The first result of the last statement: its columns, or its end. */
static int first_result(struct pg_query *q, struct dn_error *err)
{
	PGresult *res = PQgetResult(q->conn);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;
	if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
		q->ncols = PQnfields(res);
		q->oids = dn_calloc((size_t)(q->ncols ? q->ncols : 1), sizeof *q->oids);
		q->bl = dn_calloc((size_t)(q->ncols ? q->ncols : 1), sizeof *q->bl);
		if (!q->oids || !q->bl) {
			PQclear(res);
			return dn_error_set(err, DN_ENOMEM, "out of memory for a query");
		}
		for (int c = 0; c < q->ncols; c++) {
			const char *name = PQfname(res, c);
			q->oids[c] = PQftype(res, c);
			enum dn_type t = oid_type(q->oids[c]);
			dn_builder_init(&q->bl[c], t);
			DN_TRY(dn_schema_add(&q->schema, name, strlen(name), t, err));
		}
		q->pending = res;
		return 0;
	}
	if (st == PGRES_COMMAND_OK) {
		q->changes += res_changes(res);
	} else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
		rc = dn_error_set(err, DN_EINVAL,
				  "COPY ... FROM STDIN / TO STDOUT cannot run here; use dunya load "
				  "or dunya sql --out");
	} else if (st != PGRES_EMPTY_QUERY) {
		rc = res_fail(err, q->conn, res, "SQL error");
	}
	PQclear(res);
	drain(q->conn);
	q->active = 0;
	q->done = 1;
	return rc;
}

static int pg_query_open(struct dn_wh_query *wq, const char *sql, int64_t batch_rows,
			 struct dn_error *err)
{
	struct pg_query *q = dn_calloc(1, sizeof *q);
	int rc = 0;
	if (!q)
		return dn_error_set(err, DN_ENOMEM, "out of memory starting a query");
	q->conn = conn_of(wq->wh);
	q->batch_rows = batch_rows;
	dn_schema_init(&q->schema);
	const char *p = sql;
	while (!sql_blank(p, p + strlen(p))) {
		const char *e = stmt_end(p);
		if (sql_blank(p, e)) {
			p = e;
			continue;
		}
		if (sql_blank(e, e + strlen(e))) { /* the last statement: stream its rows */
			char *last = dn_strndup(p, (size_t)(e - p));
			if (!last) {
				rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a query");
				goto fail;
			}
			int ok = PQsendQuery(q->conn, last) == 1;
			dn_free(last);
			if (!ok) {
				rc = res_fail(err, q->conn, NULL, "SQL error");
				goto fail;
			}
			q->active = 1;
			PQsetSingleRowMode(q->conn);
			if ((rc = first_result(q, err)) < 0)
				goto fail;
			break;
		}
		char *one = dn_strndup(p, (size_t)(e - p));
		if (!one) {
			rc = dn_error_set(err, DN_ENOMEM, "out of memory starting a query");
			goto fail;
		}
		PGresult *res = PQexec(q->conn, one);
		dn_free(one);
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
			PQclear(res);
			drain(q->conn);
			rc = dn_error_set(err, DN_EINVAL,
					  "COPY ... FROM STDIN / TO STDOUT cannot run here; use "
					  "dunya load or dunya sql --out");
			goto fail;
		}
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
			rc = res_fail(err, q->conn, res, "SQL error");
			PQclear(res);
			goto fail;
		}
		q->changes += res_changes(res);
		PQclear(res);
		p = e;
	}
	if (!q->active && !q->pending)
		q->done = 1;
	wq->impl = q;
	return 0;
fail:
	query_free_impl(q);
	return rc;
}

/* Append the value at (row, col) of res to builder b. */
static int cell_append(struct pg_query *q, PGresult *res, int r, int c, struct dn_error *err)
{
	struct dn_builder *b = &q->bl[c];
	if (PQgetisnull(res, r, c))
		return dn_builder_append_null(b, err);
	const char *v = PQgetvalue(res, r, c);
	size_t n = (size_t)PQgetlength(res, r, c);
	int64_t i;
	double f;
	switch (b->type) {
	case DN_BOOL:
		return dn_builder_append_bool(b, v[0] == 't', err);
	case DN_INT64:
		if (dn_parse_i64(v, n, &i) < 0)
			break;
		return dn_builder_append_i64(b, i, err);
	case DN_FLOAT64:
		if (dn_parse_f64(v, n, &f) < 0)
			break;
		return dn_builder_append_f64(b, f, err);
	case DN_DATE:
		if (dn_time_parse(v, n, &i) != DN_TIME_DATE)
			break;
		return dn_builder_append_date(b, (int32_t)i, err);
	case DN_TIMESTAMP:
		if (dn_time_parse(v, n, &i) <= 0)
			break;
		return dn_builder_append_ts(b, i, err);
	case DN_STRING:
		return dn_builder_append_str(b, v, n, err);
	}
	return dn_error_set(err, DN_EPARSE,
			    "row %lld, column '%s': '%.*s' is not a %s dunya can hold (infinite "
			    "and BC dates, huge numerics); cast the column to text in the query",
			    (long long)(q->row + b->length + 1), q->schema.fields[c].name,
			    (int)(n > 64 ? 64 : n), v, dn_type_name(b->type));
}

static int pg_query_next(struct dn_wh_query *wq, struct dn_batch **out, struct dn_error *err)
{
	struct pg_query *q = wq->impl;
	if (q->done && !q->pending)
		return 0;
	int64_t n = 0;
	int rc = 0;
	while (n < q->batch_rows) {
		PGresult *res = q->pending;
		q->pending = NULL;
		if (!res && q->active)
			res = PQgetResult(q->conn);
		if (!res) {
			q->active = 0;
			q->done = 1;
			break;
		}
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE) {
			for (int c = 0; c < q->ncols && rc == 0; c++)
				rc = cell_append(q, res, 0, c, err);
			PQclear(res);
			if (rc < 0)
				return rc;
			n++;
			continue;
		}
		if (st == PGRES_TUPLES_OK) { /* the end of the rows */
			PQclear(res);
			drain(q->conn);
			q->active = 0;
			q->done = 1;
			break;
		}
		rc = res_fail(err, q->conn, res,
			      q->row + n ? "SQL error while reading rows" : "SQL error");
		PQclear(res);
		drain(q->conn);
		q->active = 0;
		q->done = 1;
		return rc;
	}
	if (n == 0 && q->emitted)
		return 0;
	struct dn_batch *b = dn_batch_from_builders(&q->schema, q->bl, err);
	if (!b)
		return err && err->code ? err->code : DN_ENOMEM;
	b->first_row = q->row;
	q->row += n;
	q->emitted = 1;
	*out = b;
	return 1;
}

static int64_t pg_query_changes(const struct dn_wh_query *wq)
{
	const struct pg_query *q = wq->impl;
	return q->changes;
}

static void pg_query_free(struct dn_wh_query *wq)
{
	query_free_impl(wq->impl);
	wq->impl = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Scripts */

static int pg_exec(struct dn_wh *wh, const char *sql, int64_t *changes, struct dn_error *err)
{
	PGconn *conn = conn_of(wh);
	int64_t n = 0;
	int rc = 0;
	DN_TRY(pg_run(conn, "BEGIN", "cannot start a transaction", err));
	if (PQsendQuery(conn, sql) != 1) {
		rc = res_fail(err, conn, NULL, "sql");
	} else {
		PGresult *res;
		while ((res = PQgetResult(conn))) {
			ExecStatusType st = PQresultStatus(res);
			if (st == PGRES_COMMAND_OK) {
				n += res_changes(res);
			} else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
				if (rc == 0)
					rc = dn_error_set(
						err, DN_EINVAL,
						"COPY ... FROM STDIN / TO STDOUT cannot run "
						"in a script; use dunya load");
				if (st == PGRES_COPY_IN)
					PQputCopyEnd(conn, "not supported in dunya scripts");
				else {
					char *buf;
					while (PQgetCopyData(conn, &buf, 0) > 0)
						PQfreemem(buf);
				}
			} else if (st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY && rc == 0) {
				rc = res_fail(err, conn, res, "sql");
			}
			PQclear(res);
			if (PQstatus(conn) != CONNECTION_OK)
				break;
		}
	}
	if (rc == 0) {
		PGresult *res = PQexec(conn, "COMMIT");
		if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT"))
			rc = res_fail(err, conn, res, "commit failed");
		PQclear(res);
	}
	if (rc < 0) {
		if (PQstatus(conn) == CONNECTION_OK)
			PQclear(PQexec(conn, "ROLLBACK"));
		return rc;
	}
	if (changes)
		*changes = n;
	return 0;
}

const struct dn_wh_ops dn_wh_postgres_ops = {
	"postgres",    pg_open,          pg_close,       pg_table_exists, pg_create_table,
	pg_load_begin, pg_load_batch,    pg_load_commit, pg_load_abort,   pg_query_open,
	pg_query_next, pg_query_changes, pg_query_free,  pg_exec,
};
