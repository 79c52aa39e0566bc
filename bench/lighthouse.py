"""`manage.py bench --only lighthouse`: Lighthouse scores (mobile preset) of five public
pages served by gunicorn as production runs it, on the demo content.

Lighthouse comes from npm (tools/package.json, `npm ci --prefix tools`) and drives Debian's
Chromium (`CHROME_PATH`, default /usr/bin/chromium) with the flags of the browser tests;
every host name but 127.0.0.1 and localhost resolves to nothing, so nothing outside the
machine is fetched. The demo content is seeded into the current database first (idempotent).

Figures only, no assertions: accessibility, best practices and SEO have a target of 95,
performance 90. Performance is measured under Lighthouse's simulated slow-4G phone, so on
a busy machine it varies from run to run; the load average is printed beside it. The JSON
reports are kept in var/lighthouse/ (open one in the Lighthouse viewer for the details).
"""

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from django.conf import settings
from django.core.management import call_command

from articles.models import Article
from bench.pages import Server, server_env
from listings.models import LandParcel, Listing

CATEGORIES = {
    "performance": 90,
    "accessibility": 95,
    "best-practices": 95,
    "seo": 95,
}
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
REPORTS = settings.BASE_DIR / "var" / "lighthouse"  # the JSON reports of the last run
LIGHTHOUSE = settings.BASE_DIR / "tools" / "node_modules" / "lighthouse" / "cli" / "index.js"
TIMEOUT_SECONDS = 240


def demo_pages():
    """Home, /listings/, a listing, a parcel and an article of the demo content."""
    listing = Listing.objects.published().exclude(images=None).order_by("pk").first()
    parcel = LandParcel.objects.published().order_by("pk").first()
    article = Article.objects.published().exclude(cover="").order_by("pk").first()
    pages = [("home", "/"), ("listings", "/listings/")]
    for name, obj in (("listing", listing), ("parcel", parcel), ("article", article)):
        if obj is not None:
            pages.append((name, obj.get_absolute_url()))
    return pages


def lighthouse(url, out_path):
    """One Lighthouse run: its report, or RuntimeError with the end of what it said."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    result = subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out_path}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
            "--max-wait-for-load=60000",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    if result.returncode:
        said = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(said[-1] if said else f"exit status {result.returncode}")
    report = json.loads(Path(out_path).read_text())
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"].get("message", "runtime error"))
    return report


def where(audit, limit=3):
    """The first few elements or files an audit names."""
    items = (audit.get("details") or {}).get("items") or []
    names = []
    for item in items[:limit]:
        node = item.get("node") or {}
        names.append(node.get("selector") or str(item.get("url", ""))[-60:])
    return ", ".join(name for name in names if name)


def flagged(report):
    """Audits that cost points: (category, audit id, what it shows and names) for each
    weighted audit scored under 0.9."""
    audits = report["audits"]
    found = []
    for category, data in report["categories"].items():
        for ref in data["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 0.9:
                found.append(
                    (category, ref["id"], f"{audit.get('displayValue', '')} {where(audit)}")
                )
    return found


def run(command, repeat=30, runs=None, only_pages=None, **_options):
    if not LIGHTHOUSE.exists():
        command.stdout.write(
            "Lighthouse is not installed (npm ci --prefix tools): no Lighthouse figures"
        )
        return
    runs = runs or 3
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    pages = demo_pages()
    if only_pages:  # --page home --page article, or a path
        pages = [(name, path) for name, path in pages if only_pages & {name, path}]
    with tempfile.TemporaryDirectory(prefix="g60-bench-lighthouse-") as tmp:
        workdir = Path(tmp)
        env = server_env(workdir, PAGE_CACHE_SECONDS="600", MEDIA_ROOT=str(settings.MEDIA_ROOT))
        for args in (["collectstatic", "--noinput"], ["createcachetable"]):
            subprocess.run(
                [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
                env=env,
                check=True,
                capture_output=True,
            )
        REPORTS.mkdir(parents=True, exist_ok=True)
        server = Server("site", workdir, env)
        try:
            for _name, path in pages:
                server.wait(path)
            load_before = os.getloadavg()[0]
            command.stdout.write(
                f"Lighthouse (mobile preset), median of {runs} runs per page; "
                f"targets: performance ≥ 90, the others ≥ 95"
            )
            header = f"{'page':<10} {'path':<44} " + " ".join(f"{c[:11]:>11}" for c in CATEGORIES)
            command.stdout.write(header)
            for name, path in pages:
                scores = {category: [] for category in CATEGORIES}
                notes = set()
                failures = []
                # A run that fails (Chromium sometimes misses a protocol deadline on a
                # busy machine) is tried again once; each failure is printed below.
                attempt = 0
                while len(scores["performance"]) < runs and attempt < 2 * runs:
                    report_path = REPORTS / f"{name}-{attempt}.json"
                    attempt += 1
                    try:
                        report = lighthouse(server.url + path, report_path)
                    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
                        failures.append(str(error)[:200])
                        continue
                    for category in CATEGORIES:
                        score = report["categories"][category]["score"]
                        scores[category].append(round((score or 0) * 100))
                    notes.update(flagged(report))
                if not scores["performance"]:
                    command.stdout.write(f"{name:<10} {path[:44]:<44} every run failed")
                cells = []
                for category, target in CATEGORIES.items():
                    if not scores[category]:
                        break
                    value = median(scores[category])
                    mark = "" if value >= target else "!"
                    cells.append(f"{value:>10.0f}{mark or ' '}")
                else:
                    command.stdout.write(f"{name:<10} {path[:44]:<44} " + " ".join(cells))
                    runs_shown = ", ".join(str(v) for v in scores["performance"])
                    command.stdout.write(
                        f"{'':<12}performance of each run: {runs_shown}; "
                        f"load average {os.getloadavg()[0]:.1f}"
                    )
                for failure in failures:
                    command.stdout.write(f"{'':<12}a run failed: {failure}")
                for category, audit, shown in sorted(notes):
                    command.stdout.write(f"{'':<12}flagged: {category} {audit} {shown}".rstrip())
            load_after = os.getloadavg()[0]
            command.stdout.write(
                f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after, "
                f"on {os.cpu_count()} cores; '!' marks a figure under its target"
            )
        finally:
            server.stop()
