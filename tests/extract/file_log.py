#!/usr/bin/python3
"""Summaries of file_server.py's request log for the cram cases (tests/cases/cli/files.t,
scrape.t).

    file_log.py LOG PREFIX    one line per request whose path starts with PREFIX: method, path,
                              and the Range, If-Range, If-None-Match and If-Modified-Since
                              headers when sent (ETags shown as ETAG)
    file_log.py --gap LOG PREFIX   the smallest time between two requests under PREFIX
"""
import json
import sys

if sys.argv[1] == "--gap":
    t = [json.loads(line)["t"] for line in open(sys.argv[2])
         if json.loads(line)["path"].startswith(sys.argv[3])]
    print(len(t), "requests, smallest gap %.1f s" % min(b - a for a, b in zip(t, t[1:])))
    sys.exit(0)
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["path"].startswith(sys.argv[2]):
        continue
    out = [r["method"], r["path"]]
    if r["range"]:
        out.append("Range: " + r["range"])
    if r["if_range"]:
        out.append("If-Range: ETAG" if r["if_range"].startswith('"') else "If-Range: DATE")
    if r["if_none_match"]:
        out.append("If-None-Match: ETAG")
    if r["if_modified_since"]:
        out.append("If-Modified-Since: DATE")
    print(" ".join(out))
