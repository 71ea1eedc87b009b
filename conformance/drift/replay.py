"""`honcho-conformance replay FILE.har --base-url URL`: what a recorded session does elsewhere.

The exchanges of a HAR 1.2 file (from `honcho-mock --proxy URL --record FILE`, a browser,
WireMock or any recorder) are sent again, in order, to another server; ids the recorded
server made are mapped to the ones the new server makes (`drift.IdMap`), so a recording
that creates messages and then reads them by id replays anywhere. Every answer is
compared with the recorded one after normalisation; differences are failures of the check
`replay`, one root cause per (operation, title), each with the curl of the replayed
request. A baseline (`--baseline`) accepts known ones.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.core.client import ConformanceClient, TransportFailure
from conformance.core.openapi import Contract
from conformance.core.routes import Routes
from conformance.core.vocabulary import Failure
from conformance.drift.normalise import UNORDERED, Answer, IdMap, compare, summarise

CHECK = "replay"
# headers of a recording that belong to its transport or its credentials, not to the request
_SKIP_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "authorization", "cookie",
                           "user-agent", "transfer-encoding", "keep-alive", "te", "upgrade", "proxy-authorization"})


_ENTRY_END = "\n            }"  # how harfile (honcho-mock --record) closes each entry


class RecordingError(ValueError):
    """The file is not a HAR 1.2 document this command can replay."""


@dataclass
class RecordedEntry:
    number: int
    method: str
    host: str  # the recorded server's host[:port]
    target: str  # path and query, as sent to the recorded server
    headers: dict[str, str]
    body: bytes
    answer: Answer


@dataclass
class ReplayResult:
    base_url: str
    entries: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def new_failures(self) -> list[Failure]:
        return [f for f in self.failures if not f.known]

    @property
    def exit_code(self) -> int:
        return 1 if self.new_failures else 0


def _body_text(text: str | None, base64_encoded: bool) -> bytes:
    if not text:
        return b""
    return base64.b64decode(text) if base64_encoded else text.encode("utf-8")


def _document(text: str) -> Any:
    """The HAR document; a recording cut short (its recorder killed before it closed the
    file) is read up to its last complete entry, as it is written entry by entry."""
    try:
        return json.loads(text)
    except ValueError:
        end = len(text)
        for _ in range(3):  # the last complete entry ends with harfile's entry terminator
            end = text.rfind(_ENTRY_END, 0, end)
            if end < 0:
                break
            try:
                return json.loads(text[: end + len(_ENTRY_END)] + "]}}")
            except ValueError:
                continue
        raise


def load_har(path: str | Path, from_host: str | None = None) -> list[RecordedEntry]:
    """The entries of a HAR file, in the order they were recorded (only those sent to
    `from_host`, host[:port], when given: a browser's recording holds other sites too)."""
    try:
        document = _document(Path(path).read_text(encoding="utf-8"))
        raw_entries = document["log"]["entries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordingError(f"{path}: not a readable HAR file ({type(exc).__name__}: {exc})") from exc
    if not isinstance(raw_entries, list):
        raise RecordingError(f"{path}: log.entries is not a list")
    entries: list[RecordedEntry] = []
    for number, item in enumerate(raw_entries):
        try:
            request, response = item["request"], item["response"]
            url = urlsplit(request["url"])
            target = (url.path or "/") + (f"?{url.query}" if url.query else "")
            headers = {h["name"]: h["value"] for h in request.get("headers", [])
                       if h["name"].lower() not in _SKIP_HEADERS and not h["name"].startswith(":")}
            post = request.get("postData") or {}
            body = _body_text(post.get("text"), post.get("comment") == "base64" or post.get("encoding") == "base64")
            if body and not any(k.lower() == "content-type" for k in headers) and post.get("mimeType"):
                headers["content-type"] = post["mimeType"]
            content = response.get("content") or {}
            answer_type = content.get("mimeType") or next(
                (h["value"] for h in response.get("headers", []) if h["name"].lower() == "content-type"), "")
            answer = Answer(int(response["status"]), answer_type,
                            _body_text(content.get("text"), content.get("encoding") == "base64"))
            entries.append(RecordedEntry(number, str(request["method"]).upper(), url.netloc.lower(), target, headers,
                                         body, answer))
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordingError(f"{path}: entry {number} is not a HAR request/response pair ({exc})") from exc
    if from_host is not None:
        entries = [e for e in entries if e.host == from_host.lower()]
    return entries


def replay(entries: list[RecordedEntry], client: ConformanceClient, contract: Contract) -> ReplayResult:
    """Send every entry to `client`'s server in order; a failure per differing answer."""
    ids = IdMap()
    routes = Routes(contract)
    result = ReplayResult(client.base_url)
    for entry in entries:
        target = ids.translate(entry.target)
        body = entry.body
        try:
            body = ids.translate(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            pass
        operation = routes.label(entry.method, target)
        result.entries += 1
        try:
            reply = client.request(entry.method, target, content=body or None, headers=entry.headers)
        except TransportFailure as exc:
            result.failures.append(Failure(CHECK, operation, "no answer from the server",
                                           message=f"entry {entry.number}: {exc.exchange.error or ''}; the replay stopped "
                                                   f"({len(entries) - entry.number - 1} entries not sent)",
                                           curl=exc.exchange.curl(), steps=[f"entry {entry.number}"], phase=CHECK))
            break  # later entries depend on this one's answer
        answer = Answer(reply.status, reply.headers.get("content-type", ""), reply.body)
        for difference in _grouped(compare(entry.answer, answer, ids, unordered=operation in UNORDERED)):
            result.failures.append(Failure(
                CHECK, operation, difference[0], message=f"entry {entry.number} ({entry.method} {entry.target}): "
                + difference[1], phase=CHECK, curl=reply.exchange.curl(), steps=[f"entry {entry.number}"],
                status=reply.status, response=reply.exchange.response_excerpt()))
    return result


def _grouped(differences: list[Any]) -> list[tuple[str, str]]:
    """One (title, message) per root cause within one answer."""
    titles: dict[str, list[Any]] = {}
    for difference in differences:
        titles.setdefault(difference.title, []).append(difference)
    return [(title, summarise(items)) for title, items in titles.items()]
