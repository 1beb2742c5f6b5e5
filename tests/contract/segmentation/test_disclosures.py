"""The disclosure log over the real server (GDPR Art. 19, privacy.md R4/R8, T16): what watches and
member lists give each recipient, the notifications owed when those people exit for erasure,
withdrawal or restriction, their delivery on the stream, acks by resuming, and escalation."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import grpc
import pytest

from cdp.api.privacy.v1 import participant_service_pb2 as dsr
from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.grpcx.tokens import TokenIssuer, load_private_key
from cdp.segmentation.adapters import orm
from cdp.segmentation.service_layer import recipients
from tests.contract.segmentation.builders import new_profile, subject_of, traits
from tests.contract.segmentation.harness import TIMEOUT, Running
from tests.contract.segmentation.test_participant import _rows_naming
from tests.support.client import wait_for

ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
VN = 'traits.country == "VN"'
MAILER, CRM = "service:mailer", "service:crm"
REQUEST = "dataSubjectRequests/erase-disclosures"


@pytest.fixture
def issuer(dev_dir: Path) -> TokenIssuer:
    return TokenIssuer(load_private_key(dev_dir / "keys" / "token.pem"))


class Recipient:
    """A downstream system calling with its own service token (its subject names it)."""

    def __init__(self, running: Running, issuer: TokenIssuer, name: str) -> None:
        self._running = running
        self._metadata = [("authorization", f"Bearer {issuer.mint(name, ('service',))}")]

    def watch(self, segment_id: str, after: int = 0) -> grpc.Future:
        request = pb.WatchSegmentMembershipRequest(
            segment=f"segments/{segment_id}", after_version=after
        )
        return self._running.stub.WatchSegmentMembership(
            request, metadata=self._metadata, timeout=TIMEOUT
        )

    def take(self, segment_id: str, count: int, after: int = 0) -> list[Any]:
        """The next `count` changes of a watch, which then ends."""
        call = self.watch(segment_id, after)
        try:
            return [next(call).change for _ in range(count)]
        finally:
            call.cancel()

    def list(self, segment_id: str) -> list[str]:
        request = pb.ListSegmentMembersRequest(parent=f"segments/{segment_id}", page_size=1)
        found, token = [], None
        while token != "":
            request.page_token = token or ""
            response = self._running.stub.ListSegmentMembers(
                request, metadata=self._metadata, timeout=TIMEOUT
            )
            found += list(response.profiles)
            token = response.next_page_token
        return found


def _people(running: Running, count: int) -> list[str]:
    people = sorted(new_profile() for _ in range(count))
    running.feed(*(traits(p, country="VN") for p in people))
    return people


def _subject(person: str) -> dsr.Subject:
    return dsr.Subject(subject_ids=[subject_of(person)], profiles=[f"profiles/{person}"])


def _participant(
    running: Running, method: str, person: str, request: str = REQUEST, **fields: Any
) -> Any:
    message = getattr(dsr, f"{method}Request")(request=request, subject=_subject(person), **fields)
    call = getattr(running.participant, method)
    return call(message, metadata=running.md("service"), timeout=TIMEOUT)


def _given(running: Running) -> set[tuple[str, str, str]]:
    return {
        (r["recipient"], r["segment_id"], r["profile_id"]) for r in running.rows(orm.disclosures)
    }


def _notifications(running: Running, **match: Any) -> list[dict[str, Any]]:
    rows = [dict(r) for r in running.rows(orm.notifications)]
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def test_watches_and_member_lists_log_what_each_recipient_was_given(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    first, second = _people(running, 2)
    mailer, crm = Recipient(running, issuer, MAILER), Recipient(running, issuer, CRM)

    (seen,) = mailer.take("vn", 1, after=1)  # resumed past the first person's ENTERED
    listed = crm.list("vn")

    assert seen.profile == f"profiles/{second}"
    assert listed == [f"profiles/{first}", f"profiles/{second}"]
    assert _given(running) == {(MAILER, "vn", second), (CRM, "vn", first), (CRM, "vn", second)}


def test_erasure_notifies_the_recipients_given_the_person_and_resuming_acks_it(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    person, other = _people(running, 2)
    mailer, crm = Recipient(running, issuer, MAILER), Recipient(running, issuer, CRM)
    stream = mailer.watch("vn")
    assert [next(stream).change.profile for _ in range(2)] == [
        f"profiles/{person}",
        f"profiles/{other}",
    ]
    crm_stream = crm.watch("vn", after=running.get("vn").membership_version)  # gets nothing of them

    _participant(running, "FenceSubject", person)
    exit_seen = next(stream).change
    delivered = wait_for(lambda: [n for n in _notifications(running) if n["delivered"]])
    erased = _participant(running, "EraseSubject", person)
    again = _participant(running, "EraseSubject", person)
    stream.cancel()
    crm_stream.cancel()

    assert (exit_seen.kind, exit_seen.reason, exit_seen.profile) == (
        EXITED,
        "ERASED",
        f"profiles/{person}",
    )
    assert [n["recipient"] for n in delivered] == [MAILER]
    assert list(erased.recipients_notified) == [MAILER] == list(again.recipients_notified)
    assert erased.counts["notified/service:mailer"] == 1
    assert erased.counts["seg_disclosures"] == 1
    (owed,) = _notifications(running)
    assert (owed["recipient"], owed["version"], owed["reason"]) == (MAILER, 3, "ERASED")
    assert owed["profile_id"] is None and owed["acked"] is None
    assert _rows_naming(running, person) == []
    assert _given(running) == {(MAILER, "vn", other)}

    resumed = mailer.watch("vn", after=exit_seen.version)
    acked = wait_for(lambda: _notifications(running)[0]["acked"])
    resumed.cancel()
    assert acked >= owed["delivered"] >= owed["created"]


def test_a_recipient_given_someone_who_had_left_still_gets_an_erased_exit(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    (person,) = _people(running, 1)
    mailer = Recipient(running, issuer, MAILER)
    mailer.take("vn", 1)
    running.feed(traits(person, country="TH"))  # left the segment: the mailer may keep its copy
    before = running.get("vn")

    erased = _participant(running, "EraseSubject", person)
    (notice,) = mailer.take("vn", 1, after=before.membership_version)

    # The erasure removed the person's history but this exit, which is new: they were no member.
    assert (notice.profile, notice.kind, notice.reason) == (f"profiles/{person}", EXITED, "ERASED")
    assert notice.version == before.membership_version + 1 == 3
    after = running.get("vn")
    assert (after.member_count, after.excluded_count) == (
        before.member_count,
        before.excluded_count,
    )
    assert list(erased.recipients_notified) == [MAILER]
    assert [n["version"] for n in _notifications(running, recipient=MAILER)] == [3]


def test_a_recipient_that_never_received_the_person_is_not_notified(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    running.ready("th", 'traits.country == "TH"')
    (person,) = _people(running, 1)
    elsewhere = new_profile()
    running.feed(traits(elsewhere, country="TH"))
    Recipient(running, issuer, CRM).list("th")

    erased = _participant(running, "EraseSubject", person)

    assert list(erased.recipients_notified) == []
    assert "notified/service:crm" not in erased.counts
    assert _notifications(running) == []


def test_withdrawal_and_restriction_owe_notifications_to_recipients(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    withdrawing, restricted, untouched = _people(running, 3)
    Recipient(running, issuer, CRM).list("vn")

    _participant(running, "RestrictSubject", restricted, "dataSubjectRequests/r-1", restricted=True)
    at_restriction = _notifications(running)
    running.consent.deny(withdrawing)
    feed = feed_grpc.SegmentationFeedServiceStub(running.channel)
    feed.ApplyConsentUpdates(
        feed_pb.ApplyConsentUpdatesRequest(subject_ids=[subject_of(withdrawing)]),
        metadata=running.md("service"),
        timeout=TIMEOUT,
    )
    escalated = recipients.settle(running.app.context)  # the scheduler's round, run by hand

    assert [(n["profile_id"], n["reason"]) for n in at_restriction] == [(restricted, "RESTRICTED")]
    owed = sorted((n["profile_id"], n["reason"], n["recipient"]) for n in _notifications(running))
    assert owed == sorted(
        [(restricted, "RESTRICTED", CRM), (withdrawing, "CONSENT_WITHDRAWN", CRM)]
    )
    assert untouched not in {n["profile_id"] for n in _notifications(running)}
    assert escalated == 0


def test_notifications_not_acked_within_seven_days_are_escalated(
    running: Running, issuer: TokenIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    running.ready("vn", VN)
    acking, silent = _people(running, 2)
    mailer, crm = Recipient(running, issuer, MAILER), Recipient(running, issuer, CRM)
    mailer.take("vn", 2)
    crm.list("vn")
    _participant(running, "RestrictSubject", acking, "dataSubjectRequests/r-2", restricted=True)
    exit_version = running.get("vn").membership_version
    mailer.take("vn", 1, after=2)  # delivered ...
    resumed = mailer.watch("vn", after=exit_version)  # ... and acknowledged
    wait_for(lambda: _notifications(running, recipient=MAILER)[0]["acked"])
    resumed.cancel()
    context = running.app.context
    week_later = dataclasses.replace(
        context, clock=lambda: context.clock() + recipients.ESCALATE_AFTER + 1
    )

    with caplog.at_level(logging.WARNING, logger="cdp.segmentation"):
        now_count = recipients.escalate(context)
        later_count = recipients.escalate(week_later)
        repeat_count = recipients.escalate(week_later)

    assert (now_count, later_count, repeat_count) == (0, 1, 0)
    (crm_owed,) = _notifications(running, recipient=CRM)
    assert crm_owed["escalated"] is not None and crm_owed["acked"] is None
    assert _notifications(running, recipient=MAILER)[0]["escalated"] is None
    messages = [r.getMessage() for r in caplog.records]
    assert any(CRM in m and "escalated" in m for m in messages)
    assert not any(acking in m or silent in m for m in messages)


def test_an_export_lists_the_recipients_the_person_was_given_to(
    running: Running, issuer: TokenIssuer
) -> None:
    running.ready("vn", VN)
    (person,) = _people(running, 1)
    Recipient(running, issuer, CRM).list("vn")

    exported = _participant(running, "ExportSubject", person)

    document = json.loads(exported.document_json)
    assert [(d["recipient"], d["segment"]) for d in document["disclosed_to"]] == [
        (CRM, "segments/vn")
    ]
