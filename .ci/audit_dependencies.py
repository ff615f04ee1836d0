"""Dependency audit for CI: the packages resolved into ``.venv`` against known
vulnerabilities, with pip-audit (run from its own virtualenv, so it adds nothing to ours).

Exit status:
- 1 when any installed package has a known vulnerability (each is listed, with the
  versions that fix it);
- 0 when none has. Packages the vulnerability service does not know (pressmark itself,
  versions not on the index) are listed as not audited.
- When the service cannot be reached, the audit is reported as not done and exits 0, so
  that a network outage does not fail the build; set ``PRESSMARK_AUDIT_REQUIRED=1`` to make
  that a failure too (for CI with network access).

Usage: ``python .ci/audit_dependencies.py [SITE_PACKAGES]`` (``PIP_AUDIT`` names the
pip-audit executable; ``PIP_AUDIT_SERVICE`` picks ``pypi``, the default, or ``osv``).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

OWN_PACKAGES = {"pressmark"}


def decide(report: dict | None, error: str, required: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print for pip-audit's JSON ``report`` (None when
    pip-audit produced none, with ``error`` saying why)."""
    if report is None:
        lines = [f"Dependency audit NOT DONE: the vulnerability service could not be used "
                 f"({error.strip().splitlines()[-1] if error.strip() else 'no output'})."]
        return (1 if required else 0), lines
    vulnerable, skipped = [], []
    for dependency in report.get("dependencies", []):
        name = dependency.get("name", "?")
        if name in OWN_PACKAGES:
            continue
        if dependency.get("skip_reason"):
            skipped.append(name)
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            vulnerable.append(
                f"  {name} {dependency.get('version', '?')}: {vuln.get('id')} (fixed in {fixes})"
            )
    lines = []
    if vulnerable:
        lines.append(f"Known vulnerabilities in {len(vulnerable)} case(s):")
        lines.extend(vulnerable)
    else:
        lines.append("Dependency audit: no known vulnerabilities.")
    if skipped:
        lines.append(f"Not audited (unknown to the service): {', '.join(sorted(skipped))}.")
    return (1 if vulnerable else 0), lines


def site_packages() -> str:
    found = glob.glob(".venv/lib/python3*/site-packages")
    if not found:
        sys.exit("No .venv/lib/python3*/site-packages: run the test command first.")
    return found[0]


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else site_packages()
    command = [
        os.environ.get("PIP_AUDIT", "pip-audit"), "--path", path, "--format", "json",
        "--progress-spinner", "off", "--timeout", "30",
        "--vulnerability-service", os.environ.get("PIP_AUDIT_SERVICE", "pypi"),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout) if result.stdout.strip() else None
    except ValueError:
        report = None
    status, lines = decide(report, result.stderr, os.environ.get("PRESSMARK_AUDIT_REQUIRED") == "1")
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
