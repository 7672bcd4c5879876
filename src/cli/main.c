/* dunya's entry point: global options, then one subcommand. Each subcommand lives in its own
 * file and registers in the table below. */
#include <stdlib.h>
#include <string.h>

#include "../quality/quality.h"
#include "cli.h"

static const struct dn_cmd *commands[] = {
	&dn_cmd_schema, &dn_cmd_head,    &dn_cmd_convert,  &dn_cmd_count,  &dn_cmd_profile,
	&dn_cmd_check,  &dn_cmd_version, &dn_cmd_cron,     &dn_cmd_init,   &dn_cmd_validate,
	&dn_cmd_run,    &dn_cmd_trigger, &dn_cmd_backfill, &dn_cmd_clear,  &dn_cmd_scheduler,
	&dn_cmd_runs,   &dn_cmd_status,  &dn_cmd_logs,     &dn_cmd_pause,  &dn_cmd_unpause,
	&dn_cmd_load,   &dn_cmd_sql,     &dn_cmd_lake,     &dn_cmd_models,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fprintf(out,
		"dunya %s: the modern data stack in one program\n"
		"\n"
		"usage: dunya [--log-format text|json] [--log-level LEVEL] [--project DIR]\n"
		"             COMMAND [ARGS]\n"
		"\n"
		"commands:\n",
		DN_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n"
		     "global options:\n"
		     "  --log-format text|json  log lines as text (default) or JSON objects\n"
		     "  --log-level LEVEL       debug, info (default), warn, error or off\n"
		     "  --project DIR           the project folder (default: the nearest folder\n"
		     "                          at or above this one holding dunya.yaml)\n"
		     "  -q, --quiet             same as --log-level warn\n"
		     "  -h, --help              this help; `dunya COMMAND --help` for a command\n"
		     "\n"
		     "exit codes: 0 success, 1 data or input error, 2 usage error\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	dn_quality_register_tasks(NULL);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (dn_cli_is_help(a)) {
			usage(stdout);
			return DN_EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("dunya %s\n", DN_VERSION);
			return DN_EXIT_OK;
		} else if (!strcmp(a, "--log-format") && i + 1 < argc) {
			const char *v = argv[++i];
			if (!strcmp(v, "json"))
				dn_log_set_format(DN_LOG_JSON);
			else if (!strcmp(v, "text"))
				dn_log_set_format(DN_LOG_TEXT);
			else
				return dn_cli_usage(NULL,
						    "--log-format takes text or json, not '%s'", v);
		} else if (!strcmp(a, "--log-level") && i + 1 < argc) {
			enum dn_log_level lv;
			if (dn_log_level_parse(argv[++i], &lv) < 0)
				return dn_cli_usage(
					NULL, "--log-level takes debug, info, warn, error or off");
			dn_log_set_level(lv);
		} else if (!strcmp(a, "--project") && i + 1 < argc) {
			dn_cli_project = argv[++i];
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			dn_log_set_level(DN_LOG_WARN);
		} else {
			return dn_cli_usage(NULL, "unknown option '%s'", a);
		}
	}
	if (i == argc) {
		usage(stderr);
		return DN_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 < argc) {
			for (size_t k = 0; k < NCOMMANDS; k++)
				if (!strcmp(commands[k]->name, argv[i + 1])) {
					commands[k]->help(stdout);
					return DN_EXIT_OK;
				}
			return dn_cli_usage(NULL, "no command '%s'", argv[i + 1]);
		}
		usage(stdout);
		return DN_EXIT_OK;
	}
	for (size_t k = 0; k < NCOMMANDS; k++) {
		if (strcmp(commands[k]->name, name) != 0)
			continue;
		for (int j = i + 1; j < argc; j++) {
			if (!strcmp(argv[j], "--"))
				break;
			if (dn_cli_is_help(argv[j])) {
				commands[k]->help(stdout);
				return DN_EXIT_OK;
			}
		}
		dn_cli_command = commands[k]->name;
		if (!commands[k]->long_running)
			dn_alloc_keep_freed(); /* a command that runs and exits */
		return commands[k]->run(argc - i, argv + i);
	}
	return dn_cli_usage(NULL, "unknown command '%s'; see `dunya --help`", name);
}
