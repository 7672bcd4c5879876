Projects: `dunya init` creates one, `dunya validate` checks it and lists every problem as
file:line:column: message.

  $ cd $TMP && dunya init p
  created a dunya project in p:
    pipelines/
    sql/
    models/
    lake/
    .dunya/
    .env
    .gitignore
    pipelines/hello.yaml
    dunya.yaml
  next: put secrets in p/.env, then run `dunya validate` inside p

  $ cd $TMP/p && ls -A && ls lake .dunya && cat .gitignore
  .dunya
  .env
  .gitignore
  dunya.yaml
  lake
  models
  pipelines
  sql
  .dunya:
  logs
  
  lake:
  consumption
  curated
  raw
  # secrets: never commit them
  .env
  # dunya's state: metadata database, logs
  .dunya/
  # data written by pipelines
  /lake/
  /warehouse.db

A new project is valid as it stands.

  $ dunya --project $TMP/p validate
  ok: 1 pipeline, 2 tasks

Commands find the project by walking up from the working directory, like git.

  $ cd $TMP/p/pipelines && dunya validate
  ok: 1 pipeline, 2 tasks

  $ cd $TMP && dunya validate --project p
  ok: 1 pipeline, 2 tasks

init never overwrites a project.

  $ cd $TMP && dunya init p
  dunya: error: p/dunya.yaml already exists: dunya init never overwrites a project (edit it, or choose another folder)
  [1]

Outside a project, or with --project naming a folder that is not one:

  $ cd $TMP && dunya validate
  dunya: error: not inside a dunya project: no dunya.yaml here or in any parent folder (run this inside a project, pass --project DIR, or create one with `dunya init DIR`)
  [1]

  $ dunya --project projects validate
  dunya: error: projects is not a dunya project: it has no dunya.yaml (create one with `dunya init projects`)
  [1]

A broken project: every problem in every file, sorted, then a summary; exit 1.

  $ dunya --project projects/broken validate
  .env:4:5: expected '=' after not
  dunya.yaml:2:1: unknown project key 'conections' (did you mean 'connections'?)
  dunya.yaml:5:7: connection 'pg': unknown scheme 'postgress' (did you mean 'postgres'?)
  dunya.yaml:6:21: undefined variable ${BROKEN_API_TOKEN}: set it in the environment or .env, or give a default: ${BROKEN_API_TOKEN:-default}
  dunya.yaml:10:13: unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)
  dunya.yaml:11:12: retries must be a whole number >= 0, not '-1'
  pipelines/cycles.yaml:2:14: invalid schedule: hour field: 25 is out of range 0-23
  pipelines/cycles.yaml:3:11: unknown time zone 'Europe/Pariss' (did you mean 'Europe/Paris'?)
  pipelines/cycles.yaml:5:9: cycle: a -> b -> c -> a
  pipelines/cycles.yaml:14:9: cycle: solo -> solo
  pipelines/daily.yaml:3:1: unknown pipeline key 'schedul' (did you mean 'schedule'?)
  pipelines/daily.yaml:8:11: unknown task type 'shel' (did you mean 'shell'?)
  pipelines/daily.yaml:10:21: undefined template variable 'params.regoin': the pipeline declares no param 'regoin' (did you mean 'params.region'?)
  pipelines/daily.yaml:13:5: unknown task key 'retrys' (did you mean 'retries'?)
  pipelines/daily.yaml:14:18: task 'load' depends on 'extrct', which is not a task in this pipeline (did you mean 'extract'?)
  pipelines/daily.yaml:15:19: invalid trigger_rule 'all_sucess' (did you mean 'all_success'?)
  pipelines/daily.yaml:16:18: retry_delay: '5x' is not a duration (a number of seconds, or e.g. 30s, 5m, 1h30m)
  pipelines/daily.yaml:20:34: template variable 'tasks.extract.output.rows': task 'extract' is not upstream of 'load' (add it to depends_on)
  pipelines/daily.yaml:21:9: duplicate task id 'load' (first defined on line 11)
  pipelines/daily.yaml:27:21: template variable 'tasks.extract.output.rows': task 'extract' is not upstream of 'report' (add it to depends_on)
  pipelines/daily.yaml:27:53: undefined template variable 'conn.warehouse.hots': a connection has no part 'hots' (did you mean 'host'?)
  pipelines/daily.yaml:27:79: undefined variable ${UNDEFINED_VAR_XYZ}: set it in the environment or .env, or give a default: ${UNDEFINED_VAR_XYZ:-default}
  pipelines/syntax.yaml:5:4: YAML syntax error: did not find expected '-' indicator while parsing a block collection
  23 problems in 5 files
  [1]

The password that .env gives the pg connection appears nowhere in the output.

  $ dunya --project projects/broken validate 2>&1 | grep -c hunter2
  0
  [1]

Setting the missing variable and overriding the broken connection removes those problems.

  $ BROKEN_API_TOKEN=t DUNYA_CONN_PG=postgres://app@db/app dunya --project projects/broken validate | grep -c dunya.yaml
  3
