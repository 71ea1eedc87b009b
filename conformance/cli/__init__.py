"""The command line, `honcho-conformance`: one parser (main.py), one module per sub-command.

The tester's dependencies come with the package's `conformance` extra (an app that installs the package
for the mock and its pytest fixture gets none of them): without them, `main` says in one line what to
install instead of a traceback."""

from __future__ import annotations

import sys
from typing import Sequence

INSTALL_HINT = "pip install 'honcho-contract[conformance]'"

try:
    from conformance.cli.main import build_parser, main
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] == "conformance":
        raise
    _MISSING = missing.name

    def main(argv: Sequence[str] | None = None) -> int:  # type: ignore[misc]
        print(f"honcho-conformance: the tester needs {_MISSING}, which is not installed; install the tester with: "
              f"{INSTALL_HINT}", file=sys.stderr, flush=True)
        return 2

    build_parser = None  # type: ignore[assignment]

__all__ = ["INSTALL_HINT", "build_parser", "main"]
