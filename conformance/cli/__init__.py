"""The command line, `honcho-conformance`: one parser (main.py), one module per sub-command.

The tester's dependencies come with the package's `conformance` extra (an app that installs the package
for the mock and its pytest fixture gets none of them), so the entry point imports the command line only
when called, and without the extra says in one line what to install instead of a traceback."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import argparse

INSTALL_HINT = "pip install 'honcho-contract[conformance]'"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from conformance.cli.main import main as run
    except ModuleNotFoundError as exc:
        print(f"honcho-conformance: the tester needs {exc.name}, which is not installed; install the tester with: "
              f"{INSTALL_HINT}", file=sys.stderr, flush=True)
        return 2
    return run(argv)


def build_parser() -> "argparse.ArgumentParser":
    from conformance.cli.main import build_parser as build

    return build()


__all__ = ["INSTALL_HINT", "build_parser", "main"]
