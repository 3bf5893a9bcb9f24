"""A local HTTP server for the web application (the standard library's
wsgiref, a thread a request: enough for one person's browser)."""
from __future__ import annotations

import socketserver
import sys
from typing import TYPE_CHECKING, Any, Callable, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ..errors import InvalidArgument
from .app import WebApp

if TYPE_CHECKING:
    from ..api import Archive

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a browser's open connection does not keep the server from stopping
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """One line a request on stderr (method, path, status), as web servers log."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_app_server(archive: "Archive", host: str = "127.0.0.1", port: int = 8080) -> WSGIServer:
    """A server for ``archive``, bound but not yet serving (``serve_forever()``);
    port 0 picks a free port (``server.server_port`` says which)."""
    try:
        return make_server(host, port, WebApp(archive), server_class=_ThreadingServer,
                           handler_class=_QuietHandler)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidArgument(f"cannot listen on {host}:{port}: {reason}"
                              + (" (another program uses that port: choose one with --port)"
                                 if exc.errno == 98 else "")) from None


def serve(archive: "Archive", host: str = "127.0.0.1", port: int = 8080,
          started: Optional[Callable[[str], None]] = None) -> None:
    """Serve ``archive`` until interrupted; ``started`` gets the address to open."""
    server = make_app_server(archive, host, port)
    shown = f"[{host}]" if ":" in host else host
    if started:
        started(f"http://{shown}:{server.server_port}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()
