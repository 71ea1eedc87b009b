#!/usr/bin/env python3
"""The benchmark's picture: bench/results.png, drawn from a run's raw figures.

    .venv/bin/python bench/plots.py [bench/out/results-….json] [--out bench/results.png]

Four panels, so that a reader looks rather than reads: the growth curves (p50 at 1
connection as sessions and messages grow, log-log: a flat line does not grow with the
data), each server's requests per second as a share of the ceiling at 32 connections (with
the targets for filters and the hot path marked), and the mock's throughput as a multiple of Prism's.
bench/run.py draws it after every whole run; matplotlib is pinned in bench/requirements.txt.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import report  # noqa: E402

GROWTH_SESSIONS = (("page", "page 1"), ("filtered", "page 1, metadata filter"), ("middle", "middle page"))
GROWTH_MESSAGES = (("messages", "page 1"), ("messages-latest", "latest (reverse)"),
                   ("messages-filtered", "page 1, metadata filter"))
SERVER_COLOURS = {"mock": "#1f77b4", "prism": "#ff7f0e", "prism-dynamic": "#d62728", "ceiling": "#7f7f7f"}
# the targets, as a share of the ceiling at 32 connections
CEILING_TARGETS = {"seed": 0.50, "filtered": 0.30, "batch": 0.35}


def draw(results: dict[str, Any], out: Path) -> Path:
    """Write the picture of `results` (one run's raw figures) to `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    meta = results.get("meta", {})
    load = "/".join(f"{x:.1f}" for x in meta.get("load", [])) or "?"
    title = (f"honcho-mock benchmark, {meta.get('date', '?')} ({meta.get('mode', '?')}; "
             f"{meta.get('label', '')}; load average at start/end {load})")
    fig.suptitle("\n".join(textwrap.wrap(title, 130)), fontsize=11)
    _growth(axes[0][0], results, GROWTH_SESSIONS, "sizes", "sessions in the workspace",
            "Sessions list: p50 latency as the workspace grows")
    _growth(axes[0][1], results, GROWTH_MESSAGES, "message_sizes", "messages in the session",
            "Messages list: p50 latency as the session grows")
    _shares(axes[1][0], results)
    _against_prism(axes[1][1], results)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def _growth(ax: Any, results: dict[str, Any], kinds: tuple[tuple[str, str], ...], sizes_key: str,
            xlabel: str, title: str) -> None:
    growth = results.get("growth") or {}
    rows = {row["key"]: row for row in growth.get("rows", [])}
    sizes = growth.get(sizes_key, [])
    drawn = False
    for kind, label in kinds:
        points = [(size, rows[f"{kind}/{size}"]["p50_ms"]) for size in sizes if f"{kind}/{size}" in rows]
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o", label=label)
        for x, y in points:
            ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        drawn = True
    ax.axhline(2.0, color="green", linestyle=":", linewidth=1, label="target: filtered page ≤ 2 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("p50 ms, 1 connection")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    if drawn:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "not measured in this run", ha="center", transform=ax.transAxes)


def _summary(results: dict[str, Any]) -> tuple[dict[tuple[str, int, str], dict[str, Any]], list[str], list[str], dict[str, str]]:
    compare = results.get("compare") or {}
    return (report.summarise(compare.get("rows", [])), compare.get("scenarios", []), compare.get("servers", []),
            compare.get("titles", {}))


def _shares(ax: Any, results: dict[str, Any]) -> None:
    """Each server's req/s at 32 connections over the ceiling's, per scenario."""
    summary, scenarios, servers, titles = _summary(results)
    shown = [s for s in servers if s != "ceiling"]
    width = 0.8 / max(1, len(shown))
    for i, server in enumerate(shown):
        values = []
        for scenario in scenarios:
            mine, ceiling = summary.get((scenario, 32, server)), summary.get((scenario, 32, "ceiling"))
            values.append(mine["rps"] / ceiling["rps"] if mine and ceiling else 0.0)
        bars = ax.bar([x + i * width for x in range(len(scenarios))], values, width,
                      label=report.SERVER_TITLES.get(server, server), color=SERVER_COLOURS.get(server))
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:.2f}", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                        textcoords="offset points", xytext=(0, 2), fontsize=8)
    for x, scenario in enumerate(scenarios):
        target = CEILING_TARGETS.get(scenario)
        if target is not None:
            ax.hlines(target, x - 0.1, x + 0.1 + width * len(shown), colors="green", linestyles="--", linewidth=1.5)
            ax.annotate(f"target {target:.2f}", (x + width * len(shown) / 2, target), ha="center",
                        textcoords="offset points", xytext=(0, 3), fontsize=8, color="green")
    ax.set_xticks([x + width * (len(shown) - 1) / 2 for x in range(len(scenarios))])
    ax.set_xticklabels([titles.get(s, s) for s in scenarios], fontsize=8, rotation=10)
    ax.set_ylabel("× ceiling (bare ASGI on the same server), 32 connections")
    ax.set_ylim(0, 1)
    ax.set_title("Share of the ceiling", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    if shown:
        ax.legend(fontsize=8)


def _against_prism(ax: Any, results: dict[str, Any]) -> None:
    """The mock's req/s as a multiple of Prism static's, per scenario and connection count."""
    summary, scenarios, servers, titles = _summary(results)
    connections = (results.get("compare") or {}).get("connections", [])
    ax.set_title("honcho-mock against Prism", fontsize=10)
    if "prism" not in servers or "mock" not in servers:
        ax.text(0.5, 0.5, "Prism (or the mock) not measured in this run", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    width = 0.8 / max(1, len(connections))
    for i, conns in enumerate(connections):
        values = []
        for scenario in scenarios:
            mock, prism = summary.get((scenario, conns, "mock")), summary.get((scenario, conns, "prism"))
            values.append(mock["rps"] / prism["rps"] if mock and prism else 0.0)
        bars = ax.bar([x + i * width for x in range(len(scenarios))], values, width, label=f"{conns} connection(s)")
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:.1f}×", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                        textcoords="offset points", xytext=(0, 2), fontsize=8)
    ax.axhline(1.0, color="#ff7f0e", linewidth=1, label="Prism static")
    ax.set_xticks([x + width * (len(connections) - 1) / 2 for x in range(len(scenarios))])
    ax.set_xticklabels([titles.get(s, s) for s in scenarios], fontsize=8, rotation=10)
    ax.set_ylabel("honcho-mock req/s ÷ Prism static req/s")
    ax.grid(True, axis="y", alpha=0.3)
    if connections:
        ax.legend(fontsize=8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", type=Path, help="a raw results file (default: the newest in bench/out)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.png")
    args = parser.parse_args(argv)
    source = args.results or max((BENCH / "out").glob("results-*.json"), key=lambda p: p.stat().st_mtime, default=None)
    if source is None:
        parser.error("no results file given and none in bench/out")
    print(f"drew {draw(json.loads(source.read_text()), args.out)} from {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
