Bad rows: fail names file, line and column; skip counts; quarantine writes the rejects file. Summaries account for every row.

  $ dunya count ragged.csv
  dunya: error: ragged.csv:5:6: expected 2 fields, found 3 (--bad-rows skip or quarantine loads the other rows)
  [1]

  $ dunya count ragged.csv --bad-rows skip 2>&1 | sed "s/^.*info  //; s/(.*s)/(...)/"
  read 5 rows (...): 4 loaded, 1 skipped, 0 quarantined
  4

  $ dunya count ragged.csv --rejects $TMP/r.csv 2>&1 | sed "s/^.*info  //; s/(.*s)/(...)/; s#$TMP#TMP#"
  read 5 rows (...): 4 loaded, 0 skipped, 1 quarantined -> TMP/r.csv
  4

  $ cat $TMP/r.csv
  line,column,reason,record
  5,6,"expected 2 fields, found 3","4,40,extra"

  $ dunya -q count ragged.csv --types value=int64 --bad-rows quarantine --rejects $TMP/r2.csv
  3

  $ cat $TMP/r2.csv
  line,column,reason,record
  4,3,"column 'value': 'thirty' is not a valid int64","3,thirty"
  5,6,"expected 2 fields, found 3","4,40,extra"

  $ printf "a,b\n1,\"open\n2,x\n" | dunya -q count - --from csv --bad-rows skip
  0

  $ printf "a,b\n1,\"x\"y\n2,z\n" | dunya count - --from csv
  dunya: error: <stdin>:2:6: unexpected text after a closing quote (quotes inside a quoted field must be doubled) (--bad-rows skip or quarantine loads the other rows)
  [1]

  $ printf "a\n\377\n" | dunya count - --from csv --all-strings
  dunya: error: <stdin>:2:1: invalid UTF-8 in column 'a' (byte 1 of the field); convert the file to UTF-8 (--bad-rows skip or quarantine loads the other rows)
  [1]

