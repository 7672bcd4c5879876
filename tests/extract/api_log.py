#!/usr/bin/python3
"""Summaries of api_server.py's request log for the cram cases (tests/cases/cli/api.t).

    api_log.py LOG PREFIX    one line per request whose path starts with PREFIX: method, path
                             and sorted query, Authorization, X-Api-Key, the body's start
    api_log.py --vars LOG    the GraphQL variables of each /graphql request
    api_log.py --limits LOG  the rate-limit and retry checks of the limits pipeline
    api_log.py --conns LOG PREFIX   how many requests went to paths starting with PREFIX, and
                             over how many TCP connections (distinct client ports)
"""
import json
import sys


def reqs(log):
    return [json.loads(line) for line in open(log)]


if sys.argv[1] == "--vars":
    for r in reqs(sys.argv[2]):
        if r["path"] == "/graphql":
            print(json.loads(r["body"])["variables"])
elif sys.argv[1] == "--limits":
    rs = reqs(sys.argv[2])
    t = [r["t"] for r in rs if r["path"] == "/page"]
    gap = min(b - a for a, b in zip(t, t[1:]))
    print(len(t), "requests to /page, smallest gap >= 0.19 s:", gap >= 0.19)
    for k in "abc":
        t = [r["t"] for r in rs if r["path"] == "/limited" and r["query"]["k"] == k]
        print(k, len(t), "requests, waited >= 0.9 s:", t[1] - t[0] >= 0.9)
    print(len([r for r in rs if r["path"] == "/flaky"]), "requests to /flaky")
elif sys.argv[1] == "--conns":
    rs = [r for r in reqs(sys.argv[2]) if r["path"].startswith(sys.argv[3])]
    ports = set(r["port"] for r in rs)
    print(len(rs), "requests to %s, %d connection%s" % (sys.argv[3], len(ports),
                                                     "" if len(ports) == 1 else "s"))
else:
    for r in reqs(sys.argv[1]):
        if r["path"].startswith(sys.argv[2]):
            q = "&".join("%s=%s" % kv for kv in sorted(r["query"].items()))
            print(" ".join(x for x in [r["method"], r["path"] + ("?" + q if q else ""),
                                       r["auth"] or "", r["key"] or "", r["body"][:60]] if x))
