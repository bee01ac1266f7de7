#!/usr/bin/env python3
# server.py - the local HTTP(S) server the http source's tests fetch from.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: server.py [--tls CERT KEY] [--port-file FILE] [--watch-stdin] [--lifetime S]
#
# Listens on 127.0.0.1 on a free port, and prints "HTTP_PORT FULL_PORT
# [HTTPS_PORT]" on one line to stdout, or to FILE (written whole, then
# renamed, so a reader never sees half of it). FULL_PORT is a socket whose
# queue of connections is full and never served: on Linux a new connection
# to it is never established (its SYN is dropped), as with a host that does
# not answer. With --tls, HTTPS_PORT serves the same routes over TLS.
# It stops on SIGTERM, when its stdin reaches its end (--watch-stdin: the
# test program that started it has gone, whatever the way), or after S
# seconds (default 300), so it never outlives a test run.
#
# Routes (GET; anything else is 404):
#   /data.csv /data.json /data.jsonl  the same 3 rows as text/csv, a JSON
#                       array of objects, JSON lines (application/x-ndjson):
#                       the files of the same names in this folder
#   /data.tsv           the rows tab-separated (text/tab-separated-values)
#   /table              CSV as text/plain, no extension: the body decides
#   /rows               a JSON array as application/octet-stream
#   /lines              JSON lines as text/plain
#   /typed.json?x=1     CSV sent as text/csv under a .json name: the type wins
#   /gzip.csv           CSV sent with Content-Encoding: gzip
#   /chunked.csv        CSV sent in chunks, without Content-Length
#   /echo               a CSV of the request's User-Agent and X-Token headers
#   /token              a CSV of its X-Token header alone
#   /redirect           302 to /data.csv
#   /to-file            302 to file:///etc/passwd
#   /to-ftp             302 to ftp://127.0.0.1/data.csv
#   /loop               302 to itself
#   /to-missing         302 to /missing
#   /unauthorized       401 Unauthorized
#   /missing            404 Not Found (with an HTML body)
#   /error              500 Internal Server Error
#   /teapot             418 with a made-up reason phrase
#   /page               200 text/html, a web page instead of data
#   /blob               a gzip-compressed CSV as application/octet-stream
#   /data.csv.gz        a gzip-compressed CSV as application/gzip
#   /bad.csv /bad.json  the files bad.csv (line 3 opens a quoted field that
#                       never closes) and bad.json (an array cut short)
#   /bomb.csv           1 MiB of CSV sent gzip-encoded in about 1 KiB
#   /empty.csv          200 with an empty body
#   /huge               10 MiB announced with Content-Length
#   /endless            bytes sent without end and without Content-Length
#   /short              Content-Length 1000, 16 bytes, then the connection closes
#   /silent             accepts, reads the request, never answers
#   /stall              sends the headers and 16 bytes, then nothing
import gzip
import os
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


def fixture(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


# The tests read these files locally too, to compare with what they fetch.
CSV = fixture("data.csv")
JSON = fixture("data.json")
JSONL = fixture("data.jsonl")
BAD_CSV = fixture("bad.csv")
BAD_JSON = fixture("bad.json")
TSV = CSV.replace(b",", b"\t")
BOMB = b"a\n" + b"0\n" * (1 << 19)
PAGE = b"<!DOCTYPE html>\n<html><head><title>Data</title></head><body>x,y</body></html>\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass  # quiet: the tests read only stdout's one line

    def send_body(self, code, ctype, body, extra=None, reason=None):
        self.send_response(code, reason)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, where):
        self.send_body(302, "text/plain", b"moved\n", {"Location": where})

    def hold(self):
        """Keep the connection open, saying nothing, until the client goes."""
        self.close_connection = True
        self.connection.settimeout(600)
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        simple = {
            "/data.csv": ("text/csv; charset=utf-8", CSV),
            "/data.tsv": ("text/tab-separated-values", TSV),
            "/data.json": ("application/json", JSON),
            "/data.jsonl": ("application/x-ndjson", JSONL),
            "/table": ("text/plain", CSV),
            "/rows": ("application/octet-stream", JSON),
            "/lines": ("text/plain", JSONL),
            "/typed.json": ("text/csv", CSV),
            "/page": ("text/html; charset=utf-8", PAGE),
            "/bad.csv": ("text/csv", BAD_CSV),
            "/bad.json": ("application/json", BAD_JSON),
            "/empty.csv": ("text/csv", b""),
        }
        if path in simple:
            self.send_body(200, *simple[path])
        elif path == "/gzip.csv":
            self.send_body(200, "text/csv", gzip.compress(CSV), {"Content-Encoding": "gzip"})
        elif path == "/bomb.csv":
            self.send_body(200, "text/csv", gzip.compress(BOMB, 9), {"Content-Encoding": "gzip"})
        elif path == "/blob":
            self.send_body(200, "application/octet-stream", gzip.compress(CSV))
        elif path == "/data.csv.gz":
            self.send_body(200, "application/gzip", gzip.compress(CSV))
        elif path == "/chunked.csv":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(CSV), 7):
                part = CSV[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/echo":
            agent = self.headers.get("User-Agent", "")
            token = self.headers.get("X-Token", "")
            body = ("agent,token\n%s,%s\n" % (agent, token)).encode()
            self.send_body(200, "text/csv", body)
        elif path == "/token":
            body = ("token\n%s\n" % self.headers.get("X-Token", "")).encode()
            self.send_body(200, "text/csv", body)
        elif path == "/redirect":
            self.redirect("/data.csv")
        elif path == "/to-file":
            self.redirect("file:///etc/passwd")
        elif path == "/to-ftp":
            self.redirect("ftp://127.0.0.1/data.csv")
        elif path == "/to-missing":
            self.redirect("/missing")
        elif path == "/unauthorized":
            self.send_body(401, "text/plain", b"who are you?\n",
                           {"WWW-Authenticate": 'Bearer realm="aiwb"'})
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/missing":
            self.send_body(404, "text/html", b"<html><body>not here</body></html>\n")
        elif path == "/error":
            self.send_body(500, "text/plain", b"oops\n")
        elif path == "/teapot":
            self.send_body(418, "text/plain", b"short and stout\n", reason="I'm a teapot")
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(10 << 20))
            self.end_headers()
            self.stream(10 << 20)
        elif path == "/endless":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Connection", "close")
            self.end_headers()
            self.stream(None)
        elif path == "/short":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x,y\n1,2\n3,4\n5,6\n")
        elif path == "/silent":
            self.hold()
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x,y\n1,2\n3,4\n5,6\n")
            self.wfile.flush()
            self.hold()
        else:
            self.send_body(404, "text/plain", b"no such route\n")

    def stream(self, total):
        """Send TOTAL bytes of CSV rows (None: until the client goes)."""
        row = b"1,2,3,4,5,6,7,8,9,10\n" * 3000
        sent = 0
        try:
            self.wfile.write(b"a,b,c,d,e,f,g,h,i,j\n")
            while total is None or sent < total:
                chunk = row if total is None else row[:total - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up (the tests' time-outs) is no error here


def full_queue():
    """A listening socket whose backlog is filled by connections never accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    keep = [listener]
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(listener.getsockname())
        except BlockingIOError:
            pass
        keep.append(c)
    return keep


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(argv):
    tls = None
    port_file = None
    watch_stdin = False
    lifetime = 300.0
    i = 1
    while i < len(argv):
        if argv[i] == "--tls":
            tls = (argv[i + 1], argv[i + 2])
            i += 3
        elif argv[i] == "--port-file":
            port_file = argv[i + 1]
            i += 2
        elif argv[i] == "--watch-stdin":
            watch_stdin = True
            i += 1
        elif argv[i] == "--lifetime":
            lifetime = float(argv[i + 1])
            i += 2
        else:
            sys.stderr.write("server.py: unknown argument '%s'\n" % argv[i])
            return 2

    plain = Server(("127.0.0.1", 0), Handler)
    full = full_queue()
    ports = [plain.server_address[1], full[0].getsockname()[1]]
    serve(plain)
    if tls is not None:
        secure = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        secure.socket = ctx.wrap_socket(secure.socket, server_side=True)
        ports.append(secure.server_address[1])
        serve(secure)

    line = " ".join(str(p) for p in ports) + "\n"
    if port_file is None:
        sys.stdout.write(line)
        sys.stdout.flush()
    else:
        with open(port_file + ".tmp", "w") as f:
            f.write(line)
        os.rename(port_file + ".tmp", port_file)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if watch_stdin:
        def watch():
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            done.set()
        threading.Thread(target=watch, daemon=True).start()
    done.wait(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
