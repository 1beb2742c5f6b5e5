"""Erasure end to end: a canary with 10,000 events is erased everywhere, provably (T6-T8, T10-T13, T19)."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
import uuid
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cdp.api.consent.v1 import key_service_pb2
from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2 as ingestion_pb
from cdp.cli.suite import Suite
from cdp.pii import BlindIndexer, normalize
from tests.e2e.conftest import start_suite
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import create, key_states, privacy_stub, wait_finished
from tests.support.scan import find_plaintext

EVENTS = 10_000


def _canary() -> dict[str, str]:
    tag = uuid.uuid4().hex[:12]
    return {
        "email": f"canary+{tag}@example.test",
        "vn_phone": f"+8490{int(tag[:7], 16) % 10_000_000:07d}",
        "th_phone": f"+6681{int(tag[5:12], 16) % 10_000_000:07d}",
        "vi_name": f"Trần Thị Canary {tag}",
        "th_name": f"สมหญิง แคนารี {tag}",
        "user_id": f"canary-user-{tag}",
        "device": f"canary-dev-{tag}",
        "anonymous_id": f"canary-anon-{tag}",
    }


def _seed(client: SuiteClient, c: dict[str, str]) -> None:
    context = {"device": {"id": c["device"]}, "locale": "vi-VN", "ip": "198.51.100.77"}
    first = [
        event("page", anonymous_id=c["anonymous_id"], name="Home", context=context),
        event(
            "identify",
            anonymous_id=c["anonymous_id"],
            user_id=c["user_id"],
            context=context,
            traits={
                "email": c["email"],
                "phone": c["vn_phone"],
                "name": c["vi_name"],
                "firstName": c["th_name"],
                "plan": "gold",
            },
        ),
        event(
            "identify",
            user_id=c["user_id"],
            traits={"phone": c["th_phone"]},
            context={"locale": "th-TH"},
        ),
    ]
    rest = [
        event(
            "track",
            user_id=c["user_id"],
            name="Order Completed",
            context=context,
            properties={"order": i, "email": c["email"]},
        )
        for i in range(EVENTS - len(first))
    ]
    batches = [first + rest[:497]] + [rest[i : i + 500] for i in range(497, len(rest), 500)]
    for batch in batches:
        assert client.ingest(batch).accepted_count == len(batch)
    wait_for(lambda: client.profile(email=c["email"]).event_count == EVENTS, timeout=120)


def _subject_bytes(suite: Suite, c: dict[str, str]) -> list[bytes]:
    """The canary's blind indexes and subject ids, as they would sit in a database (raw and hex)."""
    indexer = BlindIndexer((suite.data_dir / "keys" / "index.key").read_bytes())
    values = [
        ("email", c["email"]),
        ("phone", c["vn_phone"]),
        ("phone", c["th_phone"]),
        ("user_id", c["user_id"]),
        ("device_id", c["device"]),
        ("anonymous_id", c["anonymous_id"]),
    ]
    indexes = [indexer.index(kind, normalize(kind, value)) for kind, value in values]
    subject_ids = [indexer.subject_id(index) for index in indexes]
    return indexes + [i.hex().encode() for i in indexes] + [s.encode() for s in subject_ids]


def _scan_for_bytes(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".log")):
        data = path.read_bytes()
        hits += [f"{path.relative_to(root)}: {len(n)}-byte reference" for n in needles if n in data]
    return hits


@pytest.fixture(scope="module")
def erasure_suite(tmp_path_factory):
    suite = start_suite(tmp_path_factory.mktemp("erasure") / "cdp")
    yield suite
    suite.stop_all()


def test_erasing_a_canary_leaves_nothing_readable_anywhere(
    erasure_suite: Suite, tmp_path: Path
) -> None:
    suite = erasure_suite
    with SuiteClient(suite) as client:
        c = _canary()
        _seed(client, c)
        backup = tmp_path / "backup"
        shutil.copytree(suite.data_dir, backup, ignore=shutil.ignore_patterns("logs", "tokens"))
        subject_ids = [s.decode() for s in _subject_bytes(suite, c) if s.startswith(b"sub_")]

        stop, outcomes = threading.Event(), []
        racer = threading.Thread(target=_race, args=(client, c, stop, outcomes))
        racer.start()
        started = time.monotonic()
        request = create(client, pb.REQUEST_TYPE_ERASURE, [("email", c["email"])])
        returned_at = time.monotonic()
        stop.set()
        racer.join(timeout=60)
        assert request.state == pb.REQUEST_STATE_IN_PROGRESS
        assert set(key_states(client, subject_ids)) == {key_service_pb2.KEY_STATE_DESTROYED}

        done = wait_finished(client, request.name)
        erased_in = time.monotonic() - started
        assert done.state == pb.REQUEST_STATE_COMPLETED, [
            (t.service, t.last_error) for t in done.tasks
        ]
        counts = {t.service: dict(t.counts) for t in done.tasks}
        assert counts["profile"]["events"] >= EVENTS and counts["ingestion"]["events"] >= EVENTS, (
            counts
        )
        print(
            f"erasure of {EVENTS} events: fence returned in {returned_at - started:.2f}s, "
            f"completed in {erased_in:.2f}s; counts {counts}"
        )

        # T6/T7: nothing sent during or after the call is stored; re-spellings are suppressed too
        late = client.ingest(
            [
                event("track", user_id=c["user_id"], name="Late"),
                event(
                    "identify", anonymous_id=str(uuid.uuid4()), traits={"email": c["email"].upper()}
                ),
                event(
                    "identify",
                    anonymous_id=str(uuid.uuid4()),
                    traits={"phone": "0" + c["vn_phone"][3:]},
                    context={"locale": "vi-VN"},
                ),
                event(
                    "track",
                    anonymous_id=str(uuid.uuid4()),
                    name="Seen",
                    context={"device": {"id": c["device"]}},
                ),
            ]
        )
        assert [r.status for r in late.results] == [ingestion_pb.EVENT_STATUS_SUPPRESSED] * 4
        time.sleep(1.0)
        for kind, value in (
            ("email", c["email"]),
            ("user_id", c["user_id"]),
            ("device_id", c["device"]),
        ):
            with pytest.raises(grpc.RpcError) as caught:
                client.profile(**{kind: value})
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND

        # T8 second half and T10: no plaintext and no reference in any file
        pii = [
            c["email"],
            c["vn_phone"],
            c["th_phone"],
            c["vi_name"],
            c["th_name"],
            c["user_id"],
            c["device"],
        ]
        assert find_plaintext(suite.data_dir, pii) == []
        assert _scan_for_bytes(suite.data_dir, _subject_bytes(suite, c)) == []

        # T13: repeating the erasure returns the same request, never an error
        for _ in range(3):
            again = create(
                client,
                pb.REQUEST_TYPE_ERASURE,
                [("email", c["email"])],
                request_id=request.name.rsplit("/", 1)[1],
            )
            assert again.name == request.name

        # T19: the receipt verifies offline and lists every task
        receipt = privacy_stub(client).GetReceipt(
            pb.GetReceiptRequest(name=request.name),
            metadata=client.metadata("compliance_officer"),
            timeout=10,
        )
        Ed25519PublicKey.from_public_bytes(receipt.public_key).verify(
            receipt.signature, hashlib.sha256(receipt.payload).digest()
        )
        assert all(t.service.encode() in receipt.payload for t in done.tasks)
        assert c["email"].encode() not in receipt.payload

    _restore_and_check(suite, backup, c, subject_ids)


def _race(client: SuiteClient, c: dict[str, str], stop: threading.Event, outcomes: list) -> None:
    """T6: the canary keeps sending while the erasure is being called."""
    sent = 0
    while sent < 1000:
        batch = [event("track", user_id=c["user_id"], name="Racing") for _ in range(50)]
        outcomes.extend(r.status for r in client.ingest(batch).results)
        sent += 50
        if stop.is_set() and sent >= 200:
            break


def _restore_and_check(
    suite: Suite, backup: Path, c: dict[str, str], subject_ids: list[str]
) -> None:
    """T11: every database restored from a copy taken before the erasure: nothing of the canary opens."""
    suite.stop_all()
    for path in backup.rglob("*.db*"):
        shutil.copy2(path, suite.data_dir / path.relative_to(backup))
    suite.start_all(timeout=90)
    with SuiteClient(suite) as client:
        assert set(key_states(client, subject_ids)) == {key_service_pb2.KEY_STATE_DESTROYED}
        pii = [
            c["email"].encode(),
            c["vn_phone"].encode(),
            c["vi_name"].encode(),
            c["user_id"].encode(),
        ]
        try:
            profile = client.profile(email=c["email"])
        except grpc.RpcError as err:
            assert err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION)
            return
        readable = profile.SerializeToString() + b"".join(
            e.SerializeToString() for e in client.timeline(profile.name)
        )
        assert not [value for value in pii if value in readable]
