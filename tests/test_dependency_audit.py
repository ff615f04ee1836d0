"""The CI dependency audit (``.ci/audit_dependencies.py``): a known vulnerability fails the
build, packages the service does not know are listed, an unreachable service is reported
(and fails only when the audit is required)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

# The shape of `pip-audit --format json` output.
CLEAN = {"dependencies": [
    {"name": "flask", "version": "3.1.0", "vulns": []},
    {"name": "pressmark", "skip_reason": "Dependency not found on PyPI"},
    {"name": "waitress", "skip_reason": "Dependency not found on PyPI and could not be audited"},
], "fixes": []}
VULNERABLE = {"dependencies": [
    {"name": "jinja2", "version": "2.10", "vulns": [
        {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": ["CVE-2019-10906"],
         "description": "sandbox escape"},
    ]},
    {"name": "flask", "version": "3.1.0", "vulns": []},
], "fixes": []}


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix():
    status, lines = audit.decide(VULNERABLE, "", required=False)
    assert status == 1
    assert "  jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)" in lines


def test_no_vulnerability_passes_and_lists_what_was_not_audited():
    status, lines = audit.decide(CLEAN, "", required=False)
    assert status == 0
    assert lines[0] == "Dependency audit: no known vulnerabilities."
    assert lines[1] == "Not audited (unknown to the service): waitress."


def test_an_unreachable_service_is_reported_and_fails_only_when_required():
    error = "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'\n"
    status, lines = audit.decide(None, error, required=False)
    assert status == 0 and lines[0].startswith("Dependency audit NOT DONE")
    assert "Failed to resolve" in lines[0]
    assert audit.decide(None, error, required=True)[0] == 1


def test_ci_runs_the_audit_after_the_test_command():
    run = (SCRIPT.parent / "run").read_text()
    assert run.index(".venv/bin/python -m pytest") < run.index(".ci/audit_dependencies.py")
