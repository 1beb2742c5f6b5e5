"""The breach drill (R26, T32) through the CLI against the running suite: record an incident from a
file, get every regulator's draft notice with all its fields at once, and show it again later."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cdp.cli.suite import Suite
from cdp.consent.domain.breach_notice import REGIMES

T32_TARGET_S = 24 * 3600


def cdp(suite: Suite, *args: str) -> subprocess.CompletedProcess:
    """Runs the CLI as an operator's script would: no terminal anywhere."""
    return subprocess.run(
        [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def incident_file(tmp_path: Path, **changes) -> Path:
    now = datetime.now(UTC)
    document = {
        "nature": "A misconfigured export bucket was publicly readable for six hours.",
        "discover_time": (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "occur_time": (now - timedelta(hours=7)).isoformat().replace("+00:00", "Z"),
        "data_categories": ["all"],
        "subject_categories": ["customers", "website and app visitors"],
        "approximate_subjects": 1200,
        "approximate_records": 5400,
        "contact": "Data Protection Officer, via the privacy portal",
        "consequences": "Targeted phishing of the customers concerned.",
        "measures": "Bucket closed; access keys rotated; customers told by email.",
        "jurisdictions": ["gdpr", "pdpa-th", "pdpl-vn"],
        **changes,
    }
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_breach_drill_drafts_every_notice_in_full_and_shows_it_again(
    suite: Suite, tmp_path: Path
) -> None:
    file = incident_file(tmp_path)

    started = time.monotonic()
    recorded = cdp(suite, "privacy", "breach", "record", "--file", str(file), "--json")
    drafted_in = time.monotonic() - started

    assert recorded.returncode == 0, recorded.stderr
    answer = json.loads(recorded.stdout)
    name, notices = answer["incident"]["name"], answer["draft"]["notices"]
    assert name.startswith("incidents/") and answer["draft"]["incident"] == name
    assert [n["jurisdiction"] for n in notices] == ["gdpr", "pdpa-th", "pdpl-vn"]
    for notice in notices:
        required = [r.field for r in REGIMES[notice["jurisdiction"]].requirements]
        assert [f["field"] for f in notice["fields"]] == required
        assert all(f["present"] for f in notice["fields"]), notice["missing"]
        assert notice["completeness_percent"] == 100.0
        assert 70.0 <= notice["hours_remaining"] <= 71.0
    assert drafted_in <= T32_TARGET_S
    print(
        f"\nT32 breach drill: incident record -> draft notices in {drafted_in:.2f} s "
        f"(target <= 24 h); fields {min(n['completeness_percent'] for n in notices):g} % "
        f"in {len(notices)} jurisdictions"
    )

    shown = cdp(suite, "privacy", "breach", "show", name, "--json")
    assert shown.returncode == 0, shown.stderr
    again = json.loads(shown.stdout)
    assert again["incident"] == answer["incident"]
    assert [n["completeness_percent"] for n in again["draft"]["notices"]] == [100.0] * 3

    table = cdp(suite, "privacy", "breach", "show", name.removeprefix("incidents/"))
    assert table.returncode == 0, table.stderr
    assert name in table.stdout and "pdpl-vn" in table.stdout and "100 %" in table.stdout


def test_a_drill_with_gaps_lists_what_is_missing(suite: Suite, tmp_path: Path) -> None:
    file = incident_file(tmp_path, consequences="", occur_time=None, jurisdictions=["pdpa-th"])
    file.write_text(
        json.dumps({k: v for k, v in json.loads(file.read_text()).items() if v is not None})
    )
    recorded = cdp(suite, "privacy", "breach", "record", "--file", str(file))
    assert recorded.returncode == 0, recorded.stderr
    assert "consequences" in recorded.stdout and "occur_time" in recorded.stdout
    assert "100 %" not in recorded.stdout


def test_personal_data_in_the_file_is_refused_without_repeating_it(
    suite: Suite, tmp_path: Path
) -> None:
    file = incident_file(tmp_path, nature="Reported by ops.lead@example.test")
    refused = cdp(suite, "privacy", "breach", "record", "--file", str(file))
    unknown = cdp(
        suite, "privacy", "breach", "show", "incidents/00000000-0000-4000-8000-000000000000"
    )
    assert refused.returncode == 6 and "incident.nature" in refused.stderr
    assert "ops.lead" not in refused.stderr + refused.stdout
    assert unknown.returncode == 3 and "NOT_FOUND" in unknown.stderr


def test_a_file_that_is_not_an_incident_is_a_usage_error(suite: Suite, tmp_path: Path) -> None:
    file = tmp_path / "incident.json"
    file.write_text(json.dumps({"nature": "x", "severity": "high"}))
    wrong = cdp(suite, "privacy", "breach", "record", "--file", str(file))
    missing = cdp(suite, "privacy", "breach", "record", "--file", str(tmp_path / "nope.json"))
    assert wrong.returncode == 2 and "severity" in wrong.stderr and "Traceback" not in wrong.stderr
    assert missing.returncode == 2
