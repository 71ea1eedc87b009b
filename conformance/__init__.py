"""Conformance tester for implementations of the Honcho v3 API contract (openapi.yaml).

Entry points: `honcho-conformance` (conformance.cli), `conformance.engine.Runner`, the pytest
form (conformance/pytest_suite.py) and the Locust file (conformance/locustfile.py).
See docs/conformance.md.
"""
