"""Options of `honcho-conformance run` from a file, as schemathesis reads `schemathesis.toml`.

`honcho-conformance.toml` (its top-level keys), or the `[tool.honcho-conformance]` table of a
`pyproject.toml`, found in the current directory or the nearest parent that has one (the
search stops at a project's root: a directory with a `pyproject.toml` or a `.git`); or the
file `--config FILE` names. Keys are the long option names (`base-url`, `profile`,
`exclude-checks`, `header`, ...; `_` works for `-` too). The command line wins over the file.

    # honcho-conformance.toml
    base-url = "https://honcho.staging.example.com"
    profile = "default"
    exclude-checks = ["positive_data_acceptance"]
    header = ["X-Tenant: qa"]
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any, Sequence

FILE_NAME = "honcho-conformance.toml"


class ConfigFileError(ValueError):
    pass


def find(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest options file from `start` upwards, and its options."""
    for directory in (start, *start.parents):
        own = directory / FILE_NAME
        if own.is_file():
            return own, read(own)
        project = directory / "pyproject.toml"
        if project.is_file():
            options = read(project)
            return (project, options) if options else None
        if (directory / ".git").exists():
            return None
    return None


def read(path: Path) -> dict[str, Any]:
    """The run options a file holds (`{}` for a pyproject.toml without the table)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{path}: {exc}") from exc
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("honcho-conformance", {})
        if not isinstance(table, dict):
            raise ConfigFileError(f"{path}: [tool.honcho-conformance] is not a table")
        return table
    return document


def explicit(argv: Sequence[str]) -> Path | None:
    """The file `--config FILE` names, if the command line names one."""
    probe = argparse.ArgumentParser(add_help=False)
    probe.add_argument("--config", type=Path, default=None)
    known, _ = probe.parse_known_args(list(argv))
    return known.config


def apply(parser: argparse.ArgumentParser, argv: Sequence[str], cwd: Path | None = None) -> Path | None:
    """Set the parser's defaults from the options file; returns the file used, if any."""
    named = explicit(argv)
    if named is not None:
        if not named.is_file():
            raise ConfigFileError(f"--config {named}: no such file")
        found: tuple[Path, dict[str, Any]] | None = (named, read(named))
    else:
        found = find((cwd or Path.cwd()).resolve())
    if found is None:
        return None
    path, options = found
    actions = {action.dest: action for action in parser._actions if action.dest not in ("help", "config")}
    defaults: dict[str, Any] = {}
    for key, value in options.items():
        dest = key.replace("-", "_")
        action = actions.get(dest)
        if action is None:
            raise ConfigFileError(f"{path}: unknown option {key!r} (the long options of `honcho-conformance run`)")
        defaults[dest] = _value(action, value, f"{path}: {key}")
    parser.set_defaults(**defaults)
    for action in parser._actions:  # a required option the file gives is no longer required on the command line
        if action.dest in defaults:
            action.required = False
    return path


def _value(action: argparse.Action, value: Any, where: str) -> Any:
    convert = action.type if callable(action.type) else (lambda text: text)

    def one(item: Any) -> Any:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ConfigFileError(f"{where}: {item!r} is not a value")
        try:
            return convert(str(item)) if action.type is not None else item
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise ConfigFileError(f"{where}: {exc}") from exc

    if isinstance(action, argparse._StoreTrueAction):
        if not isinstance(value, bool):
            raise ConfigFileError(f"{where}: true or false")
        return value
    if isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [one(item) for item in items]
    if isinstance(value, list):  # a comma-separated option given as a TOML list
        value = ",".join(str(item) for item in value)
    return one(value)
