"""`make bench` as a person runs it: its figures are printed, written only where they are asked to go,
its servers listen where they are told, and its output speaks of the product, not of the project's
bookkeeping. A short section (memory, a few thousand messages) stands for the whole run; no figure is
asserted (tests assert no timings)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from support import ROOT, free_port

TRACKED = ROOT / "bench" / "results.md"


def bench(tmp_path: Path, *args: str) -> tuple[str, list[int]]:
    """Run bench/run.py's memory section with `args` in `tmp_path`; its output and the ports its mock took."""
    low = free_port()
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "memory",
                             "--memory-messages", "2000", "--out", str(out), "--ports", f"{low}-{low + 50}", *args],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ports = [int(p) for log in out.glob("*-mock.log")
             for p in re.findall(r"on http://127\.0\.0\.1:(\d+)", log.read_text())]
    assert ports and all(low <= port <= low + 50 for port in ports), ports
    return result.stdout, ports


def test_a_bench_run_prints_its_figures_and_leaves_the_checkout_alone(tmp_path: Path) -> None:
    before = hashlib.sha256(TRACKED.read_bytes()).digest()
    output, _ = bench(tmp_path)
    assert hashlib.sha256(TRACKED.read_bytes()).digest() == before
    assert "bytes per message" in output and "Performance targets" in output
    assert f"raw figures: out{'/'}results-" in output  # under --out, shown relative to where it ran
    assert not re.search(r"issue \d", output, re.IGNORECASE), output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_bench_run_writes_its_page_where_it_is_asked_to(tmp_path: Path) -> None:
    before = hashlib.sha256(TRACKED.read_bytes()).digest()
    output, _ = bench(tmp_path, "--results", "figures.md")
    page = (tmp_path / "figures.md").read_text()
    assert "## History" in page and "quick (partial: memory)" in page  # a partial run adds its history row
    assert not re.search(r"issue \d", page, re.IGNORECASE)
    assert "wrote the latest-run table" in output or "wrote a history row to figures.md" in output, output[-1000:]
    assert hashlib.sha256(TRACKED.read_bytes()).digest() == before
