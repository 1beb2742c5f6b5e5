"""T20 re-import round trip: export a person, re-send the export into a fresh suite, export again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cdp.api.ingestion.v1 import event_pb2
from cdp.cli.suite import Suite
from tests.e2e.conftest import start_suite
from tests.support.client import SuiteClient, event, wait_for

HOUR = 3600.0
# Minted by each suite on its own, never part of what describes the person ("sequence" is the
# identity service's per-suite counter of graph changes).
MINTED = frozenset(
    {"request", "generated_at", "subject_ids", "receive_time", "link_time", "create_time"}
    | {"sequence"}
)


@dataclass
class Person:
    ids: dict[str, str]
    events: list[event_pb2.Event]


@dataclass
class RoundTrip:
    person: Person
    first: dict[str, Any]  # exported from suite A
    sent: subprocess.CompletedProcess  # `cdp events send --from-export` into suite B
    second: dict[str, Any]  # exported from suite B


def cdp(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def _ids() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "email": f"Roundtrip+{tag}@Example.test",
        "phone": f"+6681{int(tag[:6], 16) % 10_000_000:07d}",
        "user_id": f"rt-user-{tag}",
        "anonymous_id": f"rt-anon-{tag}",
        "device": f"rt-dev-{tag}",
        "crm_id": f"crm-{tag}",
        "group": f"rt-group-{tag}",
        "tag": tag,
    }


def _anonymous_pages(ids: dict[str, str], start: float) -> list[event_pb2.Event]:
    pages = []
    for i, title in enumerate(("Trang chủ", "หน้าสินค้า")):
        page = event(
            "page",
            anonymous_id=ids["anonymous_id"],
            name=title,
            timestamp=start + i + 0.123456789,
            context={
                "page": {"path": f"/p/{i}", "url": f"https://shop.example.test/p/{i}"},
                "locale": "th-TH",
                "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
                "ip": "198.51.100.7",
            },
        )
        page.category = "Catalog"
        pages.append(page)
    return pages


def _known_events(ids: dict[str, str], start: float) -> list[event_pb2.Event]:
    identify = event(
        "identify",
        user_id=ids["user_id"],
        timestamp=start + 10.5,
        traits={
            "email": ids["email"],
            "phone": ids["phone"],
            "name": f"Nguyễn Thị Minh Khai {ids['tag']}",
            "firstName": "สมศรี",
            "lastName": "ใจดี",
            "plan": "gold",
            "address": {"city": "Hà Nội", "street": "12 Phố Huế"},
            "loyaltyPoints": 1250,
        },
        context={"device": {"id": ids["device"]}, "ip": "198.51.100.23", "locale": "vi-VN"},
    )
    identify.external_ids["crm_id"] = ids["crm_id"]
    order = event(
        "track",
        user_id=ids["user_id"],
        name="Order Completed",
        timestamp=start + 20.000000001,
        properties={
            "order_id": f"o-{ids['tag']}",
            "revenue": 123.45,
            "items": [
                {"sku": "S1", "name": "Áo dài", "qty": 2, "options": {"color": "đỏ"}},
                {"sku": "S2", "name": "ผ้าไหม", "qty": 1, "options": {"color": None}},
            ],
            "shipping": {"address": {"city": "กรุงเทพมหานคร", "zip": "10110"}},
            "coupon": None,
            "gift": False,
        },
        context={"device": {"id": ids["device"]}},
    )
    order.integrations.update({"All": True, "Mixpanel": False})
    viewed = event(  # no timestamp: the log records the receive time instead
        "track",
        user_id=ids["user_id"],
        name="Product Viewed",
        properties={"product": {"id": "S1", "tags": ["vải", "lụa"], "price": {"vnd": 250000}}},
    )
    page = event(
        "page",
        user_id=ids["user_id"],
        name="Giỏ hàng",
        timestamp=start + 30.25,
        context={
            "page": {"path": "/cart", "referrer": "https://shop.example.test/p/1"},
            "device": {"id": ids["device"], "type": "mobile"},
            "campaign": {"name": "Tết 2026", "source": "zalo"},
        },
    )
    group = event(
        "group",
        user_id=ids["user_id"],
        group_id=ids["group"],
        timestamp=start + 40,
        traits={"name": "Công ty TNHH Ánh Dương", "employees": 42},
    )
    alias = event(
        "alias",
        user_id=ids["user_id"],
        previous_id=ids["anonymous_id"],
        timestamp=start + 50,
    )
    return [identify, order, viewed, page, group, alias]


def seed(client: SuiteClient) -> Person:
    ids = _ids()
    start = time.time() - HOUR
    anonymous = _anonymous_pages(ids, start)
    known = _known_events(ids, start)
    assert client.ingest(anonymous).accepted_count == len(anonymous)
    wait_for(lambda: client.profile(anonymous_id=ids["anonymous_id"]).event_count == 2, 60)
    assert client.ingest(known).accepted_count == len(known)
    person = Person(ids, [*anonymous, *known])
    wait_until_merged(client, person)
    return person


def wait_until_merged(client: SuiteClient, person: Person) -> None:
    ids = person.ids

    def merged() -> bool:
        known = client.profile(user_id=ids["user_id"])
        anonymous = client.profile(anonymous_id=ids["anonymous_id"])
        return known.name == anonymous.name and known.event_count == len(person.events)

    wait_for(merged, timeout=90, interval=0.1)


def export(data_dir: Path, email: str, out: Path) -> dict[str, Any]:
    exported = cdp(data_dir, "privacy", "export", "--email", email, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def first_export(
    suite: Suite, client: SuiteClient, tmp_path_factory
) -> tuple[Person, Path, dict[str, Any]]:
    person = seed(client)
    out = tmp_path_factory.mktemp("export-a") / "export.json"
    return person, out, export(suite.data_dir, person.ids["email"], out)


@pytest.fixture(scope="module")
def roundtrip(first_export, tmp_path_factory) -> Iterator[RoundTrip]:
    person, out, first = first_export
    fresh = start_suite(tmp_path_factory.mktemp("suite-b") / "cdp")
    try:
        sent = cdp(fresh.data_dir, "events", "send", "--from-export", str(out), "--json")
        if sent.returncode == 0:  # otherwise the tests below show what is missing
            with SuiteClient(fresh) as client_b:
                wait_until_merged(client_b, person)
        second = export(fresh.data_dir, person.ids["email"], out.with_name("export-b.json"))
        yield RoundTrip(person, first, sent, second)
    finally:
        fresh.stop_all()


def _summary(sent: subprocess.CompletedProcess) -> dict[str, Any]:
    assert "Traceback" not in sent.stderr, sent.stderr
    return json.loads(sent.stdout)


def _profile_labels(document: dict[str, Any]) -> dict[str, str]:
    """A profile's id is minted per suite; the message that created it is not."""
    history = document["services"]["identity"]["merge_history"]
    return {
        record["after_profile"]: f"profile created by {record['message_id']}"
        for record in history
        if record["kind"] == "CREATE"
    }


def _canonical(value: Any, labels: dict[str, str]) -> Any:
    """Minted keys dropped, profile names replaced by their labels (lists keep their order,
    except lists of profiles, which are sets)."""
    if isinstance(value, dict):
        return {k: _canonical(v, labels) for k, v in value.items() if k not in MINTED}
    if isinstance(value, list):
        items = [_canonical(item, labels) for item in value]
        names = all(isinstance(item, str) and item.startswith("profiles/") for item in value)
        return sorted(items) if items and names else items
    if isinstance(value, str) and value.startswith("profiles/"):
        return labels.get(value, value)  # unlabelled: left minted, so the comparison shows it
    return value


def described(document: dict[str, Any]) -> dict[str, Any]:
    """Everything the export says about the person, keyed by what is stable across suites."""
    labels = _profile_labels(document)
    services = _canonical(document["services"], labels)
    profile, identity = services["profile"], services["identity"]
    return {
        "ingestion events": {e["message_id"]: e for e in services["ingestion"]["events"]},
        "profile events": {e["message_id"]: e for e in profile["events"]},
        "profile traits": {(t["profile"], t["key"]): t for t in profile["traits"]},
        "profiles": {p["name"]: p for p in profile["profiles"]},
        "identities": {(i["type"], i["value"]): i for i in identity["identities"]},
        "merge history": {(r["kind"], r["message_id"]): r for r in identity["merge_history"]},
        "consent history": services["consent"]["consent_history"],
    }


def test_reimport_into_a_fresh_suite_accepts_every_event(roundtrip: RoundTrip) -> None:
    summary = _summary(roundtrip.sent)

    assert roundtrip.sent.returncode == 0, roundtrip.sent.stderr
    assert summary == {
        "counts": {
            "accepted": len(roundtrip.person.events),
            "duplicate": 0,
            "rejected": 0,
            "suppressed": 0,
        },
        "problems": [],
    }


def test_the_first_export_holds_the_seeded_person(roundtrip: RoundTrip) -> None:
    first = described(roundtrip.first)
    ids = roundtrip.person.ids

    seeded = {e.message_id for e in roundtrip.person.events}
    assert set(first["ingestion events"]) == seeded == set(first["profile events"])
    assert {
        ("user_id", ids["user_id"]),
        ("anonymous_id", ids["anonymous_id"]),
        ("email", ids["email"].lower()),
        ("phone", ids["phone"]),
        ("device_id", ids["device"]),
        ("crm_id", ids["crm_id"]),
    } == set(first["identities"])
    traits = {key: t["value"] for (_owner, key), t in first["profile traits"].items()}
    assert traits["name"].startswith("Nguyễn Thị Minh Khai") and traits["firstName"] == "สมศรี"
    alias = roundtrip.person.events[-1]
    assert alias.type == event_pb2.EVENT_TYPE_ALIAS
    assert [key for key in first["merge history"] if key[0] == "MERGE"] == [
        ("MERGE", alias.message_id)
    ]


def test_the_fresh_suites_export_describes_the_same_person(roundtrip: RoundTrip) -> None:
    first, second = described(roundtrip.first), described(roundtrip.second)

    for part, held in first.items():
        again = second[part]
        if isinstance(held, dict):
            assert sorted(again, key=str) == sorted(held, key=str), f"{part}: different records"
            changed = [key for key in held if again[key] != held[key]]
            assert not changed, f"{part} differ for {changed}: {[again[k] for k in changed]}"
        else:
            assert again == held, part


def test_resending_the_export_into_the_same_suite_is_duplicate_for_every_event(
    suite: Suite, first_export: tuple[Person, Path, dict[str, Any]]
) -> None:
    person, out, _document = first_export

    sent = cdp(suite.data_dir, "events", "send", "--from-export", str(out), "--json")

    assert sent.returncode == 0, sent.stderr
    assert _summary(sent)["counts"] == {
        "accepted": 0,
        "duplicate": len(person.events),
        "rejected": 0,
        "suppressed": 0,
    }
    shown = cdp(suite.data_dir, "events", "send", "--from-export", str(out))
    assert shown.returncode == 0 and "duplicate" in shown.stdout, shown.stderr
    assert person.ids["email"] not in shown.stdout + shown.stderr


def test_a_file_that_is_not_an_export_is_one_clear_usage_line(suite: Suite, tmp_path: Path) -> None:
    not_export = tmp_path / "not-export.json"
    not_export.write_text(json.dumps({"services": {"profile": {"events": []}}}))
    lines = tmp_path / "events.jsonl"
    lines.write_text("{}\n")

    wrong = cdp(suite.data_dir, "events", "send", "--from-export", str(not_export))
    both = cdp(suite.data_dir, "events", "send", str(lines), "--from-export", str(not_export))
    neither = cdp(suite.data_dir, "events", "send")

    assert wrong.returncode == 2 and "services.ingestion.events" in wrong.stderr
    assert both.returncode == 2 and neither.returncode == 2
    for result in (wrong, both, neither):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
