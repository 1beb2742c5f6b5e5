"""The Segment HTTP API of the running suite: every Segment Spec example POSTed as an SDK would."""

from __future__ import annotations

import base64
import copy
import json
import urllib.request
import uuid

from cdp.cli.suite import Suite
from cdp.config.http_edge import dev_write_key_path
from tests.support.client import SuiteClient, struct_dict, wait_for
from tests.support.fixtures import segment_spec_examples


def _as_sdk_would_send(payload: dict, user_id: str) -> dict:
    message = copy.deepcopy(payload)
    message["messageId"] = str(uuid.uuid4())
    message["userId"] = user_id  # one person per run, so every example lands on one profile
    message.pop("anonymousId", None)
    if message["type"] == "alias":
        message.setdefault("previousId", f"{user_id}-before")  # analytics.alias() always sends one
    return message


def _post_batch(suite: Suite, messages: list[dict]) -> tuple[int, dict]:
    write_key = dev_write_key_path(suite.data_dir).read_text().strip()
    request = urllib.request.Request(
        f"{suite.http_endpoint}/v1/batch",
        data=json.dumps({"batch": messages, "sentAt": "2026-01-01T00:00:00Z"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def test_every_segment_spec_example_posted_to_v1_batch_is_read_back_unchanged(
    suite: Suite, client: SuiteClient
) -> None:
    examples = json.loads(segment_spec_examples().read_text())
    user_id = f"http-{uuid.uuid4().hex[:10]}"
    messages = [_as_sdk_would_send(example["payload"], user_id) for example in examples]

    status, body = _post_batch(suite, messages)

    assert (status, body["success"]) == (200, True)
    assert [(r["index"], r["status"], r["reason"], r["field"]) for r in body["results"]] == [
        (index, "accepted", "", "") for index in range(len(messages))
    ]
    profile = wait_for(
        lambda: (p := client.profile(user_id=user_id)) and p.event_count == len(messages) and p,
        timeout=60,
    )
    stored = {e.message_id: e for e in client.timeline(profile.name)}
    for message in messages:
        event = stored[message["messageId"]]
        assert struct_dict(event.properties) == message.get("properties", {}), message["messageId"]
        assert struct_dict(event.traits) == message.get("traits", {}), message["messageId"]
