"""The operator's CLI against the running suite: send a file, read the profile back, clear failures."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from cdp.cli.suite import Suite
from tests.support.client import SuiteClient, wait_for


def cdp(suite: Suite, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_send_a_file_then_read_the_profile_by_email(
    suite: Suite, client: SuiteClient, tmp_path: Path
) -> None:
    email, user = f"cli-{uuid.uuid4().hex[:8]}@example.com", f"cli-{uuid.uuid4().hex[:8]}"
    lines = [
        {
            "type": "identify",
            "messageId": str(uuid.uuid4()),
            "userId": user,
            "traits": {"email": email, "plan": "pro"},
        },
        {
            "type": "track",
            "messageId": str(uuid.uuid4()),
            "userId": user,
            "event": "Order Completed",
            "properties": {"total": 42},
        },
        {"type": "track", "messageId": str(uuid.uuid4()), "userId": user},
        "not json",
    ]
    file = tmp_path / "events.jsonl"
    file.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )

    sent = cdp(suite, "events", "send", str(file), "--json")
    summary = json.loads(sent.stdout)
    assert summary["counts"]["accepted"] == 2 and summary["counts"]["rejected"] == 2
    assert {(p["line"], p["reason"]) for p in summary["problems"]} >= {
        (3, "FIELD_REQUIRED"),
        (4, "UNPARSEABLE"),
    }
    assert sent.returncode == 6

    wait_for(lambda: client.profile(email=email).event_count == 2)
    shown = cdp(suite, "profiles", "get", "--email", email.upper(), "--json")
    assert shown.returncode == 0, shown.stderr
    profile = json.loads(shown.stdout)["profile"]
    traits = {t["key"]: t for t in profile["traits"]}
    assert traits["plan"]["value"] == "pro" and traits["email"]["value"] == email
    assert {"type": "user_id", "value": user} in [
        {"type": i["type"], "value": i["value"]} for i in profile["identities"]
    ]

    table = cdp(suite, "profiles", "get", "--email", email)
    assert table.returncode == 0 and "Order Completed" in table.stdout and "plan" in table.stdout


def test_an_unknown_person_is_a_clear_message_and_exit_code_3(suite: Suite) -> None:
    result = cdp(suite, "profiles", "get", "--email", "nobody-at-all@example.com")
    assert result.returncode == 3
    assert "NOT_FOUND" in result.stderr and "Traceback" not in result.stderr
    assert "nobody-at-all" not in result.stderr


def test_a_stopped_suite_is_a_clear_message_not_a_stack_trace(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cdp.cli.main",
            "profiles",
            "get",
            "--email",
            "a@b.co",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    assert "cdp up" in result.stderr and "Traceback" not in result.stderr
