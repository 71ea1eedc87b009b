"""The ceiling: a bare ASGI app on the mock's server software, answering canned bytes.

It is served exactly as `honcho-mock` serves the mock (`mockserver.http.serving.serve`: uvicorn
with uvloop, httptools and the same write coalescing, log level and lifespan), reads the whole
request body as the mock does, and answers the bytes the mock answered to the same
request, captured by the harness just before the load run. It is what the same server
stack costs with no routing, validation, store or JSON work: the best any ASGI mock
could do here.

    python bench/ceiling.py --port 8123

`PUT /_ceiling/answers` with a JSON list of {"method", "path", "query", "request" (base64),
"status", "content_type", "body" (base64)} registers answers; a request is matched on
method, path, query string and body bytes, then on method and path alone.
"""

from __future__ import annotations

import argparse
import base64
import json

from mockserver.http.serving import serve

Key = tuple[str, str, bytes, bytes]
ANSWERS: dict[Key, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
LOOSE: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
NOT_FOUND = (404, [(b"content-length", b"22"), (b"content-type", b"application/json")], b'{"detail":"Not Found"}')


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    method, path = scope["method"], scope["path"]
    if path == "/_ceiling/answers" and method == "PUT":
        for item in json.loads(body):
            answer = (int(item["status"]),
                      [(b"content-length", str(len(base64.b64decode(item["body"]))).encode()),
                       (b"content-type", item.get("content_type", "application/json").encode())],
                      base64.b64decode(item["body"]))
            ANSWERS[(item["method"], item["path"], item.get("query", "").encode(), base64.b64decode(item.get("request", "")))] = answer
            LOOSE[(item["method"], item["path"])] = answer
        status, headers, payload = 204, [], b""
    else:
        status, headers, payload = (ANSWERS.get((method, path, scope["query_string"], body))
                                    or LOOSE.get((method, path)) or NOT_FOUND)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(app, host=args.host, port=args.port)  # the same call as mockserver/cli.py makes


if __name__ == "__main__":
    main()
