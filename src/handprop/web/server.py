"""Running the web explorer: bind a socket, then serve the app with uvicorn until Ctrl-C.

The socket is bound before uvicorn starts so that the caller knows the real address (with
``port=0`` the system picks a free port) and can print it; a port in use is a one-line
InputError. A server on the loopback interface answers only to loopback host names, which keeps
web pages on other sites from reaching it through DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from handprop.errors import InputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this computer (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> list[str] | None:
    """The Host headers to accept: loopback names for a loopback server, else any (None)."""
    if is_loopback(host):
        names = {"127.0.0.1", "localhost", "::1", "[::1]", host, host.strip("[]")}
        return sorted(names)
    return None


def bind(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A listening TCP socket on ``host:port``; InputError ``web.err.bind`` if that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise InputError(
            "web.err.bind", host=host, port=port, reason=err.strerror or type(err).__name__
        ) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://127.0.0.1:8765/`` for a bound socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def make_server(app: Any, *, log_level: str = "warning") -> Any:
    """A uvicorn Server for ``app`` (access log off; an idle event stream may delay exit 2 s)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        server_header=False,
    )
    return uvicorn.Server(config)


def run(
    app: Any,
    sock: socket.socket,
    *,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` on ``sock`` until interrupted; ``on_started`` runs once it answers."""
    server = make_server(app)
    if on_started is not None:

        def wait_then_call() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                on_started()

        threading.Thread(target=wait_then_call, daemon=True).start()
    server.run(sockets=[sock])
