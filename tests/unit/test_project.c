/* Tests of projects and pipeline files (src/pipeline/pipeline.h): the YAML document
 * model and its positions; .env parsing and ${VAR} resolution (environment first, then .env,
 * defaults); connection URLs, their redaction, and the rule that a password never appears in a
 * message; the dependency graph (order, self-loops, cycles, disjoint cycles, a 10,000-task chain);
 * project discovery and `dunya init`'s layout; and every message `dunya validate` gives, with its
 * exact file:line:column. Most cases parse a pipeline from a string and compare the full list of
 * problems, so a test shows exactly what a user would read. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/pipeline/pipeline.h"
#include "../test.h"

/* ---- helpers ---- */

/* The problems, sorted, one formatted line each, joined by newlines. */
static const char *problems_text(struct dn_problems *p)
{
	static char out[16384];
	size_t len = 0;
	out[0] = 0;
	dn_problems_sort(p);
	for (size_t i = 0; i < p->n && len < sizeof out; i++) {
		char line[1200];
		dn_problem_format(&p->v[i], line, sizeof line);
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "\n" : "", line);
	}
	return out;
}

/* Parse a pipeline on its own (no project) and return its problems as text. */
static const char *pipeline_problems(const char *text)
{
	struct dn_problems p;
	struct dn_pipeline *pl = NULL;
	struct dn_error e;
	dn_problems_init(&p);
	dn_error_clear(&e);
	if (dn_pipeline_parse(&pl, NULL, "p.yaml", text, strlen(text), &p, &e) < 0) {
		dn_problems_release(&p);
		return "pipeline_parse failed";
	}
	const char *s = problems_text(&p);
	dn_pipeline_free(pl);
	dn_problems_release(&p);
	return s;
}

static void mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0777);
			*p = '/';
		}
	mkdir(buf, 0777);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

/* Make a project under the temporary folder: dunya.yaml, optional .env, optional pipeline
 * files given as name, text pairs (NULL-terminated). Returns its root. */
static const char *make_project(const char *name, const char *config, const char *env, ...)
{
	static char root[1024];
	char path[1200];
	va_list ap;
	snprintf(root, sizeof root, "%s", dn_test_tmp_path(name));
	snprintf(path, sizeof path, "%s/pipelines", root);
	mkdirs(path);
	snprintf(path, sizeof path, "%s/dunya.yaml", root);
	write_file(path, config);
	if (env) {
		snprintf(path, sizeof path, "%s/.env", root);
		write_file(path, env);
	}
	va_start(ap, env);
	const char *f;
	while ((f = va_arg(ap, const char *)) != NULL) {
		const char *text = va_arg(ap, const char *);
		snprintf(path, sizeof path, "%s/pipelines/%s", root, f);
		write_file(path, text);
	}
	va_end(ap);
	return root;
}

/* Load a project and return its problems as text ("" when none). */
static const char *project_problems(const char *root, struct dn_project **keep)
{
	struct dn_problems p;
	struct dn_project *pr = NULL;
	struct dn_error e;
	dn_problems_init(&p);
	dn_error_clear(&e);
	if (dn_project_load(&pr, root, &p, &e) < 0) {
		static char msg[DN_ERROR_MSG_MAX + 32];
		snprintf(msg, sizeof msg, "load failed: %s", e.msg);
		dn_problems_release(&p);
		return msg;
	}
	const char *s = problems_text(&p);
	dn_problems_release(&p);
	if (keep)
		*keep = pr;
	else
		dn_project_free(pr);
	return s;
}

/* ---- yaml ---- */

DN_TEST(yaml_positions)
{
	const char *t = "id: x\n"
			"tasks:\n"
			"  - id: a\n"
			"    params: {command: \"echo\", n: 3}\n"
			"  - [1, 2]\n";
	struct dn_yaml_doc d;
	struct dn_error e;
	CHECK_OK(dn_yaml_parse(&d, "f.yaml", t, strlen(t), &e), &e);
	const struct dn_yaml_node *k, *r = d.root;
	CHECK(r && r->kind == DN_YAML_MAP && r->len == 2);
	const struct dn_yaml_node *tasks = dn_yaml_get(r, "tasks", &k);
	CHECK_INT(k->line, 2);
	CHECK_INT(k->column, 1);
	CHECK(tasks->kind == DN_YAML_SEQ && tasks->len == 2);
	CHECK_INT(tasks->line, 3);
	CHECK_INT(tasks->column, 3);
	const struct dn_yaml_node *a = tasks->items[0];
	CHECK_INT(a->line, 3);
	CHECK_INT(a->column, 5);
	const struct dn_yaml_node *params = dn_yaml_get(a, "params", NULL);
	CHECK_INT(params->column, 13);
	const struct dn_yaml_node *cmd = dn_yaml_get(params, "command", NULL);
	CHECK_STR(cmd->str, "echo");
	CHECK_INT(cmd->style, DN_YAML_QUOTED);
	CHECK_INT(cmd->line, 4);
	CHECK_INT(cmd->column, 23);
	int64_t n;
	CHECK_OK(dn_yaml_i64(dn_yaml_get(params, "n", NULL), &n), &e);
	CHECK_INT(n, 3);
	CHECK_INT(tasks->items[1]->items[1]->column, 9);
	CHECK(dn_yaml_get(r, "nope", NULL) == NULL);
	dn_yaml_doc_release(&d);
}

DN_TEST(yaml_syntax_errors)
{
	struct {
		const char *text, *msg;
	} cases[] = {
		{"a: 1\n b: 2\n",
		 "f.yaml:2:3: YAML syntax error: mapping values are not allowed in "
		 "this context"},
		{"a: [1, 2\n", "f.yaml:2:1: YAML syntax error: did not find expected ',' or ']' "
			       "while parsing a flow sequence"},
		{"a: &x 1\nb: *x\n",
		 "f.yaml:2:4: YAML aliases (*name) are not supported; write the "
		 "value out, or use the pipeline's defaults"},
		{"a: 1\n---\nb: 2\n", "f.yaml:2:1: a second YAML document in one file; keep one "
				      "document per file"},
		{"? [a]\n: 1\n", "f.yaml:1:3: mapping keys must be plain text, not a list"},
		{"a: \"x\n", "f.yaml:2:1: YAML syntax error: found unexpected end of stream while "
			     "scanning a quoted scalar"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dn_yaml_doc d;
		struct dn_error e;
		char buf[1200];
		dn_error_clear(&e);
		CHECK(dn_yaml_parse(&d, "f.yaml", cases[i].text, strlen(cases[i].text), &e) < 0);
		CHECK_STR(dn_error_format(&e, buf, sizeof buf), cases[i].msg);
		CHECK(d.root == NULL);
		dn_yaml_doc_release(&d);
	}
}

DN_TEST(yaml_limits)
{
	struct dn_buf b = DN_BUF_INIT;
	for (int i = 0; i < DN_YAML_MAX_DEPTH + 1; i++)
		dn_buf_putc(&b, '[', NULL);
	struct dn_yaml_doc d;
	struct dn_error e;
	CHECK_INT(dn_yaml_parse(&d, "deep.yaml", b.data, b.len, &e), DN_ELIMIT);
	CHECK(strstr(e.msg, "more than 64 levels of nesting") != NULL);
	dn_yaml_doc_release(&d);
	dn_buf_release(&b);
	/* Empty documents are fine and have no root. */
	CHECK_OK(dn_yaml_parse(&d, "e.yaml", "", 0, &e), &e);
	CHECK(d.root == NULL);
	dn_yaml_doc_release(&d);
}

DN_TEST(yaml_scalars)
{
	const char *t = "a: ~\nb:\nc: null\nd: 'null'\ne: Yes\nf: off\ng: -12\nh: +3\ni: 1.5\n";
	struct dn_yaml_doc d;
	struct dn_error e;
	int v;
	int64_t n;
	CHECK_OK(dn_yaml_parse(&d, "s.yaml", t, strlen(t), &e), &e);
	CHECK(dn_yaml_is_null(dn_yaml_get(d.root, "a", NULL)));
	CHECK(dn_yaml_is_null(dn_yaml_get(d.root, "b", NULL)));
	CHECK(dn_yaml_is_null(dn_yaml_get(d.root, "c", NULL)));
	CHECK(!dn_yaml_is_null(dn_yaml_get(d.root, "d", NULL)));
	CHECK(dn_yaml_bool(dn_yaml_get(d.root, "e", NULL), &v) == 0 && v == 1);
	CHECK(dn_yaml_bool(dn_yaml_get(d.root, "f", NULL), &v) == 0 && v == 0);
	CHECK(dn_yaml_bool(dn_yaml_get(d.root, "g", NULL), &v) < 0);
	CHECK(dn_yaml_i64(dn_yaml_get(d.root, "g", NULL), &n) == 0 && n == -12);
	CHECK(dn_yaml_i64(dn_yaml_get(d.root, "h", NULL), &n) < 0);
	CHECK(dn_yaml_i64(dn_yaml_get(d.root, "i", NULL), &n) < 0);
	dn_yaml_doc_release(&d);
}

/* ---- env ---- */

DN_TEST(env_parse_dotenv)
{
	const char *t = "# comment\n"
			"\n"
			"A=1\n"
			"export B = two words  # a comment\n"
			"C='single $X # kept'\n"
			"D=\"dq \\\"q\\\" \\n end\"\n"
			"E=\n"
			"A=later\n"
			"F=\"multi\n"
			"line\"\n"
			"G=x#not-a-comment\r\n";
	struct dn_env env;
	struct dn_problems p;
	struct dn_error e;
	dn_env_init(&env);
	dn_problems_init(&p);
	CHECK_OK(dn_env_parse(&env, ".env", t, strlen(t), &p, &e), &e);
	CHECK_STR(problems_text(&p), "");
	CHECK_INT(env.n, 7);
	CHECK_STR(dn_env_get(&env, "A"), "later");
	CHECK_STR(dn_env_get(&env, "B"), "two words");
	CHECK_STR(dn_env_get(&env, "C"), "single $X # kept");
	CHECK_STR(dn_env_get(&env, "D"), "dq \"q\" \n end");
	CHECK_STR(dn_env_get(&env, "E"), "");
	CHECK_STR(dn_env_get(&env, "F"), "multi\nline");
	CHECK_STR(dn_env_get(&env, "G"), "x#not-a-comment");
	CHECK(dn_env_get(&env, "DUNYA_TEST_NOT_SET_ANYWHERE") == NULL);
	dn_env_release(&env);
	dn_problems_release(&p);
}

DN_TEST(env_parse_errors)
{
	const char *t = "GOOD=1\n"
			"1BAD=secretvalue1\n"
			"NOEQ secretvalue2\n"
			"Q='secretvalue3' trailing\n"
			"LAST=ok\n"
			"OPEN=\"secretvalue4\n";
	struct dn_env env;
	struct dn_problems p;
	struct dn_error e;
	dn_env_init(&env);
	dn_problems_init(&p);
	CHECK_OK(dn_env_parse(&env, ".env", t, strlen(t), &p, &e), &e);
	const char *s = problems_text(&p);
	CHECK_STR(s, ".env:2:1: expected NAME=VALUE (a name is letters, digits and _, not "
		     "starting with a digit)\n"
		     ".env:3:6: expected '=' after NOEQ\n"
		     ".env:4:18: unexpected text after the closing quote of Q\n"
		     ".env:6:6: the quoted value of OPEN is not closed");
	CHECK(strstr(s, "secretvalue") == NULL);
	CHECK_STR(dn_env_get(&env, "GOOD"), "1");
	CHECK_STR(dn_env_get(&env, "LAST"), "ok");
	dn_env_release(&env);
	dn_problems_release(&p);
}

static const char *expand(const struct dn_env *env, const char *s)
{
	static char out[2048];
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error e;
	dn_error_clear(&e);
	if (dn_env_expand(env, s, &b, NULL, &e) < 0)
		snprintf(out, sizeof out, "error at %lld: %s", (long long)e.column, e.msg);
	else
		snprintf(out, sizeof out, "%s", b.data ? b.data : "");
	dn_buf_release(&b);
	return out;
}

DN_TEST(env_resolution_order)
{
	const char *t = "DN_T_BOTH=from-dotenv\nDN_T_FILE=file\nDN_T_EMPTY=\n";
	struct dn_env env;
	struct dn_error e;
	dn_env_init(&env);
	CHECK_OK(dn_env_parse(&env, ".env", t, strlen(t), NULL, &e), &e);
	setenv("DN_T_BOTH", "from-process", 1);
	unsetenv("DN_T_UNSET");
	CHECK_STR(expand(&env, "${DN_T_BOTH}"), "from-process");
	CHECK_STR(expand(&env, "a ${DN_T_FILE} b"), "a file b");
	CHECK_STR(expand(&env, "${DN_T_UNSET:-dflt}"), "dflt");
	CHECK_STR(expand(&env, "${DN_T_UNSET:-}"), "");
	CHECK_STR(expand(&env, "${DN_T_EMPTY:-used when empty}"), "used when empty");
	CHECK_STR(expand(&env, "${DN_T_EMPTY}"), "");
	CHECK_STR(expand(&env, "${DN_T_FILE:-x}"), "file");
	CHECK_STR(expand(&env, "$${DN_T_FILE} $HOME $ $"), "${DN_T_FILE} $HOME $ $");
	CHECK_STR(expand(&env, "${DN_T_UNSET}"),
		  "error at 1: undefined variable ${DN_T_UNSET}: set it in the environment or "
		  ".env, or give a default: ${DN_T_UNSET:-default}");
	CHECK_STR(expand(&env, "ab${DN_T_FILE"),
		  "error at 3: unterminated ${: add the closing '}' (or write $${ for a literal "
		  "${)");
	CHECK_STR(expand(&env, "x ${1A}"),
		  "error at 3: bad variable reference: write ${NAME} or ${NAME:-default} (NAME is "
		  "letters, digits and _)");
	unsetenv("DN_T_BOTH");
	CHECK_STR(expand(&env, "${DN_T_BOTH}"), "from-dotenv");
	dn_env_release(&env);
}

DN_TEST(env_undefined_positions)
{
	unsetenv("DN_T_NOPE");
	const char *s = pipeline_problems("id: p\n"
					  "description: plain ${DN_T_NOPE}\n"
					  "tags: [\"q ${DN_T_NOPE}\"]\n"
					  "tasks:\n"
					  "  - id: a\n"
					  "    type: shell\n"
					  "    params:\n"
					  "      command: |\n"
					  "        echo one\n"
					  "        echo ${HOME:-x} ${DN_T_NOPE}\n");
	CHECK_STR(s, "p.yaml:2:20: undefined variable ${DN_T_NOPE}: set it in the environment or "
		     ".env, or give a default: ${DN_T_NOPE:-default}\n"
		     "p.yaml:3:11: undefined variable ${DN_T_NOPE}: set it in the environment or "
		     ".env, or give a default: ${DN_T_NOPE:-default}\n"
		     "p.yaml:10:25: undefined variable ${DN_T_NOPE}: set it in the environment or "
		     ".env, or give a default: ${DN_T_NOPE:-default}");
}

/* ---- url ---- */

DN_TEST(url_parse_parts)
{
	struct dn_url u;
	struct dn_error e;
	CHECK_OK(dn_url_parse(&u,
			      "PostgreSQL://app%40x:p%3Ass%2Fw@db.example.com:6543/sales"
			      "?sslmode=require#frag",
			      &e),
		 &e);
	CHECK_STR(u.scheme, "postgresql");
	CHECK_STR(u.user, "app@x");
	CHECK_STR(u.password, "p:ss/w");
	CHECK(u.has_password);
	CHECK_STR(u.host, "db.example.com");
	CHECK_INT(u.port, 6543);
	CHECK_STR(u.path, "/sales");
	CHECK_STR(u.query, "sslmode=require");
	CHECK_STR(u.fragment, "frag");
	dn_url_release(&u);

	CHECK_OK(dn_url_parse(&u, "sqlite:///var/data/w.db", &e), &e);
	CHECK_STR(u.path, "/var/data/w.db");
	CHECK_STR(u.host, "");
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "sqlite://warehouse.db", &e), &e);
	CHECK_STR(u.path, "warehouse.db");
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "file://lake", &e), &e);
	CHECK_STR(u.path, "lake");
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "s3://bucket/raw/2024", &e), &e);
	CHECK_STR(u.host, "bucket");
	CHECK_STR(u.path, "/raw/2024");
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "redis://:pw@[::1]:6380/0", &e), &e);
	CHECK_STR(u.user, "");
	CHECK_STR(u.password, "pw");
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.port, 6380);
	CHECK_STR(u.path, "/0");
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "https://api.example.com", &e), &e);
	CHECK_INT(u.port, 0);
	CHECK_INT(dn_url_default_port(u.scheme), 443);
	CHECK(!u.has_password);
	dn_url_release(&u);
	CHECK_OK(dn_url_parse(&u, "postgres:///db", &e), &e); /* unix socket */
	CHECK_STR(u.host, "");
	dn_url_release(&u);
}

static const char *url_error(const char *text)
{
	static char out[1024];
	struct dn_url u;
	struct dn_error e;
	dn_error_clear(&e);
	if (dn_url_parse(&u, text, &e) < 0)
		snprintf(out, sizeof out, "%s", e.msg);
	else
		snprintf(out, sizeof out, "ok");
	dn_url_release(&u);
	return out;
}

DN_TEST(url_errors)
{
	CHECK_STR(url_error("postgress://u@h/db"),
		  "unknown scheme 'postgress' (did you mean 'postgres'?)");
	CHECK_STR(url_error("mysql://u@h/db"),
		  "unknown scheme 'mysql' (known: sqlite, postgres, postgresql, file, http, "
		  "https, ftp, sftp, s3, redis)");
	CHECK_STR(url_error("localhost:5432"),
		  "not a URL: write scheme://..., e.g. postgres://user:${PG_PASSWORD}@host:5432/db "
		  "or sqlite:///path/to.db");
	CHECK_STR(url_error("http://h:99999/"),
		  "the port of a http URL is not a number from 1 to 65535 (if the password holds "
		  "@ : / ? or #, percent-encode them: %40 %3A %2F %3F %23)");
	CHECK_STR(url_error("sqlite://"), "a sqlite URL needs a path: sqlite:///absolute/path or "
					  "sqlite://path/relative/to/the/project");
	CHECK_STR(url_error("s3:///prefix"), "a s3 URL needs a bucket: s3://bucket/prefix");
	CHECK_STR(url_error("ftp://u:p%zz@h/"),
		  "bad %-escape in the user or password of a ftp URL (write %XX with two hex "
		  "digits, e.g. %40 for @)");
	CHECK_STR(url_error("http://[::1/x"),
		  "the host of a http URL starts with '[' but has no ']' (IPv6 addresses are "
		  "written [::1])");
}

DN_TEST(url_password_never_in_errors)
{
	/* Passwords with reserved characters that were not percent-encoded make every split
	 * after them wrong; whatever the parser then complains about, the message must not
	 * hold any part of the password. */
	const char *bad[] = {
		"postgres://app:S3cr3tPW@x:99@db:5432/app",
		"postgres://app:S3cr3tPW/x@db:5432/app",
		"postgres://app:S3cr3tPW@[db:5432/app",
		"postgres://app:S3cr3tPW%zz@db/app",
		"postgres://app:S3cr3tPW@db:S3cr3tPW/app",
		"redis://:S3cr3tPW@db:notaport",
		"https://app:S3cr3tPW@ho st/",
		"postgress://app:S3cr3tPW@db/app",
		"ftp://app:S3cr3tPW@:21/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *m = url_error(bad[i]);
		if (strcmp(m, "ok") == 0)
			continue;
		if (strstr(m, "S3cr3t") || strstr(m, "3cr3") || strstr(m, "PW")) {
			dn_test_fail(dn_t_, __FILE__, __LINE__, "password in error for %s: %s",
				     bad[i], m);
			return;
		}
	}
}

static const char *redacted(const char *text)
{
	static char out[1024];
	struct dn_url u;
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error e;
	if (dn_url_parse(&u, text, &e) < 0 || dn_url_redacted(&u, &b, &e) < 0)
		snprintf(out, sizeof out, "error: %s", e.msg);
	else
		snprintf(out, sizeof out, "%s", b.data);
	dn_url_release(&u);
	dn_buf_release(&b);
	return out;
}

DN_TEST(url_redacted)
{
	CHECK_STR(redacted("postgres://app:hunter2@db:5432/sales?sslmode=require"),
		  "postgres://app:***@db:5432/sales?sslmode=require");
	CHECK_STR(redacted("postgres://app%40corp:p%40ss@db/sales"),
		  "postgres://app%40corp:***@db/sales");
	CHECK_STR(redacted("redis://:pw@[::1]:6380/0"), "redis://:***@[::1]:6380/0");
	CHECK_STR(redacted("https://api.example.com/v1?access_token=abc&x=1&APIKEY=zz"),
		  "https://api.example.com/v1?access_token=***&x=1&APIKEY=***");
	CHECK_STR(redacted("sqlite:///var/w.db"), "sqlite:///var/w.db");
	CHECK_STR(redacted("s3://bucket/p?secret_key=k"), "s3://bucket/p?secret_key=***");
	CHECK_STR(redacted("ftp://user@host/x"), "ftp://user@host/x");
}

/* ---- dag ---- */

struct graph {
	struct dn_task t[16];
	size_t up[16][4];
	size_t n;
	char cycles[512];
};

/* Build a graph from "a<-b" style edges: edges[i] = {task, upstream}. */
static void graph_init(struct graph *g, size_t n, const int (*edges)[2], size_t nedges)
{
	memset(g, 0, sizeof *g);
	g->n = n;
	static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	for (size_t i = 0; i < n; i++) {
		g->t[i].id = names[i];
		g->t[i].up = g->up[i];
	}
	for (size_t k = 0; k < nedges; k++) {
		struct dn_task *t = &g->t[edges[k][0]];
		t->up[t->nup++] = (size_t)edges[k][1];
	}
}

static void on_cycle(void *user, const size_t *path, size_t len)
{
	struct graph *g = user;
	size_t l = strlen(g->cycles);
	if (l)
		l += (size_t)snprintf(g->cycles + l, sizeof g->cycles - l, "; ");
	for (size_t i = 0; i <= len; i++)
		l += (size_t)snprintf(g->cycles + l, sizeof g->cycles - l, "%s%s", i ? "->" : "",
				      g->t[path[i]].id);
}

static const char *order_text(struct graph *g)
{
	static char out[1024];
	size_t order[16], l = 0;
	int rc = dn_dag_order(g->t, g->n, order, on_cycle, g);
	if (rc != 0) {
		snprintf(out, sizeof out, "%d cycles: %s", rc, g->cycles);
		return out;
	}
	out[0] = 0;
	for (size_t i = 0; i < g->n; i++)
		l += (size_t)snprintf(out + l, sizeof out - l, "%s", g->t[order[i]].id);
	return out;
}

DN_TEST(dag_topological_order)
{
	struct graph g;
	/* d depends on a and c; b on d; c on nothing; e on b. Ties go to file order. */
	static const int e1[][2] = {{3, 0}, {3, 2}, {1, 3}, {4, 1}};
	graph_init(&g, 5, e1, 4);
	CHECK_STR(order_text(&g), "acdbe");
	/* A diamond written bottom-up. */
	static const int e2[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
	graph_init(&g, 4, e2, 4);
	CHECK_STR(order_text(&g), "dbca");
	graph_init(&g, 3, NULL, 0);
	CHECK_STR(order_text(&g), "abc");
	CHECK_INT(dn_dag_order(g.t, 0, NULL, NULL, NULL), 0);
}

DN_TEST(dag_cycles)
{
	struct graph g;
	static const int self[][2] = {{1, 0}, {1, 1}};
	graph_init(&g, 2, self, 2);
	CHECK_STR(order_text(&g), "1 cycles: b->b");
	/* a <- c, b <- a, c <- b: runs a -> b -> c -> a. */
	static const int three[][2] = {{0, 2}, {1, 0}, {2, 1}, {3, 2}};
	graph_init(&g, 4, three, 4);
	CHECK_STR(order_text(&g), "1 cycles: a->b->c->a");
	/* Two disjoint cycles (a, b) and (d, e, c), with f fine and g downstream of one. */
	static const int two[][2] = {{0, 1}, {1, 0}, {2, 4}, {3, 2}, {4, 3}, {6, 3}};
	graph_init(&g, 7, two, 6);
	CHECK_STR(order_text(&g), "2 cycles: a->b->a; c->d->e->c");
	/* One component with two cycles through a: the shortest is named. */
	static const int dense[][2] = {{1, 0}, {2, 1}, {0, 2}, {0, 1}};
	graph_init(&g, 3, dense, 4);
	CHECK_STR(order_text(&g), "1 cycles: a->b->a");
}

DN_TEST(dag_upstream_and_long_chain)
{
	struct graph g;
	static const int e[][2] = {{1, 0}, {2, 1}, {3, 0}};
	graph_init(&g, 4, e, 3);
	CHECK_INT(dn_dag_is_upstream(g.t, 4, 0, 2), 1);
	CHECK_INT(dn_dag_is_upstream(g.t, 4, 1, 2), 1);
	CHECK_INT(dn_dag_is_upstream(g.t, 4, 2, 0), 0);
	CHECK_INT(dn_dag_is_upstream(g.t, 4, 3, 2), 0);
	CHECK_INT(dn_dag_is_upstream(g.t, 4, 2, 2), 0);
	/* 10,000 tasks in a chain, and the same closed into one big cycle: no recursion. */
	size_t n = 10000;
	struct dn_task *t = dn_calloc(n, sizeof *t);
	size_t *ups = dn_calloc(n, sizeof *ups), *order = dn_calloc(n, sizeof *order);
	CHECK(t && ups && order);
	for (size_t i = 0; i < n; i++) {
		t[i].id = "t";
		t[i].up = &ups[i];
		if (i) {
			ups[i] = i - 1;
			t[i].nup = 1;
		}
	}
	int rc = dn_dag_order(t, n, order, NULL, NULL);
	int ok = rc == 0 && order[0] == 0 && order[n - 1] == n - 1;
	CHECK_INT(dn_dag_is_upstream(t, n, 0, n - 1), 1);
	ups[0] = n - 1;
	t[0].nup = 1;
	int rc2 = dn_dag_order(t, n, order, NULL, NULL);
	dn_free(t);
	dn_free(ups);
	dn_free(order);
	CHECK(ok);
	CHECK_INT(rc2, 1);
}

/* ---- project: pieces ---- */

DN_TEST(project_durations_and_suggestions)
{
	int64_t ms;
	CHECK(dn_duration_parse("30", &ms) == 0 && ms == 30000);
	CHECK(dn_duration_parse("30s", &ms) == 0 && ms == 30000);
	CHECK(dn_duration_parse("5m", &ms) == 0 && ms == 300000);
	CHECK(dn_duration_parse("1h30m", &ms) == 0 && ms == 5400000);
	CHECK(dn_duration_parse("2d", &ms) == 0 && ms == 172800000);
	CHECK(dn_duration_parse("250ms", &ms) == 0 && ms == 250);
	CHECK(dn_duration_parse(" 1m5s ", &ms) == 0 && ms == 65000);
	CHECK(dn_duration_parse("0", &ms) == 0 && ms == 0);
	CHECK(dn_duration_parse("", &ms) < 0);
	CHECK(dn_duration_parse("-5s", &ms) < 0);
	CHECK(dn_duration_parse("5x", &ms) < 0);
	CHECK(dn_duration_parse("1h 30m", &ms) < 0);
	CHECK(dn_duration_parse("1.5h", &ms) < 0);
	CHECK(dn_duration_parse("h", &ms) < 0);
	CHECK_INT(dn_duration_parse("99999999999999999999s", &ms), DN_ELIMIT);
	CHECK_INT(dn_duration_parse("40000d", &ms), DN_ELIMIT);

	static const char *const keys[] = {"retries", "retry_delay", "id", "type", NULL};
	CHECK_STR(dn_suggest("retrys", keys), "retries");
	CHECK_STR(dn_suggest("retry_dealy", keys), "retry_delay");
	CHECK_STR(dn_suggest("tpye", keys), "type");
	CHECK(dn_suggest("xy", keys) == NULL); /* 2 edits from "id": too far for 2 letters */
	CHECK(dn_suggest("schedule", keys) == NULL);
	CHECK_INT(dn_levenshtein("kitten", "sitting", 5), 3);
	CHECK_INT(dn_levenshtein("kitten", "sitting", 2), 3);

	enum dn_trigger_rule r;
	CHECK(dn_trigger_rule_parse("none_failed", &r) == 0 && r == DN_TRIGGER_NONE_FAILED);
	CHECK_STR(dn_trigger_rule_name(DN_TRIGGER_ONE_SUCCESS), "one_success");
	CHECK(dn_trigger_rule_parse("any", &r) < 0);
}

DN_TEST(project_pipeline_model)
{
	const char *t =
		"id: sales\n"
		"description: daily sales\n"
		"schedule: 0 6 * * MON-FRI\n"
		"timezone: America/New_York\n"
		"start_date: 2024-03-01\n"
		"end_date: 2024-12-31T23:00:00Z\n"
		"catchup: true\n"
		"max_active_runs: 2\n"
		"defaults: {retries: 3, retry_delay: 1m, pool: default}\n"
		"params: {region: eu, limit: 10, none: ~}\n"
		"tags: [daily, finance]\n"
		"tasks:\n"
		"  - id: load\n"
		"    type: noop\n"
		"    depends_on: [extract, extract]\n"
		"    retries: 0\n"
		"    retry_exponential_backoff: yes\n"
		"    max_retry_delay: 1h\n"
		"    timeout: 90\n"
		"    trigger_rule: all_done\n"
		"    priority: -5\n"
		"  - id: extract\n"
		"    type: shell\n"
		"    params: {command: 'echo {{ params.region }}', env: {A: 1}, cwd: /tmp}\n";
	struct dn_problems p;
	struct dn_pipeline *pl = NULL;
	struct dn_error e;
	dn_problems_init(&p);
	CHECK_OK(dn_pipeline_parse(&pl, NULL, "pipelines/sales.yaml", t, strlen(t), &p, &e), &e);
	CHECK_STR(problems_text(&p), "");
	CHECK_INT(pl->nproblems, 0);
	CHECK_STR(pl->id, "sales");
	CHECK_STR(pl->description, "daily sales");
	CHECK_INT(pl->schedule_kind, DN_SCHEDULE_CRON);
	CHECK_STR(pl->timezone, "America/New_York");
	int64_t want;
	dn_time_parse("2024-03-01T05:00:00Z", 20, &want); /* midnight EST */
	CHECK_INT(pl->start_us, want);
	dn_time_parse("2024-12-31T23:00:00Z", 20, &want);
	CHECK_INT(pl->end_us, want);
	CHECK_INT(pl->catchup, 1);
	CHECK_INT(pl->max_active_runs, 2);
	CHECK_INT(pl->nparams, 3);
	CHECK_STR(pl->params[1].name, "limit");
	CHECK_STR(pl->params[1].dflt, "10");
	CHECK(pl->params[2].dflt == NULL);
	CHECK_INT(pl->ntags, 2);
	CHECK_STR(pl->tags[1], "finance");
	CHECK_INT(pl->ntasks, 2);
	const struct dn_task *load = &pl->tasks[0], *ex = &pl->tasks[1];
	CHECK_INT(load->nup, 1); /* the repeated dependency counts once */
	CHECK_INT(load->up[0], 1);
	CHECK_INT(ex->ndown, 1);
	CHECK_INT(ex->down[0], 0);
	CHECK_INT(load->s.retries, 0);
	CHECK_INT(load->s.retry_delay_ms, 60000);
	CHECK_INT(load->s.retry_exponential_backoff, 1);
	CHECK_INT(load->s.max_retry_delay_ms, 3600000);
	CHECK_INT(load->s.timeout_ms, 90000);
	CHECK_INT(load->s.trigger_rule, DN_TRIGGER_ALL_DONE);
	CHECK_INT(load->s.priority, -5);
	CHECK_INT(ex->s.retries, 3); /* from the pipeline's defaults */
	CHECK_INT(ex->s.timeout_ms, 0);
	CHECK_STR(ex->s.pool, "default");
	CHECK_STR(ex->type->name, "shell");
	CHECK(pl->order && pl->order[0] == 1 && pl->order[1] == 0);
	CHECK_INT(dn_pipeline_task(pl, "extract"), 1);
	CHECK_INT(dn_pipeline_task(pl, "nope"), -1);
	dn_pipeline_free(pl);
	dn_problems_release(&p);

	/* No id: the file's name; @once; no schedule. */
	dn_problems_init(&p);
	t = "schedule: '@once'\ntasks: []\n";
	CHECK_OK(dn_pipeline_parse(&pl, NULL, "pipelines/my-flow.yml", t, strlen(t), &p, &e), &e);
	CHECK_STR(pl->id, "my-flow");
	CHECK_INT(pl->schedule_kind, DN_SCHEDULE_ONCE);
	CHECK_INT(pl->start_us, INT64_MIN);
	dn_pipeline_free(pl);
	t = "schedule: none\ntasks: []\n";
	CHECK_OK(dn_pipeline_parse(&pl, NULL, "x.yaml", t, strlen(t), &p, &e), &e);
	CHECK_INT(pl->schedule_kind, DN_SCHEDULE_NONE);
	dn_pipeline_free(pl);
	CHECK_STR(problems_text(&p), "");
	dn_problems_release(&p);
}

/* ---- project: every validation message ---- */

DN_TEST(project_unknown_keys)
{
	CHECK_STR(pipeline_problems("id: p\n"
				    "schedul: '@daily'\n"
				    "colour: blue\n"
				    "defaults: {retrys: 1}\n"
				    "tasks:\n"
				    "  - id: a\n"
				    "    type: shell\n"
				    "    tiemout: 5m\n"
				    "    params: {comand: ls, command: ls}\n"
				    "    id: again\n"
				    "  - id: b\n"
				    "    type: noop\n"
				    "    params: {x: 1}\n"),
		  "p.yaml:2:1: unknown pipeline key 'schedul' (did you mean 'schedule'?)\n"
		  "p.yaml:3:1: unknown pipeline key 'colour' (known: id, description, schedule, "
		  "timezone, start_date, end_date, catchup, max_active_runs, defaults, params, "
		  "tags, tasks)\n"
		  "p.yaml:4:12: unknown defaults key 'retrys' (did you mean 'retries'?)\n"
		  "p.yaml:8:5: unknown task key 'tiemout' (did you mean 'timeout'?)\n"
		  "p.yaml:9:14: unknown shell param 'comand' (did you mean 'command'?)\n"
		  "p.yaml:10:5: duplicate key 'id' (first on line 6)\n"
		  "p.yaml:13:14: unknown noop param 'x' (known: none)");
}

DN_TEST(project_task_types_and_deps)
{
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - id: extract\n"
				    "    type: shel\n"
				    "  - id: load\n"
				    "    type: spark\n"
				    "    depends_on: [extrct, nothere, extract]\n"
				    "  - id: load\n"
				    "    type: noop\n"
				    "    depends_on: {a: 1}\n"
				    "  - type: noop\n"
				    "  - id: bad id!\n"
				    "  - just text\n"),
		  "p.yaml:3:11: unknown task type 'shel' (did you mean 'shell'?)\n"
		  "p.yaml:5:11: unknown task type 'spark' (known: noop, shell, sql, "
		  "sensor.file, load, export, lake.write, models, extract.api, extract.file, "
		  "extract.scrape)\n"
		  "p.yaml:6:18: task 'load' depends on 'extrct', which is not a task in this "
		  "pipeline (did you mean 'extract'?)\n"
		  "p.yaml:6:26: task 'load' depends on 'nothere', which is not a task in this "
		  "pipeline\n"
		  "p.yaml:7:9: duplicate task id 'load' (first defined on line 4)\n"
		  "p.yaml:9:17: depends_on must be a task id or a list of task ids\n"
		  "p.yaml:10:5: a task needs an id\n"
		  "p.yaml:11:5: task 'bad id!' needs a type (noop, shell, sql, sensor.file, ...)\n"
		  "p.yaml:11:9: task id 'bad id!' may hold only letters, digits, _ and -\n"
		  "p.yaml:12:5: a task must be a mapping with at least id and type");
}

DN_TEST(project_cycles)
{
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - {id: a, type: noop, depends_on: c}\n"
				    "  - {id: b, type: noop, depends_on: a}\n"
				    "  - {id: c, type: noop, depends_on: b}\n"
				    "  - {id: d, type: noop, depends_on: d}\n"
				    "  - {id: e, type: noop, depends_on: [f]}\n"
				    "  - {id: f, type: noop, depends_on: [e, a]}\n"
				    "  - {id: ok, type: noop}\n"),
		  "p.yaml:2:10: cycle: a -> b -> c -> a\n"
		  "p.yaml:5:10: cycle: d -> d\n"
		  "p.yaml:6:10: cycle: e -> f -> e");
}

DN_TEST(project_schedule_and_zone)
{
	CHECK_STR(pipeline_problems("schedule: '0 25 * * *'\n"
				    "timezone: Europe/Pariss\n"
				    "start_date: 2024-13-01\n"
				    "end_date: 2023-01-01\n"
				    "catchup: maybe\n"
				    "max_active_runs: 0\n"
				    "tasks: []\n"),
		  "p.yaml:1:14: invalid schedule: hour field: 25 is out of range 0-23\n"
		  "p.yaml:2:11: unknown time zone 'Europe/Pariss' (did you mean 'Europe/Paris'?)\n"
		  "p.yaml:3:13: start_date: '2024-13-01' is not a date (YYYY-MM-DD) or a timestamp "
		  "(YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])\n"
		  "p.yaml:5:10: catchup must be true or false\n"
		  "p.yaml:6:18: max_active_runs must be a whole number >= 1, not '0'");
	CHECK_STR(pipeline_problems("schedule: 0 0 * JANUARY *\n"
				    "start_date: 2024-02-01\n"
				    "end_date: 2024-01-01\n"
				    "tasks: []\n"),
		  "p.yaml:1:17: invalid schedule: month field: unknown name 'JANUARY' (use "
		  "JAN-DEC or 1-12)\n"
		  "p.yaml:3:11: end_date is before start_date");
}

DN_TEST(project_settings_values)
{
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - id: a\n"
				    "    type: noop\n"
				    "    retries: -1\n"
				    "    retry_delay: 5x\n"
				    "    max_retry_delay: [1]\n"
				    "    timeout: 1h 30m\n"
				    "    trigger_rule: all_sucess\n"
				    "    retry_exponential_backoff: 2\n"
				    "    priority: high\n"
				    "  - id: b\n"
				    "    type: noop\n"
				    "    trigger_rule: whenever\n"
				    "    retries: 1.5\n"),
		  "p.yaml:4:14: retries must be a whole number >= 0, not '-1'\n"
		  "p.yaml:5:18: retry_delay: '5x' is not a duration (a number of seconds, or e.g. "
		  "30s, 5m, 1h30m)\n"
		  "p.yaml:6:22: max_retry_delay: '...' is not a duration (a number of seconds, or "
		  "e.g. 30s, 5m, 1h30m)\n"
		  "p.yaml:7:14: timeout: '1h 30m' is not a duration (a number of seconds, or e.g. "
		  "30s, 5m, 1h30m)\n"
		  "p.yaml:8:19: invalid trigger_rule 'all_sucess' (did you mean 'all_success'?)\n"
		  "p.yaml:9:32: retry_exponential_backoff must be true or false\n"
		  "p.yaml:10:15: priority must be a whole number, not 'high'\n"
		  "p.yaml:13:19: invalid trigger_rule 'whenever' (one of all_success, all_done, "
		  "all_failed, one_success, one_failed, none_failed)\n"
		  "p.yaml:14:14: retries must be a whole number >= 0, not '1.5'");
}

DN_TEST(project_task_params)
{
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - id: s\n"
				    "    type: shell\n"
				    "    params: {env: {1X: a, OK: [1]}, cwd: {a: b}}\n"
				    "  - id: q\n"
				    "    type: sql\n"
				    "    params: {sql: select 1, file: a.sql}\n"
				    "  - id: q2\n"
				    "    type: sql\n"
				    "    params: {connection: w}\n"
				    "  - id: f\n"
				    "    type: sensor.file\n"
				    "    params: {poke_interval: soon}\n"
				    "  - id: g\n"
				    "    type: shell\n"
				    "    params: [1]\n"),
		  "p.yaml:2:5: shell task needs the param 'command'\n"
		  "p.yaml:4:20: shell env name '1X' is not a variable name (letters, digits and "
		  "_)\n"
		  "p.yaml:4:31: shell env value of OK must be text\n"
		  "p.yaml:4:42: shell param 'cwd' must be text, not a mapping\n"
		  "p.yaml:5:5: sql task needs the param 'connection'\n"
		  "p.yaml:7:35: sql task: give either 'sql' or 'file', not both\n"
		  "p.yaml:8:5: sql task needs 'sql' (the statements) or 'file' (a file under sql/) "
		  "in its params\n"
		  "p.yaml:11:5: sensor.file task needs the param 'path'\n"
		  "p.yaml:13:29: poke_interval: 'soon' is not a duration (a number of seconds, or "
		  "e.g. 30s, 5m, 1h30m)\n"
		  "p.yaml:14:5: shell task needs the param 'command'\n"
		  "p.yaml:16:13: params must be a mapping of name: value");
}

DN_TEST(project_templates)
{
	unsetenv("DN_T_NOT_SET");
	setenv("DN_T_SET", "1", 1);
	CHECK_STR(
		pipeline_problems(
			"params: {region: eu}\n"
			"tasks:\n"
			"  - id: a\n"
			"    type: shell\n"
			"    params:\n"
			"      command: >-\n"
			"        echo {{ ds }} {{ds_nodash}} {{ run_id }} {{ params.region }}\n"
			"        {{ data_interval_start }} {{ data_interval_end }}\n"
			"        {{ env.DN_T_SET }} {{ conn.any.host }}\n"
			"  - id: b\n"
			"    type: shell\n"
			"    depends_on: a\n"
			"    params:\n"
			"      command: \"{{ tasks.a.output.n }} {{ dss }} {{ params.regin }}\"\n"
			"      env:\n"
			"        X: '{{ env.DN_T_NOT_SET }}{{ params.a.b }}'\n"
			"        Y: '{{ conn.w }} {{ conn.w.hots }} {{ tasks.c.output.k }}'\n"
			"        Z: '{{ a | upper }} {{ tasks.a.out.k }} {{ nope }} {{ x'\n"
			"  - id: c\n"
			"    type: shell\n"
			"    params: {command: '{{ tasks.b.output.k }} {{ tasks.c.output.k }}'}\n"),
		"p.yaml:14:40: undefined template variable 'dss' (did you mean 'ds'?)\n"
		"p.yaml:14:50: undefined template variable 'params.regin': the pipeline declares "
		"no param 'regin' (did you mean 'params.region'?)\n"
		"p.yaml:16:13: undefined template variable 'env.DN_T_NOT_SET': DN_T_NOT_SET is "
		"not set in the environment or .env\n"
		"p.yaml:16:35: template variable 'params.a.b': write params.NAME\n"
		"p.yaml:17:13: template variable 'conn.w': write conn.NAME.PART (PART is scheme, "
		"user, password, host, port, path, query or url)\n"
		"p.yaml:17:26: undefined template variable 'conn.w.hots': a connection has no "
		"part 'hots' (did you mean 'host'?)\n"
		"p.yaml:17:44: template variable 'tasks.c.output.k': task 'c' is not upstream of "
		"'b' (add it to depends_on)\n"
		"p.yaml:18:13: unsupported template '{{ a | upper }}': a template is a name such "
		"as {{ ds }}, {{ params.NAME }} or {{ tasks.ID.output.KEY }}\n"
		"p.yaml:18:29: template variable 'tasks.a.out.k': write tasks.ID.output.KEY\n"
		"p.yaml:18:49: undefined template variable 'nope' (known: ds, ds_nodash, "
		"data_interval_start, data_interval_end, run_id, params.NAME, env.NAME, "
		"conn.NAME.PART, tasks.ID.output.KEY)\n"
		"p.yaml:18:60: unterminated template: '{{' without '}}'\n"
		"p.yaml:21:24: template variable 'tasks.b.output.k': task 'b' is not upstream of "
		"'c' (add it to depends_on)\n"
		"p.yaml:21:47: template variable 'tasks.c.output.k': task 'c' is not upstream of "
		"'c' (add it to depends_on)");
	unsetenv("DN_T_SET");
}

DN_TEST(project_template_tasks_transitive)
{
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - {id: a, type: noop}\n"
				    "  - {id: b, type: noop, depends_on: a}\n"
				    "  - id: c\n"
				    "    type: shell\n"
				    "    depends_on: b\n"
				    "    params: {command: 'echo {{ tasks.a.output.n }}'}\n"),
		  "");
}

DN_TEST(project_file_level_problems)
{
	CHECK_STR(
		pipeline_problems("- just\n- a list\n"),
		"p.yaml:1:1: a pipeline file must be a mapping of keys (id, schedule, tasks, ...)");
	CHECK_STR(pipeline_problems("id: x\n"), "p.yaml:1:1: a pipeline needs tasks: a list of "
						"tasks with id and type");
	CHECK_STR(pipeline_problems("id: x\ntasks: {a: 1}\n"),
		  "p.yaml:2:8: tasks must be a list (each item starts with '- id: ...')");
	CHECK_STR(pipeline_problems("id: [x]\ntags: x\nparams: {a: [1]}\ntasks: []\n"),
		  "p.yaml:1:5: id must be text, not a list\n"
		  "p.yaml:2:7: tags must be a list, e.g. [daily, finance]\n"
		  "p.yaml:3:13: param 'a': the default must be a single value");
	CHECK_STR(pipeline_problems("id: x\n  bad: [\n"),
		  "p.yaml:2:6: YAML syntax error: mapping values are not allowed in this context");
}

DN_TEST(project_register_task_type)
{
	static const char *const params[] = {"table", "mode", NULL};
	struct local {
		int dummy;
	};
	(void)sizeof(struct local);
	static const struct dn_task_type load_type = {"test.load", "a test type", params, NULL};
	struct dn_error e;
	if (!dn_task_type_find("test.load"))
		CHECK_OK(dn_task_type_register(&load_type, &e), &e);
	CHECK_INT(dn_task_type_register(&load_type, &e), DN_EINVAL);
	CHECK_STR(e.msg, "task type 'test.load' is already registered");
	static const struct dn_task_type noname = {"", "x", NULL, NULL};
	CHECK_INT(dn_task_type_register(&noname, &e), DN_EINVAL);
	CHECK(dn_task_type_find("test.load") == &load_type);
	CHECK_STR(dn_task_type_at(0)->name, "noop");
	CHECK_STR(pipeline_problems("tasks:\n"
				    "  - id: a\n"
				    "    type: test.load\n"
				    "    params: {table: t, mdoe: x}\n"
				    "  - id: b\n"
				    "    type: test.lod\n"),
		  "p.yaml:4:24: unknown test.load param 'mdoe' (did you mean 'mode'?)\n"
		  "p.yaml:6:11: unknown task type 'test.lod' (did you mean 'test.load'?)");
}

/* ---- project: folders, dunya.yaml, connections ---- */

DN_TEST(project_find_root)
{
	char cwd[1024], *root = NULL;
	struct dn_error e;
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	const char *r = make_project("findme", "name: findme\n", NULL, NULL);
	char rootcopy[1024], deep[1200];
	snprintf(rootcopy, sizeof rootcopy, "%s", r);
	snprintf(deep, sizeof deep, "%s/pipelines/a/b", rootcopy);
	mkdirs(deep);
	CHECK(chdir(deep) == 0);
	int rc = dn_project_find(NULL, &root, &e);
	int ok = chdir(cwd) == 0;
	CHECK(ok);
	CHECK_OK(rc, &e);
	char real[1024];
	CHECK(realpath(rootcopy, real) != NULL);
	CHECK_STR(root, real);
	dn_free(root);
	/* --project names the root itself. */
	CHECK_OK(dn_project_find(rootcopy, &root, &e), &e);
	CHECK_STR(root, real);
	dn_free(root);
	CHECK_INT(dn_project_find(deep, &root, &e), DN_ENOTFOUND);
	CHECK(strstr(e.msg, "is not a dunya project: it has no dunya.yaml") != NULL);
	CHECK(root == NULL);
	/* Outside any project. */
	const char *outside = dn_test_tmp_path("not-a-project");
	mkdirs(outside);
	CHECK(chdir(outside) == 0);
	rc = dn_project_find(NULL, &root, &e);
	ok = chdir(cwd) == 0;
	CHECK(ok);
	CHECK_INT(rc, DN_ENOTFOUND);
	CHECK(strstr(e.msg, "not inside a dunya project") != NULL);
}

static int exists(const char *root, const char *rel, int dir)
{
	char p[1200];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", root, rel);
	return stat(p, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

DN_TEST(project_init_layout)
{
	char dir[1024];
	struct dn_buf created = DN_BUF_INIT;
	struct dn_error e;
	snprintf(dir, sizeof dir, "%s", dn_test_tmp_path("init/new proj"));
	CHECK_OK(dn_project_init(dir, NULL, &created, &e), &e);
	CHECK_STR(created.data, "pipelines/\nsql/\nmodels/\nlake/\n.dunya/\n.env\n.gitignore\n"
				"pipelines/hello.yaml\ndunya.yaml\n");
	dn_buf_release(&created);
	CHECK(exists(dir, "dunya.yaml", 0) && exists(dir, ".env", 0));
	CHECK(exists(dir, ".gitignore", 0) && exists(dir, "pipelines/hello.yaml", 0));
	CHECK(exists(dir, "sql", 1) && exists(dir, "lake/raw", 1) &&
	      exists(dir, "lake/curated", 1));
	CHECK(exists(dir, "lake/consumption", 1) && exists(dir, ".dunya/logs", 1));
	struct dn_buf b = DN_BUF_INIT;
	char p[1200];
	snprintf(p, sizeof p, "%s/.gitignore", dir);
	CHECK_OK(dn_read_file(p, &b, 0, &e), &e);
	CHECK(strstr(b.data, "\n.env\n") && strstr(b.data, "\n.dunya/\n"));
	dn_buf_release(&b);
	snprintf(p, sizeof p, "%s/dunya.yaml", dir);
	CHECK_OK(dn_read_file(p, &b, 0, &e), &e);
	CHECK(strstr(b.data, "\nname: new_proj\n") != NULL);
	dn_buf_release(&b);
	/* The new project is valid as it stands. */
	struct dn_project *pr = NULL;
	CHECK_STR(project_problems(dir, &pr), "");
	CHECK(pr != NULL);
	CHECK_STR(pr->name, "new_proj");
	CHECK_INT(pr->npipelines, 1);
	CHECK_INT(dn_project_ntasks(pr), 2);
	CHECK_INT(pr->nfiles, 3);
	CHECK_STR(pr->pipelines[0]->tasks[0].s.pool, "default");
	CHECK_INT(pr->pipelines[0]->tasks[1].s.retries, 1); /* from dunya.yaml's defaults */
	CHECK_INT(pr->pipelines[0]->tasks[0].s.retries, 2);
	dn_project_free(pr);
	/* A second init refuses, and changes nothing. */
	CHECK_INT(dn_project_init(dir, NULL, NULL, &e), DN_EINVAL);
	CHECK(strstr(e.msg, "dunya.yaml already exists: dunya init never overwrites a project") !=
	      NULL);
	/* Existing files are kept; a .gitignore is completed. */
	char dir2[1024];
	snprintf(dir2, sizeof dir2, "%s", dn_test_tmp_path("init2"));
	mkdirs(dir2);
	snprintf(p, sizeof p, "%s/.gitignore", dir2);
	write_file(p, "node_modules/\n.env");
	snprintf(p, sizeof p, "%s/.env", dir2);
	write_file(p, "MINE=1\n");
	CHECK_OK(dn_project_init(dir2, "named", &created, &e), &e);
	CHECK(strstr(created.data, ".gitignore (completed)\n") != NULL);
	CHECK(strstr(created.data, ".env\n") == NULL);
	dn_buf_release(&created);
	snprintf(p, sizeof p, "%s/.gitignore", dir2);
	CHECK_OK(dn_read_file(p, &b, 0, &e), &e);
	CHECK_STR(b.data, "node_modules/\n.env\n.dunya/\n/lake/\n/warehouse.db\n");
	dn_buf_release(&b);
	snprintf(p, sizeof p, "%s/.env", dir2);
	CHECK_OK(dn_read_file(p, &b, 0, &e), &e);
	CHECK_STR(b.data, "MINE=1\n");
	dn_buf_release(&b);
}

DN_TEST(project_config_problems)
{
	unsetenv("DN_T_PG_PASSWORD");
	unsetenv("DUNYA_CONN_PG");
	const char *r = make_project(
		"cfg",
		"name: cfg\n"
		"conections: {}\n"
		"connections:\n"
		"  warehouse: sqlite://warehouse.db\n"
		"  pg: postgress://app:${DN_T_PG_PASSWORD}@db/app\n"
		"  api: https://u:${DN_T_NOT_DEFINED}@h/\n"
		"  web: http://u:pw@h:notaport/\n"
		"  bad name: file://x\n"
		"pools: {etl: 0, io: 2}\n"
		"defaults:\n"
		"  timezone: Europe/Londn\n"
		"  pool: iox\n"
		"  retries: -3\n"
		"  catchup: true\n",
		"DN_T_PG_PASSWORD=hunter2-secret\n", "a.yaml",
		"tasks:\n"
		"  - id: q\n"
		"    type: sql\n"
		"    pool: etl\n"
		"    params: {connection: warehose, file: missing.sql}\n"
		"  - id: t\n"
		"    type: shell\n"
		"    pool: nopool\n"
		"    params: {command: 'echo {{ conn.pg.host }} {{ conn.nope.host }}'}\n",
		"b.yml", "id: a\ntasks: []\n", "notes.txt", "ignored", NULL);
	const char *s = project_problems(r, NULL);
	CHECK_STR(s,
		  "dunya.yaml:2:1: unknown project key 'conections' (did you mean "
		  "'connections'?)\n"
		  "dunya.yaml:5:7: connection 'pg': unknown scheme 'postgress' (did you mean "
		  "'postgres'?)\n"
		  "dunya.yaml:6:18: undefined variable ${DN_T_NOT_DEFINED}: set it in the "
		  "environment or .env, or give a default: ${DN_T_NOT_DEFINED:-default}\n"
		  "dunya.yaml:7:8: connection 'web': the port of a http URL is not a number from "
		  "1 to 65535 (if the password holds @ : / ? or #, percent-encode them: %40 %3A "
		  "%2F %3F %23)\n"
		  "dunya.yaml:8:3: connection name 'bad name' may hold only letters, digits, _ "
		  "and -\n"
		  "dunya.yaml:9:14: pool slots must be a whole number >= 1, not '0'\n"
		  "dunya.yaml:11:13: unknown time zone 'Europe/Londn' (did you mean "
		  "'Europe/London'?)\n"
		  "dunya.yaml:12:9: unknown pool 'iox' (did you mean 'io'?)\n"
		  "dunya.yaml:13:12: retries must be a whole number >= 0, not '-3'\n"
		  "pipelines/a.yaml:5:26: unknown connection 'warehose' (did you mean "
		  "'warehouse'?)\n"
		  "pipelines/a.yaml:5:42: sql file 'missing.sql' not found under sql/\n"
		  "pipelines/a.yaml:8:11: unknown pool 'nopool': declare it under pools: in "
		  "dunya.yaml\n"
		  "pipelines/a.yaml:9:48: undefined template variable 'conn.nope.host': no "
		  "connection 'nope' in dunya.yaml\n"
		  "pipelines/b.yml:1:5: duplicate pipeline id 'a' (also in pipelines/a.yaml)");
	CHECK(strstr(s, "hunter2") == NULL);
}

DN_TEST(project_connections_and_env_override)
{
	unsetenv("DUNYA_CONN_MY_DB");
	setenv("DN_T_HOST", "db.internal", 1);
	const char *r = make_project("conns",
				     "connections:\n"
				     "  my-db: postgres://app:${DN_T_PW}@${DN_T_HOST}:5433/sales\n"
				     "  cache: redis://${DN_T_REDIS:-localhost}\n",
				     "# secrets\nDN_T_PW=s3cret\nDUNYA_CONN_CACHE=redis://r:1/2\n",
				     NULL);
	struct dn_project *p = NULL;
	CHECK_STR(project_problems(r, &p), "");
	const struct dn_conn *c = dn_project_conn(p, "my-db");
	CHECK(c && c->valid && !c->from_env);
	CHECK_STR(c->env_name, "DUNYA_CONN_MY_DB");
	CHECK_STR(c->url.password, "s3cret");
	CHECK_STR(c->url.host, "db.internal");
	CHECK_INT(c->url.port, 5433);
	struct dn_buf b = DN_BUF_INIT;
	struct dn_error e;
	CHECK_OK(dn_url_redacted(&c->url, &b, &e), &e);
	CHECK_STR(b.data, "postgres://app:***@db.internal:5433/sales");
	dn_buf_release(&b);
	c = dn_project_conn(p, "cache");
	CHECK(c && c->from_env); /* DUNYA_CONN_CACHE from .env */
	CHECK_STR(c->url.host, "r");
	CHECK_INT(c->url.port, 1);
	CHECK(dn_project_conn(p, "nope") == NULL);
	dn_project_free(p);
	/* The process environment overrides, and wins over .env. */
	setenv("DUNYA_CONN_MY_DB", "sqlite:///tmp/x.db", 1);
	setenv("DUNYA_CONN_CACHE", "redis://other", 1);
	CHECK_STR(project_problems(r, &p), "");
	c = dn_project_conn(p, "my-db");
	CHECK(c->from_env);
	CHECK_STR(c->url.scheme, "sqlite");
	CHECK_STR(dn_project_conn(p, "cache")->url.host, "other");
	dn_project_free(p);
	/* A bad override is reported at the connection's name, naming the variable. */
	setenv("DUNYA_CONN_MY_DB", "postgres://app:s3cret@h:x/db", 1);
	const char *s = project_problems(r, NULL);
	CHECK_STR(s, "dunya.yaml:2:3: connection 'my-db' from DUNYA_CONN_MY_DB: the port of a "
		     "postgres URL is not a number from 1 to 65535 (if the password holds @ : / ? "
		     "or #, percent-encode them: %40 %3A %2F %3F %23)");
	unsetenv("DUNYA_CONN_MY_DB");
	unsetenv("DUNYA_CONN_CACHE");
	unsetenv("DN_T_HOST");
}

DN_TEST(project_password_never_in_problems)
{
	/* A project full of mistakes around a password; no problem may quote it. */
	setenv("DN_T_SECRET", "Pa55w0rdXYZ", 1);
	const char *r = make_project(
		"secret",
		"connections:\n"
		"  a: postgres://u:${DN_T_SECRET}@h:bad/db\n"
		"  b: postgress://u:${DN_T_SECRET}@h/db\n"
		"  c: https://u:${DN_T_SECRET}@h:99999/\n"
		"  d: ${DN_T_SECRET}\n"
		"  e: redis://:${DN_T_SECRET}@[h\n"
		"  f: ftp://u:${DN_T_SECRET}%zz@h/\n",
		"BROKEN LINE Pa55w0rdXYZ\nK='Pa55w0rdXYZ\n", "p.yaml",
		"tasks:\n"
		"  - id: a\n"
		"    type: shell\n"
		"    retries: ${DN_T_SECRET}\n"
		"    timeout: ${DN_T_SECRET}\n"
		"    trigger_rule: ${DN_T_SECRET}\n"
		"    params: {command: '{{ ${DN_T_SECRET} }} {{ x${DN_T_SECRET} | y }}'}\n",
		NULL);
	const char *s = project_problems(r, NULL);
	CHECK(s[0] != 0);
	if (strstr(s, "Pa55") || strstr(s, "w0rd")) {
		dn_test_fail(dn_t_, __FILE__, __LINE__, "a password in the problems:\n%s", s);
		return;
	}
	unsetenv("DN_T_SECRET");
}

DN_TEST(project_alloc_failures)
{
	/* Fail every allocation in turn: loading must end with DN_ENOMEM or succeed, never crash
	 * or leak (ASan checks the leaks). */
	const char *t =
		"id: p\n"
		"schedule: '@daily'\n"
		"timezone: Europe/Paris\n"
		"params: {a: 1}\n"
		"defaults: {retries: 1}\n"
		"tags: [x]\n"
		"tasks:\n"
		"  - {id: a, type: shell, params: {command: 'echo {{ params.a }} ${HOME:-h}'}}\n"
		"  - {id: b, type: noop, depends_on: [a, zz], retrys: 1}\n"
		"  - {id: c, type: shell, depends_on: b,\n"
		"     params: {command: '{{ tasks.a.output.k }}'}}\n"
		"  - {id: d, type: noop, depends_on: d}\n";
	int ok = 0, failed = 0;
	for (uint64_t k = 1; k < 2000 && !ok; k++) {
		struct dn_problems p;
		struct dn_pipeline *pl = NULL;
		struct dn_error e;
		dn_problems_init(&p);
		dn_alloc_fail_after(k);
		int rc = dn_pipeline_parse(&pl, NULL, "p.yaml", t, strlen(t), &p, &e);
		dn_alloc_fail_after(0);
		if (rc == 0) {
			ok = 1;
			CHECK_INT(p.n, 3);
		} else if (rc != DN_ENOMEM) {
			failed = 1;
		}
		dn_pipeline_free(pl);
		dn_problems_release(&p);
	}
	CHECK(ok);
	CHECK(!failed);
}

DN_TEST(project_load_alloc_failures)
{
	char dir[1024];
	struct dn_error e;
	snprintf(dir, sizeof dir, "%s", dn_test_tmp_path("oom"));
	CHECK_OK(dn_project_init(dir, NULL, NULL, &e), &e);
	char env[1200];
	snprintf(env, sizeof env, "%s/.env", dir);
	write_file(env, "PG_PASSWORD=x\nDUNYA_CONN_LAKE=file:///tmp\n");
	int ok = 0, failed = 0;
	for (uint64_t k = 1; k < 5000 && !ok; k++) {
		struct dn_problems p;
		struct dn_project *pr = NULL;
		dn_problems_init(&p);
		dn_alloc_fail_after(k);
		int rc = dn_project_load(&pr, dir, &p, &e);
		dn_alloc_fail_after(0);
		if (rc == 0) {
			ok = 1;
			CHECK_INT(p.n, 0);
			CHECK_INT(dn_project_ntasks(pr), 2);
		} else if (rc != DN_ENOMEM) {
			failed = 1;
		}
		dn_project_free(pr);
		dn_problems_release(&p);
	}
	CHECK(ok);
	CHECK(!failed);
}
