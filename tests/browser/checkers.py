"""The real accessibility and validity checkers: axe-core run inside Chromium and the Nu
HTML Checker (vnu.jar, run with Java). Both come from npm into tools/node_modules
(`npm ci --prefix tools`, which `make test` runs)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

TOOLS = Path(settings.BASE_DIR) / "tools" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
# What must hold: no violation a person would be stopped by.
BLOCKING_IMPACTS = set(os.environ.get("AXE_IMPACTS", "serious,critical").split(","))


def require_tool(path, what):
    """Skip without the tool on a developer's machine; fail loudly in CI (env CI set)."""
    if path.exists():
        return
    reason = f"{what} missing at {path} (run `npm ci --prefix tools`)"
    if os.environ.get("CI"):
        pytest.fail(f"accessibility checks must run in CI: {reason}")
    print(f"\n\n!!! SKIPPING: {reason} !!!\n")
    pytest.skip(reason)


def java():
    found = shutil.which("java")
    if found is None:
        reason = "java not found (apt-get install default-jre-headless)"
        if os.environ.get("CI"):
            pytest.fail(f"the Nu HTML Checker must run in CI: {reason}")
        pytest.skip(reason)
    return found


def axe_violations(page):
    """axe-core's violations on the page as it is now, serious and critical only, each as
    'rule (impact): target …' lines."""
    require_tool(AXE_JS, "axe-core")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def format_axe(url, violations):
    lines = []
    for v in violations:
        lines.append(f"{url}: {v['id']} ({v['impact']}) {v['help']}")
        lines.extend(f"    {n}" for n in v["nodes"][:5])
    return "\n".join(lines)


def nu_errors(documents):
    """Nu HTML Checker errors for {name: html}; one Java start for all of them."""
    require_tool(VNU_JAR, "vnu-jar")
    java_bin = java()
    workdir = Path(settings.BASE_DIR) / "var" / "nu"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    paths = {}
    for name, html in documents.items():
        path = workdir / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths[str(path.resolve())] = name
    run = subprocess.run(
        [
            java_bin,
            "-Xss1024k",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stderr or run.stdout)
    errors = []
    for message in report.get("messages", []):
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        name = paths.get(url.removeprefix("file:"), url)
        errors.append(f"{name}:{message.get('lastLine', '?')}: {message.get('message')}")
    return errors
