"""Serving an ASGI app on a loopback port for the duration of a `with` block."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import uvicorn


@contextmanager
def loopback(app: Any, timeout: float = 15.0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port); yields its base URL; always stops the server."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="conformance-loopback", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
