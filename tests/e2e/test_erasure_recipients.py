"""Recipients told of an erasure over the whole suite (GDPR Art. 19; privacy.md R8, T16, T19): a
downstream system that received the canary through a segment's watch stream gets the EXITED /
ERASED change, and the signed receipt names it among the recipients notified — and no other."""

from __future__ import annotations

import hashlib
import json
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cdp.api.consent.v1 import privacy_service_pb2 as dsr
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.grpcx.tokens import TokenIssuer, load_private_key
from tests.e2e.test_segments_helpers import ENTERED, EXITED, Person, Segments, grant, seed
from tests.support.client import SuiteClient
from tests.support.privacy_client import privacy_stub, run

MARKETING = "email_marketing"
MAILER, CRM = "service:mailer", "service:crm"
WATCH_SECONDS = 120.0


class RecipientWatch:
    """A downstream system's watch stream, under its own service token (its subject names it)."""

    def __init__(self, client: SuiteClient, name: str, segment: str, after: int) -> None:
        issuer = TokenIssuer(load_private_key(client.suite.data_dir / "keys" / "token.pem"))
        stub = pb_grpc.SegmentationServiceStub(client.channel("segmentation"))
        request = pb.WatchSegmentMembershipRequest(segment=segment, after_version=after)
        self._call = stub.WatchSegmentMembership(
            request,
            metadata=[("authorization", f"Bearer {issuer.mint(name, ('service',))}")],
            timeout=WATCH_SECONDS,
        )

    def until(self, profile: str, kind: int) -> list[tuple[str, int, str]]:
        """Changes up to the first of this kind naming the profile (the deadline bounds it)."""
        seen = []
        for response in self._call:
            change = response.change
            seen.append((change.profile, change.kind, change.reason))
            if (change.profile, change.kind) == (profile, kind):
                return seen
        raise AssertionError(f"the stream ended first; saw {seen}")

    def cancel(self) -> None:
        self._call.cancel()


def test_the_erasure_receipt_names_the_recipients_that_were_given_the_canary(
    client: SuiteClient,
) -> None:
    cohort = uuid.uuid4().hex[:10]  # a trait only this test's people have
    canary = Person.new("recipient", cohort=cohort)
    seed(client, [canary])
    grant(client, canary, MARKETING)
    segment = Segments(client).create(f'traits.cohort == "{cohort}"', MARKETING)
    mailer = RecipientWatch(client, MAILER, segment.name, after=0)
    try:
        given = mailer.until(canary.profile, ENTERED)
        newest = Segments(client).get(segment.name).membership_version
        crm = RecipientWatch(client, CRM, segment.name, after=newest)  # never given the canary
        try:
            done = run(client, dsr.REQUEST_TYPE_ERASURE, [("email", canary.email)])
            told = mailer.until(canary.profile, EXITED)
        finally:
            crm.cancel()
    finally:
        mailer.cancel()

    assert given[-1][:2] == (canary.profile, ENTERED)
    assert told[-1] == (canary.profile, EXITED, "ERASED")
    assert done.state == dsr.REQUEST_STATE_COMPLETED, [
        (t.service, t.last_error) for t in done.tasks
    ]
    receipt = privacy_stub(client).GetReceipt(
        dsr.GetReceiptRequest(name=done.name),
        metadata=client.metadata("compliance_officer"),
        timeout=10,
    )
    Ed25519PublicKey.from_public_bytes(receipt.public_key).verify(
        receipt.signature, hashlib.sha256(receipt.payload).digest()
    )
    document = json.loads(receipt.payload)
    assert document["recipients_notified"] == [MAILER]
    segmentation = next(t for t in document["tasks"] if t["service"] == "segmentation")
    assert segmentation["counts"]["notified/" + MAILER] == 1
    assert canary.email.encode() not in receipt.payload
    assert canary.profile.removeprefix("profiles/").encode() not in receipt.payload
