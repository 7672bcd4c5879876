/* The dependency graph of a pipeline: topological order and cycles.
 *
 * The order is Kahn's algorithm with a min-heap of ready tasks, so among tasks that could run
 * next the one written first in the file comes first: the order is stable under edits that do
 * not touch dependencies, which keeps `dunya run` output and tests predictable. O((V + E) log V).
 *
 * When Kahn's algorithm stalls, the tasks left over are on cycles or downstream of one. Tarjan's
 * algorithm (iterative: a 10,000-task chain must not exhaust the C stack) splits them into
 * strongly connected components; every component with more than one task, or with a task that
 * depends on itself, holds at least one cycle. For each, a breadth-first search from its first
 * task (in file order) finds the shortest cycle back to it, which is what the message names:
 * "cycle: a -> b -> c -> a". One message per component keeps two disjoint cycles apart without
 * listing every one of the exponentially many cycles a dense component can hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#define NONE SIZE_MAX

/* Downstream adjacency in compressed form: the edges of v are adj[off[v] .. off[v + 1]). */
struct csr {
	size_t *off, *adj;
};

static int csr_build(const struct dn_task *t, size_t n, struct csr *g)
{
	size_t m = 0;
	for (size_t v = 0; v < n; v++)
		m += t[v].nup;
	g->off = dn_calloc(n + 1, sizeof *g->off);
	g->adj = dn_calloc(m ? m : 1, sizeof *g->adj);
	if (!g->off || !g->adj)
		return DN_ENOMEM;
	for (size_t v = 0; v < n; v++)
		for (size_t k = 0; k < t[v].nup; k++)
			g->off[t[v].up[k] + 1]++;
	for (size_t v = 0; v < n; v++)
		g->off[v + 1] += g->off[v];
	size_t *fill = dn_calloc(n ? n : 1, sizeof *fill);
	if (!fill)
		return DN_ENOMEM;
	for (size_t v = 0; v < n; v++)
		for (size_t k = 0; k < t[v].nup; k++) {
			size_t u = t[v].up[k];
			g->adj[g->off[u] + fill[u]++] = v;
		}
	dn_free(fill);
	return 0;
}

static void csr_release(struct csr *g)
{
	dn_free(g->off);
	dn_free(g->adj);
}

static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;
	h[i] = v;
	while (i > 0 && h[(i - 1) / 2] > h[i]) {
		size_t p = (i - 1) / 2, tmp = h[p];
		h[p] = h[i];
		h[i] = tmp;
		i = p;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0];
	h[0] = h[--(*n)];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t tmp = h[m];
		h[m] = h[i];
		h[i] = tmp;
		i = m;
	}
	return top;
}

/* Find one shortest cycle through s inside component `comp` (comp[v] == c) and report it. */
static int report_cycle(const struct csr *g, size_t n, const size_t *comp, size_t c, size_t s,
			dn_dag_cycle_fn fn, void *user)
{
	size_t *parent = dn_malloc(n * sizeof *parent), *queue = dn_malloc(n * sizeof *queue);
	size_t *path = dn_malloc((n + 1) * sizeof *path);
	int rc = DN_ENOMEM;
	if (!parent || !queue || !path)
		goto out;
	for (size_t v = 0; v < n; v++)
		parent[v] = NONE;
	size_t qh = 0, qt = 0, last = NONE;
	queue[qt++] = s;
	parent[s] = s;
	while (qh < qt && last == NONE) {
		size_t v = queue[qh++];
		for (size_t k = g->off[v]; k < g->off[v + 1]; k++) {
			size_t w = g->adj[k];
			if (comp[w] != c)
				continue;
			if (w == s) {
				last = v;
				break;
			}
			if (parent[w] == NONE) {
				parent[w] = v;
				queue[qt++] = w;
			}
		}
	}
	rc = 0;
	if (last == NONE) /* cannot happen in a strongly connected component */
		goto out;
	size_t len = 0;
	for (size_t v = last;; v = parent[v]) {
		path[len++] = v;
		if (v == s)
			break;
	}
	/* path holds last .. s; reverse it to s .. last, then close the loop. */
	for (size_t i = 0; i < len / 2; i++) {
		size_t tmp = path[i];
		path[i] = path[len - 1 - i];
		path[len - 1 - i] = tmp;
	}
	path[len] = s;
	if (fn)
		fn(user, path, len);
out:
	dn_free(parent);
	dn_free(queue);
	dn_free(path);
	return rc;
}

/* Tarjan's SCC over the vertices with alive[v], iteratively. comp[v] gets the component id,
 * cmin[c] the smallest vertex of component c, csize[c] its size. Returns the number of
 * components. */
static size_t tarjan(const struct csr *g, size_t n, const unsigned char *alive, size_t *comp,
		     size_t *cmin, size_t *csize, size_t *work)
{
	size_t *index = work, *low = work + n, *stack = work + 2 * n, *cs = work + 3 * n;
	size_t *it = work + 4 * n;
	unsigned char *on = (unsigned char *)(work + 5 * n);
	size_t next = 0, sp = 0, csp = 0, ncomp = 0;
	for (size_t v = 0; v < n; v++) {
		index[v] = NONE;
		on[v] = 0;
		comp[v] = NONE;
	}
	for (size_t r = 0; r < n; r++) {
		if (!alive[r] || index[r] != NONE)
			continue;
		cs[csp++] = r;
		index[r] = low[r] = next++;
		it[r] = g->off[r];
		stack[sp++] = r;
		on[r] = 1;
		while (csp) {
			size_t v = cs[csp - 1];
			if (it[v] < g->off[v + 1]) {
				size_t w = g->adj[it[v]++];
				if (!alive[w])
					continue;
				if (index[w] == NONE) {
					index[w] = low[w] = next++;
					it[w] = g->off[w];
					stack[sp++] = w;
					on[w] = 1;
					cs[csp++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			csp--;
			if (csp && low[v] < low[cs[csp - 1]])
				low[cs[csp - 1]] = low[v];
			if (low[v] == index[v]) {
				size_t w, mn = v, sz = 0;
				do {
					w = stack[--sp];
					on[w] = 0;
					comp[w] = ncomp;
					if (w < mn)
						mn = w;
					sz++;
				} while (w != v);
				cmin[ncomp] = mn;
				csize[ncomp] = sz;
				ncomp++;
			}
		}
	}
	return ncomp;
}

static int self_loop(const struct dn_task *t, size_t v)
{
	for (size_t k = 0; k < t[v].nup; k++)
		if (t[v].up[k] == v)
			return 1;
	return 0;
}

int dn_dag_order(const struct dn_task *tasks, size_t n, size_t *order, dn_dag_cycle_fn cycle_fn,
		 void *user)
{
	struct csr g = {NULL, NULL};
	size_t *indeg = NULL, *heap = NULL, *tmp = NULL, *work = NULL;
	unsigned char *alive = NULL;
	size_t done = 0, hn = 0;
	int rc = DN_ENOMEM;
	if (n == 0)
		return 0;
	if (csr_build(tasks, n, &g) < 0)
		goto out;
	indeg = dn_calloc(n, sizeof *indeg);
	heap = dn_calloc(n, sizeof *heap);
	tmp = dn_calloc(n, sizeof *tmp);
	if (!indeg || !heap || !tmp)
		goto out;
	for (size_t v = 0; v < n; v++)
		indeg[v] = tasks[v].nup;
	for (size_t v = 0; v < n; v++)
		if (!indeg[v])
			heap_push(heap, &hn, v);
	while (hn) {
		size_t v = heap_pop(heap, &hn);
		tmp[done++] = v;
		for (size_t k = g.off[v]; k < g.off[v + 1]; k++)
			if (--indeg[g.adj[k]] == 0)
				heap_push(heap, &hn, g.adj[k]);
	}
	if (done == n) {
		memcpy(order, tmp, n * sizeof *order);
		rc = 0;
		goto out;
	}
	/* Cycles: components of the tasks Kahn's algorithm could not place. */
	alive = dn_calloc(n, 1);
	work = dn_calloc(6 * n + 1, sizeof *work);
	if (!alive || !work)
		goto out;
	for (size_t v = 0; v < n; v++)
		alive[v] = 1;
	for (size_t i = 0; i < done; i++)
		alive[tmp[i]] = 0;
	/* Reuse: indeg as comp, heap as cmin, tmp as csize. */
	size_t ncomp = tarjan(&g, n, alive, indeg, heap, tmp, work);
	/* Report components in the file order of their first task. */
	int cycles = 0;
	for (size_t v = 0; v < n; v++) {
		if (!alive[v] || indeg[v] == NONE)
			continue;
		size_t c = indeg[v];
		if (heap[c] != v || (tmp[c] < 2 && !self_loop(tasks, v)))
			continue;
		if (report_cycle(&g, n, indeg, c, v, cycle_fn, user) < 0)
			goto out;
		cycles++;
	}
	(void)ncomp;
	rc = cycles > 0 ? cycles : 1;
out:
	csr_release(&g);
	dn_free(indeg);
	dn_free(heap);
	dn_free(tmp);
	dn_free(work);
	dn_free(alive);
	return rc;
}

int dn_dag_is_upstream(const struct dn_task *tasks, size_t n, size_t anc, size_t t)
{
	if (anc >= n || t >= n)
		return 0;
	unsigned char *seen = dn_calloc(n, 1);
	size_t *stack = dn_malloc(n * sizeof *stack);
	size_t sp = 0;
	int found = 0;
	if (!seen || !stack) {
		dn_free(seen);
		dn_free(stack);
		return -1;
	}
	stack[sp++] = t;
	seen[t] = 1;
	while (sp && !found) {
		size_t v = stack[--sp];
		for (size_t k = 0; k < tasks[v].nup; k++) {
			size_t u = tasks[v].up[k];
			if (u == anc) {
				found = 1;
				break;
			}
			if (!seen[u]) {
				seen[u] = 1;
				stack[sp++] = u;
			}
		}
	}
	dn_free(seen);
	dn_free(stack);
	return found;
}
