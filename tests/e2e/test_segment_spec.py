"""Every example payload of the Segment Spec is accepted and comes back unchanged through the profile API."""

from __future__ import annotations

import copy
import json
import uuid

from cdp.ingestion.segment_json import event_from_json
from tests.support.client import SuiteClient, struct_dict, wait_for
from tests.support.fixtures import segment_spec_examples


def _as_sdk_would_send(payload: dict, user_id: str) -> dict:
    message = copy.deepcopy(payload)
    message["messageId"] = str(uuid.uuid4())
    message["userId"] = (
        user_id  # one person per run, so every example lands on one profile we can read
    )
    message.pop("anonymousId", None)
    if message["type"] == "alias":
        message.setdefault("previousId", f"{user_id}-before")  # analytics.alias() always sends one
    return message


def test_every_segment_spec_example_is_accepted_and_read_back_unchanged(
    client: SuiteClient,
) -> None:
    examples = json.loads(segment_spec_examples().read_text())
    user_id = f"spec-{uuid.uuid4().hex[:10]}"
    messages = [_as_sdk_would_send(example["payload"], user_id) for example in examples]
    response = client.ingest(
        [event_from_json(message) for message in messages], source="segment-spec"
    )
    rejected = [(r.index, r.reason, r.field) for r in response.results if r.status != 1]
    assert rejected == []

    profile = wait_for(
        lambda: (p := client.profile(user_id=user_id)) and p.event_count == len(messages) and p,
        timeout=60,
    )
    stored = {e.message_id: e for e in client.timeline(profile.name)}
    for message in messages:
        event = stored[message["messageId"]]
        assert struct_dict(event.properties) == message.get("properties", {}), message["messageId"]
        assert struct_dict(event.traits) == message.get("traits", {}), message["messageId"]
