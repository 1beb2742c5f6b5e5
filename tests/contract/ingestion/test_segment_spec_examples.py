"""Every Segment Spec example is ACCEPTED, and its sealed log record re-creates its documents exactly."""

from __future__ import annotations

import copy
import json
import uuid

from sqlalchemy import select

from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.ingestion.adapters.orm import event_log
from cdp.ingestion.adapters.pipeline import decode_batch
from cdp.ingestion.segment_json import event_from_json
from cdp.pii import Aad, Vault
from cdp.pii.documents import merge
from tests.contract.ingestion.conftest import Running, bearer
from tests.support.fixtures import segment_spec_examples

DOCUMENTS = ("properties", "traits", "context", "integrations")


def _as_an_sdk_would_send(payload: dict) -> dict:
    """Adds what an SDK adds: a messageId, an anonymousId when no userId, alias's previousId."""
    message = copy.deepcopy(payload)
    message.setdefault("messageId", str(uuid.uuid4()))
    if "userId" not in message and "anonymousId" not in message:
        message["anonymousId"] = str(uuid.uuid4())
    if message["type"] == "alias":
        message.setdefault("previousId", str(uuid.uuid4()))
    return message


def test_every_segment_spec_example_is_accepted_and_reconstructed(
    running: Running, mint, keys
) -> None:
    examples = json.loads(segment_spec_examples().read_text())
    messages = [_as_an_sdk_would_send(example["payload"]) for example in examples]
    for number, message in enumerate(messages):
        # The docs reuse message ids across examples; one source each keeps them distinct.
        request = pb.IngestEventsRequest(source=f"spec-{number}", events=[event_from_json(message)])
        response = running.stub.IngestEvents(
            request, metadata=bearer(mint("ingest_writer")), timeout=10
        )
        assert [(r.status, r.reason, r.field) for r in response.results] == [
            (pb.EVENT_STATUS_ACCEPTED, "", "")
        ]

    vault = Vault(keys)
    with running.app.engine.connect() as conn:
        payloads = (
            conn.execute(select(event_log.c.payload).order_by(event_log.c.seq)).scalars().all()
        )
    stored = [event for payload in payloads for event in decode_batch(payload).events]
    assert [(e.source, e.message_id) for e in stored] == [
        (f"spec-{n}", m["messageId"]) for n, m in enumerate(messages)
    ]
    for message, event in zip(messages, stored, strict=True):
        public = json.loads(event.public_json)
        personal = []
        if event.sealed_pii:
            aad = Aad(
                service="suite",
                table="events",
                field="pii/" + event.message_id,
                subject_id=event.subject_id,
            )
            personal = json.loads(vault.open(event.sealed_pii, aad))
        documents = merge(public, personal)
        for name in DOCUMENTS:
            assert documents.get(name, {}) == message.get(name, {}), (message["messageId"], name)
