/* A lake write fed with pages of JSON records by an extract.api task. The pages are parsed and
 * written on a thread of their own, so that page N turns into rows while page N+1 downloads:
 * the extraction then runs at the server's pace as long as the parsing keeps up, and only the
 * last page and the commit come after the last response.
 *
 * Each page (its records as NDJSON) is read by the JSON reader on its own (flattened, typed),
 * and the lake write widens and unions the pages' columns (dn_lake_write_batch), so a column
 * that only appears on page 40, or holds floats from page 3 on, is handled as reading all
 * records at once would. The queue holds a few pages, so memory is bounded by the page size,
 * not by the extraction's size. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "xtask.h"

#define SINK_QUEUE 4

struct sink_page {
	char *data;
	size_t len;
	int64_t page;
};

struct dn_pagesink {
	struct dn_lake_writer *w;
	char name[200];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	struct sink_page q[SINK_QUEUE];
	int head, count;
	int closing; /* no more pages */
	int failed;  /* the thread stopped on err */
	struct dn_error err;
	int64_t rows;
};

/* Parse one page and write its batches. */
static int sink_page(struct dn_pagesink *s, const struct sink_page *p, struct dn_error *err)
{
	struct dn_read_options ro;
	struct dn_reader *rd = NULL;
	struct dn_batch *b;
	char name[256];
	int rc;
	dn_read_options_init(&ro);
	snprintf(name, sizeof name, "%s, page %lld", s->name, (long long)p->page);
	DN_TRY(dn_reader_open_mem(&rd, name, p->data, p->len, DN_FORMAT_NDJSON, &ro, err));
	while ((rc = dn_reader_next(rd, &b, err)) > 0) {
		rc = dn_lake_write_batch(s->w, b, err);
		s->rows += b->nrows;
		dn_batch_free(b);
		if (rc < 0)
			break;
	}
	dn_reader_free(rd);
	if (rc < 0 && err && err->line > 0) {
		/* Lines of a page's NDJSON are its records: say so, in the task's terms (the
		 * reader's hint about --bad-rows is for files). */
		char msg[DN_ERROR_MSG_MAX];
		char *hint = strstr(err->msg, " (--bad-rows");
		if (hint)
			*hint = 0;
		snprintf(msg, sizeof msg, "page %lld, record %lld, column %lld: %.600s",
			 (long long)p->page, (long long)err->line, (long long)err->column,
			 err->msg);
		dn_error_set(err, rc, "%.150s: %.800s", s->name, msg);
	}
	return rc < 0 ? rc : 0;
}

static void *sink_main(void *arg)
{
	struct dn_pagesink *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->count == 0 && !s->closing)
			pthread_cond_wait(&s->can_take, &s->mu);
		if (s->count == 0)
			break;
		struct sink_page p = s->q[s->head];
		pthread_mutex_unlock(&s->mu);
		struct dn_error e;
		dn_error_clear(&e);
		int rc = s->failed ? 0 : sink_page(s, &p, &e);
		dn_free(p.data);
		pthread_mutex_lock(&s->mu);
		if (rc < 0 && !s->failed) {
			s->failed = 1;
			s->err = e;
		}
		s->head = (s->head + 1) % SINK_QUEUE;
		s->count--;
		pthread_cond_signal(&s->can_put);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int dn_pagesink_start(struct dn_pagesink **out, struct dn_lake *lk, const char *dataset,
		      const struct dn_lake_write_options *wo, const char *name,
		      struct dn_error *err)
{
	*out = NULL;
	struct dn_pagesink *s = dn_calloc(1, sizeof *s);
	if (!s)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	snprintf(s->name, sizeof s->name, "%s", name);
	/* Row groups of 64K rows are encoded while pages still arrive: the commit after the last
	 * page then has one small group left to encode, not the whole extraction. */
	struct dn_lake_write_options o = *wo;
	if (!o.row_group_rows)
		o.row_group_rows = 65536;
	int rc = dn_lake_write_begin(lk, &s->w, dataset, &o, err);
	if (rc < 0) {
		dn_free(s);
		return rc;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->can_put, NULL);
	pthread_cond_init(&s->can_take, NULL);
	if (pthread_create(&s->thread, NULL, sink_main, s) != 0) {
		dn_lake_write_abort(s->w);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->can_put);
		pthread_cond_destroy(&s->can_take);
		dn_free(s);
		return dn_error_set(err, DN_EIO, "cannot start a thread to parse the pages");
	}
	*out = s;
	return 0;
}

int dn_pagesink_put(struct dn_pagesink *s, struct dn_buf *ndjson, int64_t page,
		    struct dn_error *err)
{
	size_t len = 0;
	char *copy = dn_buf_take(ndjson, &len);
	if (!copy)
		return dn_error_set(err, DN_ENOMEM, "out of memory");
	pthread_mutex_lock(&s->mu);
	while (s->count == SINK_QUEUE && !s->failed)
		pthread_cond_wait(&s->can_put, &s->mu);
	if (s->failed) {
		if (err)
			*err = s->err;
		int code = s->err.code ? s->err.code : DN_EIO;
		pthread_mutex_unlock(&s->mu);
		dn_free(copy);
		return code;
	}
	struct sink_page *p = &s->q[(s->head + s->count) % SINK_QUEUE];
	p->data = copy;
	p->len = len;
	p->page = page;
	s->count++;
	pthread_cond_signal(&s->can_take);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int dn_pagesink_finish(struct dn_pagesink *s, int commit, struct dn_lake_version *v, int64_t *rows,
		       struct dn_error *err)
{
	int rc = 0;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	if (!commit)
		s->failed = 1; /* the pages still queued are dropped, not parsed */
	pthread_cond_signal(&s->can_take);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (commit && s->failed) {
		if (err)
			*err = s->err;
		rc = s->err.code ? s->err.code : DN_EIO;
	}
	if (rows)
		*rows = s->rows;
	if (commit && rc == 0)
		rc = dn_lake_write_commit(s->w, v, err);
	else
		dn_lake_write_abort(s->w);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->can_put);
	pthread_cond_destroy(&s->can_take);
	dn_free(s);
	return rc;
}
