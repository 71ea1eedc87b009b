"""`--junit-xml FILE`: a run as JUnit XML, for CI systems (one testsuite per phase)."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.core.vocabulary import Event, RunFinished, RunResult
from conformance.reporting.reproductions import BodyFiles


class JUnitReporter:
    """One testsuite per phase; one testcase per operation (contract) or check (the rest): failed,
    passed, or skipped with the reason it did not run; a phase that broke off has an `<error>`."""

    def __init__(self, path: str | Path, bodies: BodyFiles | None = None) -> None:
        self.path = Path(path)
        self.bodies = bodies or BodyFiles.beside(self.path)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(render_junit(event.result, self.bodies))


def render_junit(result: RunResult, bodies: BodyFiles | None = None) -> bytes:
    curl_of = bodies.curl if bodies is not None else (lambda failure: failure.curl)
    root = ET.Element("testsuites", name="honcho-conformance", time=f"{result.duration:.3f}")
    total_tests = total_failures = 0
    by_phase: dict[str, list] = {}
    for failure in result.failures:
        by_phase.setdefault(failure.phase, []).append(failure)
    phase_names = [p.name for p in result.phases] + [p for p in by_phase if p not in {r.name for r in result.phases}]
    reports = {p.name: p for p in result.phases}
    for name in phase_names:
        report = reports.get(name)
        failures = by_phase.get(name, [])
        cases: dict[str, list] = {case: [] for case in (report.cases if report else {})}
        for failure in failures:
            cases.setdefault(failure.case or failure.operation, []).append(failure)
        not_run = dict(report.not_run) if report else {}
        for case_name in not_run:
            cases.setdefault(case_name, [])
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=time.strftime("%Y-%m-%dT%H:%M:%S",
                                                                                    time.gmtime(result.started_at)),
                              time=f"{report.duration:.3f}" if report else "0")
        failed_cases = skipped_cases = errors = 0
        if report is not None and report.status == "skipped" and not cases:
            cases[name] = []
            not_run[name] = report.detail or "skipped"
        if report is not None and report.status == "error":  # the phase itself broke off: say so, with why
            errors = 1
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{name}", name=f"{name} (phase)")
            ET.SubElement(case, "error", message=report.detail[:500] or "error").text = report.detail
        for case_name, case_failures in cases.items():
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{name}", name=case_name)
            new = [f for f in case_failures if not f.known]
            if not new and case_name in not_run:
                skipped_cases += 1
                ET.SubElement(case, "skipped", message=not_run[case_name])
            if new:
                failed_cases += 1
                keys: dict[tuple, list] = {}
                for f in new:
                    keys.setdefault(f.key, []).append(f)
                element = ET.SubElement(case, "failure", message="; ".join(k[2] for k in keys)[:500],
                                        type=",".join(sorted({k[0] for k in keys})))
                element.text = "\n\n".join(
                    f"{fs[0].check} — {fs[0].operation} — {fs[0].title} (x{len(fs)}, seed {fs[0].seed})\n"
                    f"{fs[0].message[:1500]}\nreproduce: {curl_of(fs[0])}" for fs in keys.values())
            known = [f for f in case_failures if f.known]
            if known:
                out = ET.SubElement(case, "system-out")
                out.text = "known deviations (baseline):\n" + "\n".join(sorted({f.fingerprint for f in known}))
        tests = len(cases) + errors
        suite.set("tests", str(tests))
        suite.set("failures", str(failed_cases))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped_cases))
        total_tests += tests
        total_failures += failed_cases
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    for suite in root.findall("testsuite"):
        suite.insert(0, version_properties(result))
    _make_xml_safe(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def version_properties(result: RunResult) -> ET.Element:
    """The Honcho version the run tested and how it was chosen, as a testsuite's JUnit properties."""
    properties = ET.Element("properties")
    choice = result.api_version
    values = {"honcho.api_version": choice.name or "", "honcho.api_version.how": choice.how,
              "honcho.api_version.reason": choice.reason, "honcho.api_version.server_says": choice.server_says or "",
              "honcho.contract": choice.contract} if choice else {}
    for name, value in {**values, "base_url": result.base_url, "seed": str(result.seed)}.items():
        ET.SubElement(properties, "property", name=name, value=value)
    return properties


# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (control
# characters, lone surrogates from generated data, U+FFFE/U+FFFF) makes the file unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML cannot hold written as a visible escape (\\x1b, \\udc80)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text)


def _make_xml_safe(root: ET.Element) -> None:
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for name, value in element.attrib.items():
            element.attrib[name] = xml_text(value)
