"""Serve the application with uvicorn, several workers sharing one socket, with
``TCP_NODELAY`` on every connection.

uvicorn's own multi-worker path binds the listening socket with ``proto`` 0; accepted
sockets inherit it and asyncio then leaves Nagle's algorithm on, so every keep-alive
request after the first waits ~40 ms for the client's delayed ACK on Linux
(Kludex/uvicorn#3149, open). Here the socket is re-wrapped so that it reports
``IPPROTO_TCP``, as a single-worker uvicorn's does.

    python -m web.server --port 8000 --workers 4
"""

from __future__ import annotations

import argparse
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "web.app:app_from_environment"


class NoDelayConfig(uvicorn.Config):
    """A uvicorn configuration whose TCP listening socket reports ``IPPROTO_TCP``."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, sock.detach())
        tcp.set_inheritable(True)
        return tcp


def run(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, app: str = APP, loop: str = "auto"
) -> None:
    """Serve ``app`` (an import string of an application factory) until interrupted."""
    config = NoDelayConfig(
        app,
        factory=True,
        loop=loop,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        server.run()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m web.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--app", default=APP, help="import string of an app factory")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    args = parser.parse_args()
    run(args.host, args.port, args.workers, args.app, args.loop)


if __name__ == "__main__":
    main()
