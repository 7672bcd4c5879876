Help, version and usage errors: usage errors exit 2 with one line on stderr.

  $ dunya version
  dunya 0.1.0

  $ dunya --help | head -1
  dunya 0.1.0: the modern data stack in one program

  $ dunya head --help | head -1
  usage: dunya head FILE [-n N] [options]

  $ dunya nosuch
  dunya: usage error: unknown command 'nosuch'; see `dunya --help`
  [2]

  $ dunya head
  dunya: usage error: name an input file (or - for standard input) (see `dunya head --help`)
  [2]

  $ dunya head people.csv -n
  dunya: usage error: -n takes a number of rows (see `dunya head --help`)
  [2]

  $ dunya convert people.csv
  dunya: usage error: name an input and an output file (- for stdin/stdout) (see `dunya convert --help`)
  [2]

  $ dunya convert people.csv out.xlsx
  dunya: usage error: cannot tell the output format of 'out.xlsx'; add --to csv|tsv|ndjson|json|parquet (see `dunya convert --help`)
  [2]

  $ dunya head people.csv --bad-rows maybe
  dunya: usage error: --bad-rows takes fail, skip or quarantine, not 'maybe' (see `dunya head --help`)
  [2]

  $ dunya head people.csv --types height=decimal
  dunya: usage error: unknown type 'decimal' for column 'height' (types: bool, int64, float64, string, date, timestamp) (see `dunya head --help`)
  [2]

  $ dunya --log-format xml version
  dunya: usage error: --log-format takes text or json, not 'xml' (see `dunya --help`)
  [2]

  $ dunya head no-such-file.csv
  dunya: error: no-such-file.csv: cannot open: No such file or directory
  [1]

