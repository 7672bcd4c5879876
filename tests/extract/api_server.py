#!/usr/bin/python3
"""A JSON API for dunya's extract.api tests, on 127.0.0.1 only. Standard library only.

    api_server.py LOGFILE PORTFILE

Binds a free port, writes it to PORTFILE, and appends one JSON line per request to LOGFILE:
{"t": seconds (monotonic), "method", "path", "query": {...}, "auth": Authorization header,
"key": X-Api-Key header, "body": request body, "port": the client's port (one per TCP
connection)}. Tests read the log to assert exact request sequences. Stateful endpoints
(failures, rate limits, tokens) count per path and `k` query param, so one server serves many
cases.

Endpoints (GET unless said):
  /page?page=N            3 pages of 2 records, then an empty page
  /offset?offset=&limit=  5 records
  /cursor?cursor=C        {"data": {"items": [...]}, "meta": {"next_cursor": ...}}, 3 pages
  /link                   3 pages chained by Link: <...>; rel="next" (relative URLs)
  /graphql (POST)         {"data": {"things": {"nodes": [...], "pageInfo": {...}}}}, 2 pages
  /bearer /basic /header_key /query_key   one page, 401 unless the credentials are right
  /oauth/token (POST)     form grant_type=client_credentials: {"access_token", "expires_in"}
  /oauth/items?revoke=1   one page with the current token; revoke=1: the first token gets 401
  /limited?k=&mode=       429 once (Retry-After 1 s or, mode=long, 100 s; an HTTP date; or
                          X-RateLimit-Reset)
  /flaky?k=&fails=N       500 N times, then one page
  /always500 /malformed /html /notarray /truncated /loop /empty_object
  /since?updated_since=   records changed after the bookmark
  /mixed?page=N           3 pages whose records change from page to page (a column only on
                          page 3, int then float, int then string, null then int, a nested
                          object, keys in different orders), then an empty page
  /many?page=N            12 pages of 100 records, then an empty page
  /badrecord?page=N       3 pages of which page 2's third record is not valid JSON
  /pretty?page=N&bad=     2 pretty-printed pages (indented, one value a line); bad=1: page 2
                          has a raw line break inside a string (not valid JSON)
"""
import email.utils
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
lock = threading.Lock()
counts = {}
tokens = {"n": 0}


def rec(i, **extra):
    r = {"id": i, "name": "item%d" % i, "updated_at": "2024-01-%02dT00:00:00Z" % i,
         "meta": {"owner": {"name": "ann"}, "tags": ["a", "b"]}}
    r.update(extra)
    return r


def count(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, obj=None, headers=(), raw=None, ctype="application/json"):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"t": time.monotonic(), "method": method, "path": u.path,
                                "query": q, "auth": self.headers.get("Authorization"),
                                "key": self.headers.get("X-Api-Key"), "body": body,
                                "port": self.client_address[1]}) + "\n")
        last["t"] = time.monotonic()
        p = u.path
        k = p + "|" + q.get("k", "")
        if p == "/page":
            page = int(q.get("page", "1"))
            items = [rec(2 * page - 1), rec(2 * page)] if page <= 3 else []
            return self.send(200, items)
        if p == "/offset":
            off, lim = int(q["offset"]), int(q["limit"])
            return self.send(200, {"results": [rec(i) for i in range(off + 1, min(off + lim, 5) + 1)]})
        if p == "/cursor":
            c = q.get("cursor", "")
            page = {"": 1, "c2": 2, "c3": 3}.get(c, 9)
            nxt = {1: "c2", 2: "c3"}.get(page)
            return self.send(200, {"data": {"items": [rec(page)]}, "meta": {"next_cursor": nxt}})
        if p == "/link":
            page = int(q.get("p", "1"))
            h = [("Link", '</link?p=%d>; rel="next", </link?p=1>; rel="first"' % (page + 1))] if page < 3 else []
            return self.send(200, [rec(page)], headers=h)
        if p == "/graphql":
            v = json.loads(body).get("variables", {})
            page = 2 if v.get("after") == "cur1" else 1
            info = {"endCursor": "cur1" if page == 1 else None, "hasNextPage": page == 1}
            return self.send(200, {"data": {"things": {"nodes": [rec(page)], "pageInfo": info}}})
        if p == "/bearer":
            if self.headers.get("Authorization") != "Bearer s3cret-token":
                return self.send(401, {"error": "unauthorized"})
            return self.send(200, [rec(1)])
        if p == "/basic":
            if self.headers.get("Authorization") != "Basic YW5uOmh1bnRlcjIy":  # ann:hunter22
                return self.send(401, {"error": "unauthorized"})
            return self.send(200, [rec(1)])
        if p == "/header_key":
            if self.headers.get("X-Api-Key") != "k3y-value":
                return self.send(401, {"error": "unauthorized"})
            return self.send(200, [rec(1)])
        if p == "/query_key":
            if q.get("api_key") != "k3y-value":
                return self.send(401, {"error": "unauthorized"})
            return self.send(200, [rec(1)])
        if p == "/oauth/token":
            f = dict(urllib.parse.parse_qsl(body))
            if f.get("grant_type") != "client_credentials" or f.get("client_secret") != "cl1ent-secret":
                return self.send(401, {"error": "invalid_client"})
            with lock:
                tokens["n"] += 1
                t = "tok%d" % tokens["n"]
            return self.send(200, {"access_token": t, "token_type": "Bearer", "expires_in": 3600})
        if p == "/oauth/items":
            auth = self.headers.get("Authorization") or ""
            cur = "Bearer tok%d" % tokens["n"]
            if auth != cur or (q.get("revoke") and auth == "Bearer tok1"):
                return self.send(401, {"error": "invalid_token"})
            page = int(q.get("page", "1"))
            return self.send(200, [rec(page)] if page <= 2 else [])
        if p == "/limited":
            if count(k) == 1:
                mode = q.get("mode", "seconds")
                if mode == "seconds":
                    h = [("Retry-After", "1")]
                elif mode == "long":
                    h = [("Retry-After", "100")]
                elif mode == "date":
                    h = [("Retry-After", email.utils.formatdate(time.time() + 2, usegmt=True))]
                else:
                    h = [("X-RateLimit-Reset", str(int(time.time()) + 2))]
                return self.send(429, {"error": "slow down"}, headers=h)
            return self.send(200, [rec(1)])
        if p == "/flaky":
            if count(k) <= int(q.get("fails", "1")):
                return self.send(500, {"error": "oops"})
            return self.send(200, [rec(1)])
        if p == "/always500":
            return self.send(500, {"error": "down"})
        if p == "/malformed":
            return self.send(200, raw=b'[{"id": 1, "name": "x"')
        if p == "/html":
            return self.send(200, raw=b"<!DOCTYPE html><html><body>Login</body></html>",
                             ctype="text/html; charset=utf-8")
        if p == "/notarray":
            return self.send(200, {"data": {"items": {"id": 1}}})
        if p == "/empty_object":
            return self.send(200, {"id": 1})
        if p == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'[{"id": 1}')
            self.wfile.flush()
            self.close_connection = True
            return
        if p == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if p == "/since":
            since = q.get("updated_since", "")
            rs = [rec(i) for i in range(1, 4 + (1 if since else 0))]
            return self.send(200, [r for r in rs if r["updated_at"] > since])
        if p == "/mixed":
            page = int(q.get("page", "1"))
            pages = {
                1: [{"id": 1, "n": 1, "m": 1, "z": None, "owner": {"id": 10, "name": "ann"}},
                    {"owner": {"name": "bob", "id": 11}, "z": None, "m": 2, "n": 2, "id": 2}],
                2: [{"id": 3, "n": 2.5, "m": "three", "z": 5, "owner": {"id": 12}},
                    {"m": "four", "id": 4, "z": 6, "n": 4}],
                3: [{"late": "x", "id": 5, "n": 5, "m": 5, "z": 7,
                     "owner": {"id": 13, "name": "cy"}}],
            }
            return self.send(200, pages.get(page, []))
        if p == "/many":
            page = int(q.get("page", "1"))
            items = [{"id": 100 * (page - 1) + i, "page": page, "v": "r%d" % i}
                     for i in range(1, 101)] if page <= 12 else []
            return self.send(200, items)
        if p == "/badrecord":
            page = int(q.get("page", "1"))
            if page == 2:
                return self.send(200, raw=b'[{"id": 3}, {"id": 4},\n {"id": 5, "x": }, {"id": 6}]')
            return self.send(200, [rec(page)] if page <= 3 else [])
        if p == "/pretty":
            page = int(q.get("page", "1"))
            if page > 2:
                return self.send(200, [])
            items = [{"id": 2 * page - 1, "text": "line one\nline two", "o": {"k": [1, 2]}},
                     {"id": 2 * page, "text": "plain", "o": {"k": []}}]
            body = json.dumps(items, indent=2)
            if page == 2 and q.get("bad"):
                body = body.replace("line one\\nline two", "line one\nline two")
            return self.send(200, raw=body.encode())
        return self.send(404, {"error": "no such endpoint"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


def watchdog():
    """End the server once no request came for IDLE seconds: a test run that stops before
    killing it leaves no server behind."""
    while time.monotonic() - last["t"] < IDLE:
        time.sleep(1)
    os._exit(0)


IDLE = 300
last = {"t": time.monotonic()}
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=watchdog, daemon=True).start()
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
