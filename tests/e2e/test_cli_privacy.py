"""The compliance officer's CLI against the running suite: consent, DSRs, receipts, ROPA, audit."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

from cdp.cli.suite import Suite
from cdp.consent.domain.processing import PURPOSES
from tests.support.client import SuiteClient, event, wait_for

CONSENT = (
    "--purpose",
    "email_marketing",
    "--notice-id",
    "newsletter-2026-01",
    "--language",
    "vi",
    "--channel",
    "web",
    "--method",
    "checkbox",
    "--jurisdiction",
    "pdpl-vn",
)
SCHEMA_KEYWORDS = {
    "$schema",
    "$id",
    "title",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "pattern",
    "enum",
    "format",
}


def cdp(suite: Suite, *args: str) -> subprocess.CompletedProcess:
    """Runs the CLI as an operator's script would: no terminal anywhere."""
    return subprocess.run(
        [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def seed_person(client: SuiteClient) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    person = {
        "email": f"cli-privacy-{tag}@example.test",
        "user_id": f"cli-user-{tag}",
        "name": f"Nguyễn Thị {tag}",
    }
    events = [
        event(
            "identify",
            user_id=person["user_id"],
            traits={"email": person["email"], "name": person["name"], "plan": "gold"},
        ),
        event("track", user_id=person["user_id"], name="Order Completed", properties={"total": 42}),
    ]
    assert client.ingest(events).accepted_count == 2
    wait_for(lambda: client.profile(email=person["email"]).event_count == 2)
    return person


def assert_clean_failure(result: subprocess.CompletedProcess, person: dict[str, str]) -> None:
    assert "Traceback" not in result.stderr
    lowered = result.stderr.lower()
    for value in person.values():
        assert value.lower() not in lowered
        assert value.split("@")[0].lower() not in lowered


def consent_state(suite: Suite, email: str, *extra: str) -> dict:
    shown = cdp(suite, "consent", "show", "--email", email, "--json", *extra)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def request_names(suite: Suite) -> set[str]:
    listed = cdp(suite, "privacy", "list", "--limit", "1000", "--json")
    assert listed.returncode == 0, listed.stderr
    return {request["name"] for request in json.loads(listed.stdout)}


def schema_errors(value, schema: dict, path: str = "$") -> list[str]:
    """The JSON Schema keywords the export schema uses (jsonschema is not a dependency)."""
    assert set(schema) <= SCHEMA_KEYWORDS, (
        f"{path}: unchecked keywords {set(schema) - SCHEMA_KEYWORDS}"
    )
    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: not one of {schema['enum']}")
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [*errors, f"{path}: not an object"]
        errors += [
            f"{path}.{key}: missing" for key in schema.get("required", ()) if key not in value
        ]
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key, schema.get("additionalProperties"))
            if isinstance(sub, dict):
                errors += schema_errors(item, sub, f"{path}.{key}")
    elif kind == "array":
        if not isinstance(value, list):
            return [*errors, f"{path}: not an array"]
        for index, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{index}]")
    elif kind == "string":
        if not isinstance(value, str):
            return [*errors, f"{path}: not a string"]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
        if schema.get("format") == "date-time":
            datetime.fromisoformat(value)
    return errors


def test_a_grant_then_a_withdrawal_show_in_the_consent_state(
    suite: Suite, client: SuiteClient, tmp_path: Path
) -> None:
    person = seed_person(client)
    notice = tmp_path / "notice.vi.txt"
    notice.write_bytes("Tôi đồng ý nhận email tiếp thị.\r\nRút lại bất cứ lúc nào.\n".encode())
    digest = hashlib.sha256(notice.read_bytes()).hexdigest()

    granted = cdp(
        suite, "consent", "grant", "--email", person["email"], *CONSENT,
        "--notice-file", str(notice), "--evidence-ref", "shot:abc123", "--json",
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    record = json.loads(granted.stdout)
    assert record["status"] == "CONSENT_STATUS_GRANTED" and record["notice_sha256"] == digest
    assert record["subject_id"].startswith("sub_") and record["actor"]
    assert record["evidence_ref"] == "shot:abc123"
    state = consent_state(suite, person["email"].upper())
    assert {p["purpose"]: p["status"] for p in state["purposes"]} == {
        "email_marketing": "CONSENT_STATUS_GRANTED"
    }

    withdrawn = cdp(
        suite, "consent", "withdraw", "--email", person["email"], *CONSENT,
        "--notice-sha256", digest, "--json",
    )  # fmt: skip
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert json.loads(withdrawn.stdout)["evidence_ref"].startswith("cli:")
    state = consent_state(suite, person["email"], "--history")
    assert {p["purpose"]: p["status"] for p in state["purposes"]} == {
        "email_marketing": "CONSENT_STATUS_WITHDRAWN"
    }
    assert [r["status"] for r in state["history"]] == [
        "CONSENT_STATUS_GRANTED",
        "CONSENT_STATUS_WITHDRAWN",
    ]
    assert {r["notice_sha256"] for r in state["history"]} == {digest}

    table = cdp(suite, "consent", "show", "--email", person["email"], "--history")
    assert (
        table.returncode == 0 and "WITHDRAWN" in table.stdout and "email_marketing" in table.stdout
    )


def test_consent_mistakes_are_one_clear_line_without_the_persons_data(
    suite: Suite, client: SuiteClient, tmp_path: Path
) -> None:
    person = {"email": f"cli-mistake-{uuid.uuid4().hex[:8]}@example.test", "phone": "+84901234567"}
    notice = tmp_path / "notice.txt"
    notice.write_text("You agree to marketing email.")
    sha = "--notice-sha256"

    two_people = cdp(
        suite, "consent", "grant", "--email", person["email"], "--phone", person["phone"],
        *CONSENT, "--notice-file", str(notice),
    )  # fmt: skip
    both_notices = cdp(
        suite, "consent", "deny", "--email", person["email"], *CONSENT,
        "--notice-file", str(notice), sha, "0" * 64,
    )  # fmt: skip
    bad_request_id = cdp(
        suite, "consent", "grant", "--email", person["email"], *CONSENT,
        "--notice-file", str(notice), "--request-id", "not-a-uuid",
    )  # fmt: skip
    bad_digest = cdp(suite, "consent", "grant", "--email", person["email"], *CONSENT, sha, "xyz")
    unknown_notice = cdp(
        suite, "consent", "grant", "--email", person["email"], *CONSENT, sha, "ab" * 32
    )

    for usage in (two_people, both_notices, bad_request_id):
        assert usage.returncode == 2, usage.stderr
        assert_clean_failure(usage, person)
    assert "exactly one of --email" in two_people.stderr
    assert "--notice-file or --notice-sha256" in both_notices.stderr
    assert "--request-id" in bad_request_id.stderr
    assert bad_digest.returncode == 6 and "INVALID_NOTICE_SHA256" in bad_digest.stderr
    assert "record.notice_sha256" in bad_digest.stderr
    assert unknown_notice.returncode == 6 and "notice_text" in unknown_notice.stderr
    for failed in (bad_digest, unknown_notice):
        assert_clean_failure(failed, person)
        assert len(failed.stderr.strip().splitlines()) == 1
    assert consent_state(suite, person["email"])["purposes"] == []


def test_export_writes_the_persons_data_valid_against_the_written_schema(
    suite: Suite, client: SuiteClient, tmp_path: Path
) -> None:
    person = seed_person(client)
    out = tmp_path / "export.json"

    exported = cdp(suite, "privacy", "export", "--email", person["email"], "--out", str(out))

    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads((tmp_path / "export.schema.json").read_text())
    assert schema_errors(document, schema) == []
    text = json.dumps(document, ensure_ascii=False)
    for value in (person["email"], person["user_id"], person["name"], "gold", "Order Completed"):
        assert value in text


def test_erase_completes_everywhere_and_its_receipt_verifies_offline(
    suite: Suite, client: SuiteClient, tmp_path: Path
) -> None:
    person = seed_person(client)

    erased = cdp(
        suite, "privacy", "erase", "--email", person["email"], "--jurisdiction", "pdpl-vn",
        "--yes", "--wait", "--json",
    )  # fmt: skip

    assert erased.returncode == 0, erased.stderr
    request = json.loads(erased.stdout)
    assert (
        request["state"] == "REQUEST_STATE_COMPLETED" and request["type"] == "REQUEST_TYPE_ERASURE"
    )
    assert request["tasks"] and {t["state"] for t in request["tasks"]} == {
        "REQUEST_STATE_COMPLETED"
    }
    request_id = request["name"].removeprefix("dataSubjectRequests/")
    status = cdp(suite, "privacy", "status", request_id, "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["state"] == "REQUEST_STATE_COMPLETED"
    assert request["name"] in request_names(suite)

    shown = cdp(suite, "privacy", "receipt", request_id)
    assert shown.returncode == 0, shown.stderr
    saved = tmp_path / "receipt.json"
    saved.write_text(shown.stdout)
    assert json.loads(shown.stdout)["payload"]
    verified = cdp(suite, "privacy", "receipt", str(saved), "--verify")
    assert verified.returncode == 0, verified.stderr
    tampered = tmp_path / "tampered.json"
    receipt = json.loads(shown.stdout)
    payload = bytearray(base64.b64decode(receipt["payload_b64"]))
    payload[len(payload) // 2] ^= 0x01
    tampered.write_text(json.dumps({**receipt, "payload_b64": base64.b64encode(payload).decode()}))
    rejected = cdp(suite, "privacy", "receipt", str(tampered), "--verify")
    assert rejected.returncode == 1 and "NOT verify" in rejected.stderr

    gone = cdp(suite, "profiles", "get", "--email", person["email"])
    assert gone.returncode == 3, gone.stderr
    assert_clean_failure(gone, person)


def test_erase_without_yes_and_without_a_terminal_refuses_and_erases_nothing(
    suite: Suite, client: SuiteClient
) -> None:
    person = seed_person(client)
    before = request_names(suite)

    refused = cdp(suite, "privacy", "erase", "--email", person["email"], "--jurisdiction", "gdpr")

    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert_clean_failure(refused, person)
    assert request_names(suite) == before
    assert client.profile(email=person["email"]).event_count == 2


def test_ropa_lists_every_declared_purpose_with_lawful_basis_and_retention(suite: Suite) -> None:
    shown = cdp(suite, "privacy", "ropa", "--json")

    assert shown.returncode == 0, shown.stderr
    activities = {a["purpose_id"]: a for a in json.loads(shown.stdout)["activities"]}
    assert set(activities) == {p.purpose_id for p in PURPOSES}
    assert all(a["lawful_basis"].strip() and a["retention"].strip() for a in activities.values())


def test_restriction_blocks_profile_reads_until_it_is_lifted(
    suite: Suite, client: SuiteClient
) -> None:
    person = seed_person(client)
    name = client.profile(email=person["email"]).name

    restricted = cdp(suite, "privacy", "restrict", "--email", person["email"], "--wait", "--json")
    assert restricted.returncode == 0, restricted.stderr
    assert json.loads(restricted.stdout)["state"] == "REQUEST_STATE_COMPLETED"
    blocked = cdp(suite, "profiles", "get", name)
    assert blocked.returncode == 6 and "SUBJECT_RESTRICTED" in blocked.stderr
    assert_clean_failure(blocked, person)

    lifted = cdp(suite, "privacy", "unrestrict", "--email", person["email"], "--yes", "--wait")
    assert lifted.returncode == 0, lifted.stderr
    readable = cdp(suite, "profiles", "get", "--email", person["email"], "--json")
    assert readable.returncode == 0, readable.stderr
    assert int(json.loads(readable.stdout)["profile"]["event_count"]) == 2


def test_a_restricted_person_read_by_email_is_refused_as_restricted(
    suite: Suite, client: SuiteClient
) -> None:
    person = seed_person(client)
    restricted = cdp(suite, "privacy", "restrict", "--email", person["email"], "--wait")
    assert restricted.returncode == 0, restricted.stderr

    blocked = cdp(suite, "profiles", "get", "--email", person["email"])

    assert blocked.returncode == 6, blocked.stderr
    assert "FAILED_PRECONDITION [SUBJECT_RESTRICTED]" in blocked.stderr
    assert_clean_failure(blocked, person)


def test_the_audit_chain_verifies_after_all_of_the_above(suite: Suite) -> None:
    checked = cdp(suite, "audit", "verify", "--json")
    shown = cdp(suite, "audit", "verify")

    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert result["valid"] is True and result["entry_count"] > 0 and result["problem"] is None
    assert shown.returncode == 0 and "audit chain valid" in shown.stdout
