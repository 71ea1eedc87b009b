"""The command line, `honcho-conformance`: one parser (main.py), one module per sub-command."""

from conformance.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
