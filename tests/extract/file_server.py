#!/usr/bin/python3
"""A file server for dunya's extract.file and extract.scrape tests, on 127.0.0.1 only.
Standard library only.

    file_server.py LOGFILE PORTFILE DIR [OWNER_PID]

With OWNER_PID the server exits once that process has (a test that fails half-way leaves no
server behind). Binds a free port, writes it to PORTFILE, and appends one JSON line per request to LOGFILE:
{"t": seconds (monotonic), "method", "path", "query", "range", "if_range", "if_none_match",
"if_modified_since", "ua"}, so tests assert exact request sequences.

Serves the files under DIR with an ETag (from the bytes), Last-Modified (the file's time),
Range requests (bytes=N- and bytes=N-M, with If-Range), If-None-Match and If-Modified-Since
(304), and an HTML index page of links for a folder (a path ending in '/'; 404 when it is not a
folder). /robots.txt is DIR/robots.txt (404 when absent). Stateful misbehaviour, counted per
path and `k` query param:
  /cut/PATH?k=         the first answer sends half the body, then closes the connection
  /limited/PATH?k=     429 with Retry-After: 1 the first time
  /flaky/PATH?k=&fails=N   500 N times
  /always500/PATH      500 every time
  /truncated/PATH      Content-Length promises more than is sent
  /stall/PATH          sends a few bytes, then nothing for 30 s
  /loop/PATH           redirects to itself
  /htmlpage/PATH       an HTML login page (text/html) with status 200
  /always304/PATH      304 Not Modified, asked or not
  /ctype/TYPE/PATH     the file with that Content-Type (e.g. /ctype/text-html/x)
"""
import email.utils
import hashlib
import html
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, PORTFILE, ROOT = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
lock = threading.Lock()
counts = {}


def count(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def plain(self, code, body=b"", headers=(), ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def index(self, rel, full):
        names = sorted(os.listdir(full))
        links = "".join('<li><a href="%s">%s</a></li>' % (
            urllib.parse.quote(n) + ("/" if os.path.isdir(os.path.join(full, n)) else ""),
            html.escape(n)) for n in names)
        body = ('<!DOCTYPE html><html><head><title>Index of /%s</title></head><body>'
                '<h1>Index of /%s</h1><ul><li><a href="../">Parent</a></li>%s</ul>'
                '<a href="mailto:x@example.com">mail</a></body></html>' % (rel, rel, links))
        self.plain(200, body.encode(), ctype="text/html; charset=utf-8")

    def serve(self, rel, mode="", q=None):
        full = os.path.normpath(os.path.join(ROOT, rel))
        if not full.startswith(ROOT):
            return self.plain(403, b"no")
        if rel.endswith("/") or rel == "":
            if os.path.isdir(full):
                return self.index(rel, full)
            return self.plain(404, b"not found")
        if not os.path.isfile(full):
            return self.plain(404, b"not found")
        data = open(full, "rb").read()
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:16]
        mtime = int(os.stat(full).st_mtime)
        lm = email.utils.formatdate(mtime, usegmt=True)
        ctype = "application/octet-stream"
        for ext, t in ((".csv", "text/csv"), (".json", "application/json"),
                       (".html", "text/html; charset=utf-8"), (".txt", "text/plain")):
            if full.endswith(ext):
                ctype = t
        if q and q.get("ctype"):
            ctype = q["ctype"]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (inm and inm == etag) or (not inm and ims and
                                      email.utils.parsedate_to_datetime(ims).timestamp() >= mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", lm)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end, code = 0, len(data) - 1, 200
        rng = self.headers.get("Range")
        ifr = self.headers.get("If-Range")
        if rng and rng.startswith("bytes=") and (not ifr or ifr == etag or ifr == lm):
            a, _, b = rng[6:].partition("-")
            start = int(a)
            end = int(b) if b else len(data) - 1
            if start >= len(data):
                return self.plain(416, b"", headers=[("Content-Range", "bytes */%d" % len(data))])
            code = 206
        body = data[start:end + 1]
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lm)
        self.send_header("Accept-Ranges", "bytes")
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if mode == "cut":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self.wfile.write(body[:3])
            self.wfile.flush()
            time.sleep(30)
            return
        self.wfile.write(body)

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"t": time.monotonic(), "method": self.command, "path": u.path,
                                "query": q, "range": self.headers.get("Range"),
                                "if_range": self.headers.get("If-Range"),
                                "if_none_match": self.headers.get("If-None-Match"),
                                "if_modified_since": self.headers.get("If-Modified-Since"),
                                "ua": self.headers.get("User-Agent")}) + "\n")
        p = urllib.parse.unquote(u.path)
        k = p + "|" + q.get("k", "")
        parts = p.lstrip("/").split("/", 1)
        head, rest = parts[0], parts[1] if len(parts) > 1 else ""
        if head == "cut":
            return self.serve(rest, "cut" if count(k) == 1 else "", q)
        if head == "limited":
            if count(k) == 1:
                return self.plain(429, b"slow down", headers=[("Retry-After", "1")])
            return self.serve(rest, "", q)
        if head == "flaky":
            if count(k) <= int(q.get("fails", "1")):
                return self.plain(500, b"oops")
            return self.serve(rest, "", q)
        if head == "always500":
            return self.plain(500, b"down")
        if head == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"id,name\n1,a\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if head == "stall":
            return self.serve(rest, "stall", q)
        if head == "loop":
            self.send_response(302)
            self.send_header("Location", u.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if head == "always304":
            self.send_response(304)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if head == "htmlpage":
            return self.plain(200, b"<!DOCTYPE html><html><body>Please log in</body></html>",
                              ctype="text/html; charset=utf-8")
        return self.serve(p.lstrip("/"), "", q)

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()


def watch(pid):
    while True:
        time.sleep(1)
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)


if len(sys.argv) > 4:
    threading.Thread(target=watch, args=(int(sys.argv[4]),), daemon=True).start()
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
