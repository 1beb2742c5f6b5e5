"""No personal value of a canary subject is readable in any file of the data dir, in any encoding (T8)."""

from __future__ import annotations

import uuid

from tests.support.client import SuiteClient, event, wait_for
from tests.support.scan import files_scanned, find_plaintext


def test_a_canary_subjects_personal_data_is_in_no_file_or_log(client: SuiteClient) -> None:
    tag = uuid.uuid4().hex[:12]
    canary = {
        "email": f"canary+{tag}@example.test",
        "vn_phone": f"+8490{int(tag[:7], 16) % 10_000_000:07d}",
        "th_phone": f"+6681{int(tag[5:12], 16) % 10_000_000:07d}",
        "vi_name": f"Nguyễn Thị Canary {tag}",
        "th_name": f"สมชาย แคนารี {tag}",
        "user_id": f"canary-user-{tag}",
        "device": f"canary-device-{tag}",
        "ip": f"198.51.{int(tag[:2], 16)}.{int(tag[2:4], 16)}",
    }
    context = {"ip": canary["ip"], "device": {"id": canary["device"]}, "locale": "vi-VN"}
    identify = event(
        "identify",
        user_id=canary["user_id"],
        context=context,
        traits={
            "email": canary["email"],
            "phone": canary["vn_phone"],
            "name": canary["vi_name"],
            "firstName": canary["th_name"],
            "plan": "gold",
        },
    )
    second = event(
        "identify",
        user_id=canary["user_id"],
        traits={"phone": canary["th_phone"]},
        context={"locale": "th-TH"},
    )
    orders = [
        event(
            "track",
            user_id=canary["user_id"],
            name="Order Completed",
            context=context,
            properties={"email": canary["email"], "total": i},
        )
        for i in range(50)
    ]
    assert client.ingest([identify, second, *orders]).accepted_count == 52
    wait_for(
        lambda: (p := client.profile(email=canary["email"])) and p.event_count == 52, timeout=60
    )

    root = client.suite.data_dir
    scanned = files_scanned(root)
    assert any(name.endswith("-wal") for name in scanned), (
        scanned
    )  # the WAL files are part of the scan
    assert any(name.startswith("logs/") for name in scanned)
    assert find_plaintext(root, list(canary.values())) == []
