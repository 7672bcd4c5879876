/* Test runner. Runs the unit tests (every DN_TEST in tests/unit, collected by the build into
 * test_list.h) and the command-line cases (tests/cases/cli/NAME.t), and ends with the line
 * "N passed, N failed".
 *
 *   dunya-tests              run everything
 *   dunya-tests NAME...      run tests whose name starts with NAME (cli cases are cli_<file>)
 *   dunya-tests --list       list test names
 *
 * A .t file holds shell commands and their expected output, cram-style:
 *
 *     Some text explaining the case.
 *       $ dunya head people.csv -n 1
 *       id  name
 *       [1]                          <- exit code, when not 0
 *
 * Commands run with sh in tests/cases/cli, with `dunya` on PATH (DUNYA_BIN) and $TMP set to a
 * fresh directory; stderr is merged into stdout. A command that exits with 77 (the automake
 * convention) and prints "skip: REASON" ends its case there, reported as skipped (e.g. a server
 * that only root can start). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define DN_TEST_ENTRY(name) DN_TEST(name);
#include "test_list.h"
#undef DN_TEST_ENTRY

typedef void (*test_fn)(struct dn_test_ctx *);
struct entry {
	const char *name;
	test_fn fn;
	char *cli_path;
};

#define DN_TEST_ENTRY(name) {#name, dn_test_##name, NULL},
static struct entry unit_tests[] = {
#include "test_list.h"
	{NULL, NULL, NULL}};
#undef DN_TEST_ENTRY

static char tmpdir[512];
static int verbose;

void dn_test_fail(struct dn_test_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	t->failed = 1;
	fprintf(stderr, "  FAIL %s at %s:%d: ", t->name, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *dn_test_case_path(const char *rel)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%s/tests/cases/%s", DN_SOURCE_DIR, rel);
	return buf;
}

const char *dn_test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/dunya-tests-XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

const char *dn_test_tmp_path(const char *name)
{
	static char bufs[8][1024];
	static int next;
	char *b = bufs[next++ & 7];
	snprintf(b, 1024, "%s/%s", dn_test_tmpdir(), name);
	return b;
}

const char *dn_test_write_tmp(const char *name, const char *data, size_t len)
{
	const char *p = dn_test_tmp_path(name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(p);
		exit(2);
	}
	fclose(f);
	return p;
}

long dn_test_iterations(long dflt)
{
	const char *s = getenv("DUNYA_TEST_ITERATIONS");
	if (s && *s) {
		long v = strtol(s, NULL, 10);
		if (v > 0)
			return v;
	}
	return dflt;
}

/* ---- cli cases ---- */

static char *slurp(const char *path, size_t *len)
{
	struct dn_buf b = DN_BUF_INIT;
	if (dn_read_file(path, &b, 0, NULL) < 0)
		return NULL;
	if (len)
		*len = b.len;
	if (!b.data)
		return dn_strdup("");
	return dn_buf_take(&b, NULL);
}

/* Run cmd with sh -c in dir; capture stdout+stderr. Returns exit status. */
static int run_shell(const char *dir, const char *cmd, struct dn_buf *out)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		if (chdir(dir) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096];
	ssize_t n;
	while ((n = read(pfd[0], buf, sizeof buf)) > 0)
		dn_buf_append(out, buf, (size_t)n, NULL);
	close(pfd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_cli_case(struct dn_test_ctx *t, const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	if (!text) {
		dn_test_fail(t, path, 0, "cannot read case file");
		return;
	}
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/cases/cli", DN_SOURCE_DIR);
	/* Each case gets its own $TMP. */
	char casetmp[1024];
	snprintf(casetmp, sizeof casetmp, "%s/%s", dn_test_tmpdir(), t->name);
	mkdir(casetmp, 0700);
	setenv("TMP", casetmp, 1);

	char *p = text, *end = text + len;
	int lineno = 0;
	while (p < end && !t->failed) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		lineno++;
		if (le - p >= 4 && memcmp(p, "  $ ", 4) == 0) {
			int cmd_line = lineno;
			char *cmd = dn_strndup(p + 4, (size_t)(le - p - 4));
			p = nl ? nl + 1 : end;
			/* Expected output: following lines starting with two spaces, not "  $ ". */
			struct dn_buf exp = DN_BUF_INIT;
			int exp_code = 0;
			while (p < end) {
				char *nl2 = memchr(p, '\n', (size_t)(end - p));
				char *le2 = nl2 ? nl2 : end;
				if (le2 - p < 2 || memcmp(p, "  ", 2) != 0 ||
				    (le2 - p >= 4 && memcmp(p, "  $ ", 4) == 0))
					break;
				int code;
				char tail;
				if (sscanf(p + 2, "[%d]%c", &code, &tail) == 2 && tail == '\n')
					exp_code = code;
				else {
					dn_buf_append(&exp, p + 2, (size_t)(le2 - p - 2), NULL);
					dn_buf_putc(&exp, '\n', NULL);
				}
				lineno++;
				p = nl2 ? nl2 + 1 : end;
			}
			struct dn_buf got = DN_BUF_INIT;
			int code = run_shell(dir, cmd, &got);
			const char *g = got.data ? got.data : "", *e = exp.data ? exp.data : "";
			if (code == 77 && !strncmp(g, "skip: ", 6)) {
				fprintf(stderr, "  skip %s: %s", t->name, g + 6);
				dn_buf_release(&got);
				dn_buf_release(&exp);
				dn_free(cmd);
				break;
			}
			if (strcmp(g, e) != 0 || code != exp_code) {
				dn_test_fail(
					t, path, cmd_line,
					"$ %s\n--- expected (exit %d)\n%s--- got (exit %d)\n%s---",
					cmd, exp_code, e, code, g);
			} else if (verbose) {
				fprintf(stderr, "    ok $ %s\n", cmd);
			}
			dn_buf_release(&got);
			dn_buf_release(&exp);
			dn_free(cmd);
			continue;
		}
		p = nl ? nl + 1 : end;
	}
	dn_free(text);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_cli(struct entry **out)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/cases/cli", DN_SOURCE_DIR);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char *names[512];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 512)
		if (dn_str_has_suffix(de->d_name, ".t"))
			names[n++] = dn_strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_names);
	*out = dn_calloc((size_t)n + 1, sizeof **out);
	for (int i = 0; i < n; i++) {
		char nm[300], path[1400];
		snprintf(nm, sizeof nm, "cli_%.*s", (int)(strlen(names[i]) - 2), names[i]);
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		(*out)[i].name = dn_strdup(nm);
		(*out)[i].cli_path = dn_strdup(path);
		dn_free(names[i]);
	}
	return n;
}

static int selected(const char *name, int argc, char **argv)
{
	int any = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return 1;
	}
	return !any;
}

static void rm_rf(const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

int main(int argc, char **argv)
{
	int list = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
	}
	/* Commands in cli cases find `dunya` through PATH. */
	const char *bin = getenv("DUNYA_BIN");
	if (bin) {
		char pathenv[4096], bindir[1024];
		snprintf(bindir, sizeof bindir, "%s", bin);
		char *slash = strrchr(bindir, '/');
		if (slash)
			*slash = 0;
		/* The binary may be named otherwise (build/asan/dunya): link it as "dunya". */
		char linkdir[1100];
		snprintf(linkdir, sizeof linkdir, "%s/bin", dn_test_tmpdir());
		mkdir(linkdir, 0700);
		char link[1200];
		snprintf(link, sizeof link, "%s/dunya", linkdir);
		if (symlink(bin, link) < 0 && errno != EEXIST)
			perror("symlink");
		snprintf(pathenv, sizeof pathenv, "%s:%s", linkdir,
			 getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
		setenv("PATH", pathenv, 1);
	}
	struct entry *cli = NULL;
	int ncli = collect_cli(&cli);
	int passed = 0, failed = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct entry *set = pass == 0 ? unit_tests : cli;
		for (int i = 0; set && set[i].name; i++) {
			if (!selected(set[i].name, argc, argv))
				continue;
			if (list) {
				printf("%s\n", set[i].name);
				continue;
			}
			if (pass == 1 && !bin) {
				fprintf(stderr, "  skip %s: DUNYA_BIN is not set\n", set[i].name);
				continue;
			}
			struct dn_test_ctx t = {set[i].name, 0};
			int64_t t0 = dn_monotonic_us();
			if (set[i].fn)
				set[i].fn(&t);
			else
				run_cli_case(&t, set[i].cli_path);
			int64_t ms = (dn_monotonic_us() - t0) / 1000;
			if (t.failed)
				failed++;
			else
				passed++;
			fprintf(stderr, "%s %s (%lld ms)\n", t.failed ? "not ok" : "ok",
				set[i].name, (long long)ms);
		}
	}
	for (int i = 0; i < ncli; i++) {
		dn_free((void *)cli[i].name);
		dn_free(cli[i].cli_path);
	}
	dn_free(cli);
	if (list)
		return 0;
	if (tmpdir[0] && !getenv("DUNYA_KEEP_TMP"))
		rm_rf(tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
