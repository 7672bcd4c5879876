Converting: formats by extension, stdin/stdout, widening after the sample, atomic output.

  $ dunya -q convert people.csv $TMP/p.tsv && cat $TMP/p.tsv
  id	name	born	height	member	joined
  1	Ada Lovelace	1815-12-10	1.65	true	2020-01-05T10:00:00Z
  2	"Hopper, Grace"	1906-12-09		false	2021-06-30T08:30:00Z
  3	"Alan ""Turing"""	1912-06-23	1.78	true	
  4	Edsger Dijkstra	1930-05-11	1.85	false	2022-02-02T01:02:02.500Z

  $ dunya -q convert $TMP/p.tsv $TMP/p2.csv && cat $TMP/p2.csv
  id,name,born,height,member,joined
  1,Ada Lovelace,1815-12-10,1.65,true,2020-01-05T10:00:00Z
  2,"Hopper, Grace",1906-12-09,,false,2021-06-30T08:30:00Z
  3,"Alan ""Turing""",1912-06-23,1.78,true,
  4,Edsger Dijkstra,1930-05-11,1.85,false,2022-02-02T01:02:02.500Z

  $ cat people.csv | dunya -q convert - - --from csv --to csv --out-delimiter ";" --no-out-header
  1;Ada Lovelace;1815-12-10;1.65;true;2020-01-05T10:00:00Z
  2;"Hopper, Grace";1906-12-09;;false;2021-06-30T08:30:00Z
  3;"Alan ""Turing""";1912-06-23;1.78;true;
  4;Edsger Dijkstra;1930-05-11;1.85;false;2022-02-02T01:02:02.500Z

  $ dunya convert widen.csv - --to csv --infer-rows 2 2>&1 | sed "s/^.*info  //; s/(.*s)/(...)/"
  n,code,day
  1.0,001,2024-01-01T00:00:00Z
  2.0,002,2024-01-02T00:00:00Z
  3.0,003,2024-01-03T00:00:00Z
  4.5,X9,2024-01-04T12:00:00Z
  read 4 rows (...): 4 loaded, 0 skipped, 0 quarantined
  column 'n' widened from int64 to float64 at line 5 (a value did not fit the type inferred from the sample)
  column 'day' widened from date to timestamp at line 5 (a value did not fit the type inferred from the sample)

  $ dunya convert ragged.csv $TMP/never.csv; ls $TMP/never.csv $TMP/.never* 2>&1 | sed "s#$TMP#TMP#"
  dunya: error: ragged.csv:5:6: expected 2 fields, found 3 (--bad-rows skip or quarantine loads the other rows)
  ls: cannot access 'TMP/never.csv': No such file or directory
  ls: cannot access 'TMP/.never*': No such file or directory

  $ dunya -q convert people.csv $TMP/crlf.csv --crlf && od -c $TMP/crlf.csv | head -2
  0000000   i   d   ,   n   a   m   e   ,   b   o   r   n   ,   h   e   i
  0000020   g   h   t   ,   m   e   m   b   e   r   ,   j   o   i   n   e

