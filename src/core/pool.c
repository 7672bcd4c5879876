/* Thread pool: a fixed set of workers taking jobs from one FIFO queue.
 *
 * One mutex guards a linked list of jobs; workers sleep on one condition variable and waiters
 * (dn_pool_wait) on another. A single lock is the simple and right choice for the jobs dunya runs
 * (a batch to parse, a file to write: micro- to milliseconds each); with jobs that short the
 * lock would be the bottleneck, and such work should be batched instead of made lock-free.
 * Each job node is one dn_malloc, so a failed submit is a clean DN_ENOMEM and the job never runs.
 * Jobs may submit further jobs; a job must not call dn_pool_wait or dn_pool_free on its own pool
 * (it would wait for itself). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define POOL_MAX_THREADS 1024

struct pool_job {
	struct pool_job *next;
	dn_job_fn fn;
	void *user;
};

struct dn_pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or stop was set */
	pthread_cond_t idle; /* the queue is empty and no job is running */
	struct pool_job *head, *tail;
	int active; /* jobs running now */
	int stop;
	int nthreads;
	pthread_t threads[];
};

int dn_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n;
}

static void *pool_worker(void *arg)
{
	struct dn_pool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		struct pool_job *j = p->head;
		if (!j)
			break; /* stop, and nothing left to run */
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->active++;
		pthread_mutex_unlock(&p->lock);
		j->fn(j->user);
		dn_free(j);
		pthread_mutex_lock(&p->lock);
		p->active--;
		if (!p->head && !p->active)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int dn_pool_new(struct dn_pool **out, int threads, struct dn_error *err)
{
	*out = NULL;
	if (threads <= 0)
		threads = dn_cpu_count();
	if (threads > POOL_MAX_THREADS)
		return dn_error_set(err, DN_EINVAL, "a pool of %d threads is too many (at most %d)",
				    threads, POOL_MAX_THREADS);
	struct dn_pool *p = dn_calloc(1, sizeof *p + (size_t)threads * sizeof(pthread_t));
	if (!p)
		return dn_error_set(err, DN_ENOMEM, "out of memory creating a thread pool");
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (int i = 0; i < threads; i++) {
		int rc = pthread_create(&p->threads[i], NULL, pool_worker, p);
		if (rc != 0) {
			char eb[128];
			dn_error_set(err, rc == EAGAIN ? DN_ELIMIT : DN_EINTERNAL,
				     "cannot start thread %d of %d for the pool: %s", i + 1,
				     threads, strerror_r(rc, eb, sizeof eb));
			p->nthreads = i;
			dn_pool_free(p);
			return err ? err->code : (rc == EAGAIN ? DN_ELIMIT : DN_EINTERNAL);
		}
	}
	p->nthreads = threads;
	*out = p;
	return 0;
}

int dn_pool_submit(struct dn_pool *p, dn_job_fn fn, void *user, struct dn_error *err)
{
	struct pool_job *j = dn_malloc(sizeof *j);
	if (!j)
		return dn_error_set(err, DN_ENOMEM, "out of memory queueing a job");
	j->next = NULL;
	j->fn = fn;
	j->user = user;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void dn_pool_wait(struct dn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	while (p->head || p->active)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void dn_pool_free(struct dn_pool *p)
{
	if (!p)
		return;
	dn_pool_wait(p);
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	dn_free(p);
}
