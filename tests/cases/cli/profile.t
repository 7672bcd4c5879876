Profiling: per-column statistics, correlations, duplicates and alerts as text, JSON or HTML.
Text: one block per column, then correlations and alerts.
  $ dunya -q profile people.csv
  people.csv: 4 rows, 6 columns, 0 duplicate rows
  
  id (int64)
    count 4  missing 0 (0.0%)  distinct 4
    min 1  max 4  mean 2.5  std 1.29099  skew 0
    zeros 0  negatives 0
    quantiles  p1 1.03  p5 1.15  p25 1.75  p50 2.5  p75 3.25  p95 3.85  p99 3.97
    top: 1 (1), 2 (1), 3 (1), 4 (1)
  
  name (string)
    count 4  missing 0 (0.0%)  distinct 4
    length min 12  mean 13.25  max 15
    top: Ada Lovelace (1), Alan "Turing" (1), Edsger Dijkstra (1), Hopper, Grace (1)
    patterns: Aa Aa (2), Aa "Aa" (1), Aa, Aa (1)
  
  born (date)
    count 4  missing 0 (0.0%)  distinct 4
    min 1815-12-10  max 1930-05-11  mean 1891-06-05T06:00:00Z
    quantiles  p1 1818-09-02T01:55:12Z  p5 1829-08-03T09:36:00Z  p25 1884-03-09  p50 1909-09-15T12:00:00Z  p75 1916-12-11T18:00:00Z  p95 1927-09-04T08:24:00Z  p99 1929-10-27T01:40:48Z
    top: 1815-12-10 (1), 1906-12-09 (1), 1912-06-23 (1), 1930-05-11 (1)
  
  height (float64)
    count 3  missing 1 (25.0%)  distinct 3
    min 1.65  max 1.85  mean 1.76  std 0.101489  skew -0.852358
    zeros 0  negatives 0
    quantiles  p1 1.6526  p5 1.663  p25 1.715  p50 1.78  p75 1.815  p95 1.843  p99 1.8486
    top: 1.65 (1), 1.78 (1), 1.85 (1)
  
  member (bool)
    count 4  missing 0 (0.0%)  distinct 2
    true 50.0%
    top: false (2), true (2)
  
  joined (timestamp)
    count 3  missing 1 (25.0%)  distinct 3
    min 2020-01-05T10:00:00Z  max 2022-02-02T01:02:02.500Z  mean 2021-03-13T22:30:40.833333Z
    quantiles  p1 2020-01-16T06:07:48Z  p5 2020-02-28T14:39:00Z  p25 2020-10-02T09:15:00Z  p50 2021-06-30T08:30:00Z  p75 2021-10-16T16:46:01.250Z  p95 2022-01-11T08:58:50.250Z  p99 2022-01-28T17:01:24.050Z
    top: 2020-01-05T10:00:00Z (1), 2021-06-30T08:30:00Z (1), 2022-02-02T01:02:02.500Z (1)
  
  correlations (Pearson / Spearman)
    id ~ height  0.999827 / 1
    id ~ member  -0.447214 / -0.447214
    height ~ member  -0.767988 / -0.866025
  
  Cramér's V
    name ~ member  1
  
  alerts
    identifier: id is unique: likely an identifier
    identifier: name is unique: likely an identifier
    correlated: id and height are highly correlated (Pearson 1.000)

JSON: the same in a fixed layout (docs/quality.md); a statistic that does not apply is null. Here
with duplicate rows and a missing value.
  $ printf 'x,y,s\n1,2.5,a\n2,,b\n3,4.5,a\n3,4.5,a\n' > $TMP/s.csv && cd $TMP && dunya -q profile s.csv --json
  {"source":"s.csv","rows":4,"duplicate_rows":1,"columns":[
  {"name":"x","type":"int64","count":4,"missing":0,"missing_pct":0,"distinct":3,"distinct_exact":true,"min":1,"max":3,"mean":2.25,"std":0.9574271077563381,"skew":-0.8545630383279712,"zeros":0,"negatives":0,"quantiles":{"p1":1.03,"p5":1.15,"p25":1.75,"p50":2.5,"p75":3,"p95":3,"p99":3},"quantiles_exact":true,"histogram":{"edges":[1,1.1,1.2,1.3,1.4,1.5,1.6,1.7000000000000002,1.8,1.9,2,2.1,2.2,2.3,2.4000000000000004,2.5,2.6,2.7,2.8,2.9000000000000004,3],"counts":[1,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,2]},"top":[{"value":"3","count":2},{"value":"1","count":1},{"value":"2","count":1}],"top_exact":true,"top_error":0,"length":null,"patterns":null,"patterns_exact":null,"widened_at_row":null},
  {"name":"y","type":"float64","count":3,"missing":1,"missing_pct":25,"distinct":2,"distinct_exact":true,"min":2.5,"max":4.5,"mean":3.8333333333333335,"std":1.1547005383792515,"skew":-1.7320508075688785,"zeros":0,"negatives":0,"quantiles":{"p1":2.54,"p5":2.7,"p25":3.5,"p50":4.5,"p75":4.5,"p95":4.5,"p99":4.5},"quantiles_exact":true,"histogram":{"edges":[2.5,2.6,2.7,2.8,2.9,3,3.1,3.2,3.3,3.4,3.5,3.6,3.7,3.8,3.9000000000000004,4,4.1,4.2,4.3,4.4,4.5],"counts":[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2]},"top":[{"value":"4.5","count":2},{"value":"2.5","count":1}],"top_exact":true,"top_error":0,"length":null,"patterns":null,"patterns_exact":null,"widened_at_row":null},
  {"name":"s","type":"string","count":4,"missing":0,"missing_pct":0,"distinct":2,"distinct_exact":true,"min":null,"max":null,"mean":null,"std":null,"skew":null,"zeros":null,"negatives":null,"quantiles":null,"quantiles_exact":null,"histogram":null,"top":[{"value":"a","count":3},{"value":"b","count":1}],"top_exact":true,"top_error":0,"length":{"min":1,"mean":1,"max":1},"patterns":[{"pattern":"a","count":4}],"patterns_exact":true,"widened_at_row":null}],
  "correlations":{"columns":["x","y"],"pearson":[[1,1],[1,1]],"spearman":[[1,1],[1,1]],"spearman_exact":true,"spearman_rows":4},
  "cramers_v":{"columns":["s"],"matrix":[[1]]},
  "target":null,
  "alerts":[
  {"column":null,"kind":"duplicates","message":"duplicate rows: 1 (25.0% of rows)"},
  {"column":"y","kind":"skewed","message":"y is skewed (skewness -1.73)"},
  {"column":"x","kind":"correlated","message":"x and y are highly correlated (Pearson 1.000)"}]}

A target column: every numeric column related to it.
  $ dunya -q profile people.csv --target height | grep -A2 '^target'
  target height
    id  Pearson 0.999827  Spearman 1
    member  Pearson -0.767988  Spearman -0.866025

Past the exact bounds, estimates say so (here the bounds are forced down).
  $ dunya -q profile people.csv --exact-rows 0 --exact-distinct 2 | sed -n '1p;3,8p'
  people.csv: 4 rows, 6 columns, duplicate rows not counted (more rows than the exact bound)
  id (int64)
    count 4  missing 0 (0.0%)  distinct ~4
    min 1  max 4  mean 2.5  std 1.29099  skew 0
    zeros 0  negatives 0
    quantiles (estimated)  p1 1.03  p5 1.15  p25 1.75  p50 2.5  p75 3.25  p95 3.85  p99 3.97
    top (estimated): 1 (1), 2 (1), 3 (1), 4 (1)

Associations with a target, strongest first, with the test that fits each pair of types: here a
0/1 target (binary), so Welch's t, Mann-Whitney U and Kolmogorov-Smirnov for numbers and
chi-square for categories; the other targets of the same file are a string (ANOVA, chi-square)
and a float (Pearson, ANOVA).
  $ dunya -q profile ../profile/assoc.csv --target y_bin | sed -n '/associations/,/^$/p'
    associations (binary target: 0 < 1), strongest first
      1. x4  chi2 165.235 (df 1)  p 8.12926e-38  effect 0.0832326
      2. x1  welch 7.55009 (df 1343.79)  p 7.99372e-14  effect 0.0293491  Mann-Whitney U 495266 p 1.96304e-13  KS D 0.149972 p 7.10874e-09
      3. x3  chi2 0.970991 (df 4)  p 0.914162  effect 0.000485495
      4. x2  welch 0.737751 (df 1396.34)  p 0.46079  effect 0.00027587  Mann-Whitney U 462959 p 0.471395  KS D 0.0529327 p 0.156928
      5. y_num  welch -0.59649 (df 1376.82)  p 0.550946  effect 0.00018215  Mann-Whitney U 447100 p 0.569753  KS D 0.0452966 p 0.309126
      6. y_cls  chi2 0.155901 (df 2)  p 0.92501  effect 7.79507e-05
      7. x5  welch 0.182684 (df 1427.49)  p 0.855072  effect 1.66598e-05  Mann-Whitney U 458324 p 0.731062  KS D 0.0235677 p 0.96251
  
  $ dunya -q profile ../profile/assoc.csv --target y_cls | sed -n '/associations/,/^$/p'
    associations (categorical target), strongest first
      1. x5  anova 142.087 (df 2, 1997)  p 2.0242e-58  effect 0.124574
      2. x3  chi2 275.469 (df 8)  p 6.7794e-55  effect 0.0688672
      3. x2  anova 2.95484 (df 2, 1997)  p 0.0523146  effect 0.00295055
      4. y_num  anova 2.1126 (df 2, 1997)  p 0.121194  effect 0.0021113
      5. x1  anova 1.20239 (df 2, 1899)  p 0.300703  effect 0.00126474
      6. x4  chi2 2.45376 (df 2)  p 0.293205  effect 0.00122688
      7. y_bin  anova 0.0778398 (df 2, 1997)  p 0.925115  effect 7.79507e-05
  
  $ dunya -q profile ../profile/assoc.csv --target y_num --json | grep -o '"kind":"numeric".*"associations":\[' 
  "kind":"numeric","binary_classes":null,"associations":[

An HTML report with a target has the association table and Cramér's V.
  $ dunya -q profile ../profile/assoc.csv --target y_bin --html $TMP/a.html > /dev/null && grep -o '<h2>[^<]*' $TMP/a.html
  <h2>Alerts
  <h2>x1 
  <h2>x2 
  <h2>x3 
  <h2>x4 
  <h2>x5 
  <h2>y_bin 
  <h2>y_cls 
  <h2>y_num 
  <h2>Associations with y_bin (binary target: 0 &lt; 1)
  <h2>Cramér's V
  <h2>Correlations (Pearson; Spearman below the diagonal)

HTML: one self-contained page (inline CSS and SVG), no links out.
  $ dunya -q profile people.csv --html $TMP/p.html > /dev/null && head -n 1 $TMP/p.html && grep -c '<svg' $TMP/p.html && grep -o 'http' $TMP/p.html | wc -l
  <!DOCTYPE html>
  6
  0

Errors.
  $ dunya -q profile people.csv --target nosuch
  dunya: usage error: --target: people.csv has no column 'nosuch' (see `dunya profile --help`)
  [2]

  $ dunya -q profile
  dunya: usage error: name an input file (or - for standard input) (see `dunya profile --help`)
  [2]
