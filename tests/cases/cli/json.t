JSON and NDJSON: nested objects flatten to dotted columns, arrays stay JSON text, strict parsing
with positions, conversions both ways, and JSON log lines.


  $ dunya schema nested.ndjson
  id                 int64
  user.name          string
  user.address.city  string
  tags               string
  at                 timestamp
  score              float64

  $ dunya head nested.ndjson
  id     user.name  user.address.city  tags             at                    score
  int64  string     string             string           timestamp             float64
  -----  ---------  -----------------  ---------------  --------------------  -------
      1  Ada        London             ["math","code"]  2024-01-01T10:00:00Z     null
      2  Grace      null               []               null                      9.5
      3  Edsger     Nuenen             null             2024-01-02T23:00:00Z      7.0

  $ dunya -q convert nested.ndjson - --to csv
  id,user.name,user.address.city,tags,at,score
  1,Ada,London,"[""math"",""code""]",2024-01-01T10:00:00Z,
  2,Grace,,[],,9.5
  3,Edsger,Nuenen,,2024-01-02T23:00:00Z,7.0

  $ dunya -q convert nested.ndjson - --to json
  [
  {"id":1,"user.name":"Ada","user.address.city":"London","tags":"[\"math\",\"code\"]","at":"2024-01-01T10:00:00Z","score":null},
  {"id":2,"user.name":"Grace","user.address.city":null,"tags":"[]","at":null,"score":9.5},
  {"id":3,"user.name":"Edsger","user.address.city":"Nuenen","tags":null,"at":"2024-01-02T23:00:00Z","score":7.0}
  ]

  $ dunya -q convert people.csv - --to ndjson
  {"id":1,"name":"Ada Lovelace","born":"1815-12-10","height":1.65,"member":true,"joined":"2020-01-05T10:00:00Z"}
  {"id":2,"name":"Hopper, Grace","born":"1906-12-09","height":null,"member":false,"joined":"2021-06-30T08:30:00Z"}
  {"id":3,"name":"Alan \"Turing\"","born":"1912-06-23","height":1.78,"member":true,"joined":null}
  {"id":4,"name":"Edsger Dijkstra","born":"1930-05-11","height":1.85,"member":false,"joined":"2022-02-02T01:02:02.500Z"}

  $ dunya -q convert people.csv $TMP/p.json && dunya -q convert $TMP/p.json - --to csv
  id,name,born,height,member,joined
  1,Ada Lovelace,1815-12-10,1.65,true,2020-01-05T10:00:00Z
  2,"Hopper, Grace",1906-12-09,,false,2021-06-30T08:30:00Z
  3,"Alan ""Turing""",1912-06-23,1.78,true,
  4,Edsger Dijkstra,1930-05-11,1.85,false,2022-02-02T01:02:02.500Z

  $ dunya count badlines.ndjson
  dunya: error: badlines.ndjson:2:9: expected a string key after ',', found '}' (trailing commas are not allowed in JSON) (--bad-rows skip or quarantine loads the other rows)
  [1]

  $ dunya --log-format json count badlines.ndjson --bad-rows skip 2>&1 | sed 's/"ts":"[^"]*"/"ts":"T"/; s/([^)]*)/(...)/'
  {"ts":"T","level":"info","msg":"read 3 rows (...): 2 loaded, 1 skipped, 0 quarantined"}
  2

  $ printf '[{"a":1},{"a":2]' | dunya count - --from json
  dunya: error: <stdin>:1:16: expected ',' or '}' after an object member, found ']'
  [1]

