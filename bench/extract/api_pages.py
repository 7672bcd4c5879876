#!/usr/bin/python3
"""Pages of JSON records for the API extraction benchmark. Standard library only; 127.0.0.1
only.

    api_pages.py PORTFILE PAGES RECORDS_PER_PAGE [--live]

By default every page is serialized once at start-up, so the server costs little next to the
client and the client is the bottleneck. With --live each request serializes its page
(json.dumps of the page's records, as an API built on a web framework does), so the server
sets the pace, as a real API does.

GET /items?page=N answers page N (1..PAGES) as {"data": [...], "next": N+1 or null}; a page
after the last is empty. Each record has an id, a name, a timestamp, a price, a nested object
and a list, like a typical REST API's.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, PAGES, PER = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
LIVE = "--live" in sys.argv[4:]
pages = {}
records = {}
for p in range(1, PAGES + 2):
    recs = [] if p > PAGES else [
        {"id": (p - 1) * PER + i, "name": "item %d" % ((p - 1) * PER + i),
         "updated_at": "2024-01-%02dT%02d:%02d:00Z" % (1 + i % 28, i % 24, i % 60),
         "price": round(1 + i * 0.37, 2), "active": i % 3 != 0,
         "owner": {"id": i % 97, "name": "owner %d" % (i % 97)}, "tags": ["a", "b", str(i % 7)]}
        for i in range(PER)]
    records[p] = recs
    if not LIVE:
        pages[p] = json.dumps({"data": recs, "next": p + 1 if p <= PAGES else None}).encode()


def page(n):
    if n not in records:
        n = PAGES + 1
    if not LIVE:
        return pages[n]
    return json.dumps({"data": records[n], "next": n + 1 if n <= PAGES else None}).encode()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        q = self.path.partition("?")[2]
        n = 1
        for kv in q.split("&"):
            if kv.startswith("page="):
                n = int(kv[5:])
        body = page(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
