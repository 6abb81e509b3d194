"""Local stand-ins for an LLM endpoint on 127.0.0.1: a good one and the ways an outside service misbehaves."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = {"choices": [{"message": {"content": "Hold the button for ten seconds [1]."}}]}


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server API; a followed redirect may arrive as a GET
        type(self).hits.append(f"GET {self.path}")
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).hits.append(self.path)

    def _json(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Good(Handler):
    def do_POST(self):  # noqa: N802 - http.server API
        self._body()
        self._json(REPLY)


class Endless(Handler):
    """200, no length, then a body that never ends."""

    def do_POST(self):  # noqa: N802
        self._body()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"choices": [{"message": {"content": "')
        try:
            while True:
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass


class Declared(Handler):
    """Announces a 1 GB body."""

    def do_POST(self):  # noqa: N802
        self._body()
        self.send_response(200)
        self.send_header("Content-Length", str(2**30))
        self.end_headers()
        try:
            self.wfile.write(b"{" * 1024)
        except OSError:
            pass


class Trickle(Handler):
    """A byte every 0.2 s: each read finishes well within any per-socket timeout, the whole never does."""

    headers_first = True

    def do_POST(self):  # noqa: N802
        self._body()
        try:
            if not self.headers_first:
                for byte in b"HTTP/1.1 200 OK\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                return
            self.send_response(200)
            self.end_headers()
            for byte in json.dumps(REPLY).encode() * 100:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass


class TrickleHeaders(Trickle):
    headers_first = False


class Redirect(Handler):
    target = ""
    status = 307

    def do_POST(self):  # noqa: N802
        self._body()
        self.send_response(self.status)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()


class NotJson(Handler):
    def do_POST(self):  # noqa: N802
        self._body()
        data = b"<html>Gateway error</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(handler: type[Handler]) -> Iterator[str]:
    handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
