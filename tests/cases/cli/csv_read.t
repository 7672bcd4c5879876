Reading CSV: inferred types, quoting, nulls, delimiters, declared types.

  $ dunya schema people.csv
  id      int64
  name    string
  born    date
  height  float64
  member  bool
  joined  timestamp

  $ dunya schema people.csv --json
  {"columns":[{"name":"id","type":"int64"},{"name":"name","type":"string"},{"name":"born","type":"date"},{"name":"height","type":"float64"},{"name":"member","type":"bool"},{"name":"joined","type":"timestamp"}]}

  $ dunya head people.csv -n 2
  id     name           born        height   member  joined
  int64  string         date        float64  bool    timestamp
  -----  -------------  ----------  -------  ------  --------------------
      1  Ada Lovelace   1815-12-10     1.65  true    2020-01-05T10:00:00Z
      2  Hopper, Grace  1906-12-09     null  false   2021-06-30T08:30:00Z

  $ dunya schema semi.csv
  a     int64
  b     string
  c     float64

  $ dunya head semi.csv
  a      b           c
  int64  string      float64
  -----  ----------  -------
      1  x y             2.5
      2  semi;colon      3.0

  $ dunya schema people.csv --types id=string,height=float64
  id      string
  name    string
  born    date
  height  float64
  member  bool
  joined  timestamp

  $ dunya schema people.csv --all-strings | head -2
  id      string
  name    string

  $ dunya schema people.csv --types nosuch=int
  dunya: error: people.csv: --types names column 'nosuch', which the file does not have
  [2]

  $ printf "x|y\n1|2\n" | dunya head - --from csv
  x      y
  int64  int64
  -----  -----
      1      2

  $ printf "1,2\n3,4\n" | dunya head - --from csv --no-header
  column1  column2
  int64    int64
  -------  -------
        1        2
        3        4

  $ printf "a,b\n\"NA\",NA\n" | dunya head - --from csv
  a       b
  string  string
  ------  ------
  NA      null

  $ printf "a,b\n\"NA\",NA\n" | dunya head - --from csv --null x
  a       b
  string  string
  ------  ------
  NA      NA


Reading some columns only, in the order asked; the others are not converted:

  $ dunya head people.csv --columns joined,name -n 3
  joined                name
  timestamp             string
  --------------------  -------------
  2020-01-05T10:00:00Z  Ada Lovelace
  2021-06-30T08:30:00Z  Hopper, Grace
  null                  Alan "Turing"

  $ dunya head people.csv --columns nope
  dunya: error: people.csv:1: no column 'nope' in the file (its columns: id, name, born, height, member, joined)
  [1]

  $ dunya head people.csv --columns id,id
  dunya: error: people.csv: --columns names 'id' twice
  [2]
