"""One seeded run of the tester against a fresh seeded mock on a loopback port, in a process of
its own: `python -m support.seeded_run SEED PROFILE OUT.json` writes every request it sent (as
support.runs.Digest keeps them) and its findings. Two such processes (each with its own string
hashing) must write the same."""

from __future__ import annotations

import json
import sys

import httpx

from conformance.core.config import RunConfig
from conformance.engine.runner import Runner
from mockserver import create_app
from support import loopback_server
from support.runs import Digest


def main(argv: list[str]) -> int:
    seed, profile, out = int(argv[0]), argv[1], argv[2]
    with loopback_server(create_app(seed=seed).app) as url:
        recorder = Digest(httpx.HTTPTransport())
        try:
            result = Runner(RunConfig(base_url=url, transport=recorder, seed=seed, profile=profile)).run()
        finally:
            recorder.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"prefix": result.prefix, "requests": result.requests, "exit_code": result.exit_code,
                   "lines": recorder.lines(result.prefix, result.base_url),
                   "digest": recorder.digest(result.prefix, result.base_url),
                   "findings": [[f.check, f.operation, f.title] for f in result.failures]}, f, ensure_ascii=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
