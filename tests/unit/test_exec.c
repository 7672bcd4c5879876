/* Task processes: exit codes, logs, environment, working directory, stdin, timeouts that end the
 * whole process group, and ::output lines. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/pipeline/pipeline.h"
#include "../test.h"

static int run(const char *cmd, const char *log, const char *const *env, const char *cwd,
	       int64_t timeout_us, struct dn_proc_status *st, struct dn_error *err)
{
	struct dn_proc p;
	struct dn_proc_spec s = {cmd, env, cwd, log};
	DN_TRY(dn_proc_start(&p, &s, err));
	int rc = dn_proc_wait(&p, timeout_us, DN_USEC_PER_SEC / 5, st, err);
	dn_proc_release(&p);
	return rc;
}

static const char *slurp(const char *path)
{
	static struct dn_buf b;
	dn_buf_release(&b);
	if (dn_read_file(path, &b, 0, NULL) < 0)
		return "(unreadable)";
	return b.data ? b.data : "";
}

DN_TEST(exec_exit_codes_and_log)
{
	struct dn_proc_status st;
	struct dn_error err;
	const char *log = dn_test_tmp_path("exec1.log");
	CHECK_OK(run("echo out; echo err >&2; exit 3", log, NULL, NULL, 0, &st, &err), &err);
	CHECK_INT(st.exit_code, 3);
	CHECK_INT(st.signal, 0);
	CHECK_INT(st.timed_out, 0);
	CHECK_STR(slurp(log), "out\nerr\n");
	/* The log is appended to: a retry's output follows the first try's. */
	CHECK_OK(run("echo again", log, NULL, NULL, 0, &st, &err), &err);
	CHECK_INT(st.exit_code, 0);
	CHECK_STR(slurp(log), "out\nerr\nagain\n");
	CHECK_OK(run("no-such-command-here 2>/dev/null", NULL, NULL, NULL, 0, &st, &err), &err);
	CHECK_INT(st.exit_code, 127);
	CHECK_OK(run("kill -USR1 $$", NULL, NULL, NULL, 0, &st, &err), &err);
	CHECK_INT(st.exit_code, -1);
	CHECK_INT(st.signal, SIGUSR1);
}

DN_TEST(exec_env_cwd_stdin)
{
	struct dn_proc_status st;
	struct dn_error err;
	const char *log = dn_test_tmp_path("exec2.log");
	const char *env[] = {"DUNYA_TEST_A=one", "HOME=/nowhere", NULL};
	/* stdin is /dev/null: `cat` ends at once instead of waiting for input. */
	CHECK_OK(run("echo $DUNYA_TEST_A $HOME; pwd; cat", log, env, "/", 0, &st, &err), &err);
	CHECK_INT(st.exit_code, 0);
	CHECK_STR(slurp(log), "one /nowhere\n/\n");
	CHECK_INT(run("true", "/nonexistent-dir/x.log", NULL, NULL, 0, &st, &err), DN_EIO);
	CHECK(strstr(err.msg, "/nonexistent-dir/x.log") != NULL);
}

/* Is pid a live (not zombie) process? */
static int running(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *rp = strrchr(buf, ')'); /* state follows the command name */
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

DN_TEST(exec_timeout_kills_group)
{
	struct dn_proc_status st;
	struct dn_error err;
	const char *pidfile = dn_test_tmp_path("bg.pid");
	char cmd[600];
	/* A background child that outlives the shell unless its group is killed. */
	snprintf(cmd, sizeof cmd, "sleep 30 & echo $! > %s; wait", pidfile);
	int64_t t0 = dn_monotonic_us();
	CHECK_OK(run(cmd, NULL, NULL, NULL, DN_USEC_PER_SEC / 5, &st, &err), &err);
	int64_t took = dn_monotonic_us() - t0;
	CHECK_INT(st.timed_out, 1);
	CHECK(st.signal == SIGTERM || st.signal == SIGKILL);
	CHECK(took < 5 * DN_USEC_PER_SEC);
	long bg = strtol(slurp(pidfile), NULL, 10);
	CHECK(bg > 0);
	/* Gone, or a zombie waiting for init to reap it: either way no longer running. */
	int alive = 1;
	for (int i = 0; i < 100 && alive; i++) {
		alive = running((pid_t)bg);
		if (alive)
			usleep(10000);
	}
	CHECK(!alive);
	/* A process that ignores SIGTERM is killed after the grace period. */
	CHECK_OK(run("trap '' TERM; sleep 30", NULL, NULL, NULL, DN_USEC_PER_SEC / 10, &st, &err),
		 &err);
	CHECK_INT(st.timed_out, 1);
	CHECK_INT(st.signal, SIGKILL);
}

struct outs {
	char text[512];
};

static int collect(void *user, const char *key, const char *value)
{
	struct outs *o = user;
	size_t n = strlen(o->text);
	snprintf(o->text + n, sizeof o->text - n, "%s=%s;", key, value);
	return 0;
}

DN_TEST(exec_outputs)
{
	struct dn_proc_status st;
	struct dn_error err;
	struct outs o = {""};
	const char *log = dn_test_tmp_path("exec3.log");
	CHECK_OK(run("echo working; echo '::output rows=42'; printf '::output path=/tmp/a b\\r\\n';"
		     " echo 'not ::output x=1'; echo '::output rows=43'",
		     log, NULL, NULL, 0, &st, &err),
		 &err);
	CHECK_OK(dn_task_outputs_read(log, collect, &o, &err), &err);
	CHECK_STR(o.text, "rows=42;path=/tmp/a b;rows=43;");
	const char *bad = dn_test_write_tmp("bad.log", "ok\n::output =x\n", 15);
	CHECK_INT(dn_task_outputs_read(bad, collect, &o, &err), DN_EPARSE);
	CHECK_INT(err.line, 2);
	CHECK_INT(dn_task_outputs_read(dn_test_tmp_path("missing.log"), collect, &o, &err),
		  DN_ENOTFOUND);
}
