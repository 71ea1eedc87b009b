"""bench/plots.py draws the benchmark's picture from a run's raw figures: a small results file of
the shape bench/run.py writes gives a PNG, through the command's arguments as well as called, and a
partial run (no growth, no Prism) still gives one. Nothing here measures or asserts speed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCENARIOS = {"seed": "sessions page (empty filter)", "batch": "create 10 messages"}


def _plots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_plots", ROOT / "bench" / "plots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compare_rows(servers: dict[str, float]) -> list[dict[str, Any]]:
    """Three runs per point; each server's req/s a fixed multiple of `servers[name]`."""
    rows = []
    for scenario in SCENARIOS:
        for connections in (32, 1):
            for server, rps in servers.items():
                for run, spread in enumerate((0.9, 1.0, 1.1)):
                    rows.append({"scenario": scenario, "connections": connections, "server": server, "run": run,
                                 "rps": rps * spread / (1 if connections == 32 else 4), "p50_ms": 1.0,
                                 "p99_ms": 5.0, "errors": 0, "rss": 80 << 20})
    return rows


def _growth_rows() -> list[dict[str, Any]]:
    rows = []
    for kind, sizes in (("page", (1000, 10000)), ("filtered", (1000, 10000)), ("messages", (1000, 100000)),
                        ("messages-filtered", (1000, 100000))):
        for size in sizes:
            rows.append({"key": f"{kind}/{size}", "title": f"growth: {kind}, {size}", "connections": 1,
                         "rps": 900.0, "p50_ms": 0.4 + size / 100000, "p99_ms": 3.0, "errors": 0, "rss": 90 << 20})
    return rows


def _results(*, growth: bool = True, prism: bool = True) -> dict[str, Any]:
    servers = {"mock": 9000.0, "ceiling": 20000.0} | ({"prism": 1000.0} if prism else {})
    return {
        "meta": {"date": "2026-01-01T00:00:00Z", "mode": "quick", "label": "fixture", "load": [0.5, 0.7]},
        "compare": {"scenarios": list(SCENARIOS), "titles": SCENARIOS, "connections": [32, 1],
                    "servers": list(servers), "rows": _compare_rows(servers), "skipped": []},
        "growth": {"sizes": [1000, 10000], "message_sizes": [1000, 100000], "rows": _growth_rows()} if growth else None,
    }


def test_draw_writes_a_png_of_a_whole_run(tmp_path: Path) -> None:
    out = _plots().draw(_results(), tmp_path / "pictures" / "results.png")
    assert out == tmp_path / "pictures" / "results.png"
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert out.stat().st_size > 10_000  # four panels with curves and bars, not an empty canvas


def test_a_partial_run_without_growth_or_prism_still_draws(tmp_path: Path) -> None:
    out = _plots().draw(_results(growth=False, prism=False), tmp_path / "partial.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_the_command_draws_from_an_existing_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bench/plots.py RESULTS --out PNG`, run in this process (a second interpreter importing
    matplotlib took minutes on the loaded CI machine)."""
    source = tmp_path / "results-20260101T000000Z.json"
    source.write_text(json.dumps(_results()))
    out = tmp_path / "drawn.png"
    assert _plots().main([str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and str(source) in printed
    assert out.read_bytes()[:8] == PNG_SIGNATURE
