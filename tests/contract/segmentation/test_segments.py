"""Segment definitions over the real server: ids, purposes, idempotency, paging, etags, deletes."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from tests.contract.segmentation.harness import (
    PURPOSE,
    Running,
    failure,
    field_violations,
    reason,
)

COUNTRY = 'traits.country == "VN"'


def _update(running: Running, segment: segment_pb2.Segment, *paths: str) -> segment_pb2.Segment:
    request = pb.UpdateSegmentRequest(
        segment=segment, update_mask=field_mask_pb2.FieldMask(paths=list(paths))
    )
    return running.call("UpdateSegment", request).segment


def _delete(running: Running, segment_id: str, etag: str = "") -> None:
    running.call("DeleteSegment", pb.DeleteSegmentRequest(name=f"segments/{segment_id}", etag=etag))


def _create_request(segment_id: str, request_id: str, condition: str) -> pb.CreateSegmentRequest:
    segment = segment_pb2.Segment(display_name="Vietnam", condition=condition, purpose=PURPOSE)
    return pb.CreateSegmentRequest(segment=segment, segment_id=segment_id, request_id=request_id)


def test_a_created_segment_is_computing_until_the_batch_computes_it(running: Running) -> None:
    created = running.create("vn-buyers", COUNTRY, display_name="Buyers in Vietnam")

    running.compute()

    ready = running.get("vn-buyers")
    assert created.name == "segments/vn-buyers"
    assert created.compute_state == segment_pb2.COMPUTE_STATE_COMPUTING
    assert created.condition == COUNTRY and created.etag
    assert ready.compute_state == segment_pb2.COMPUTE_STATE_READY
    assert (ready.display_name, ready.purpose, ready.member_count) == (
        "Buyers in Vietnam",
        PURPOSE,
        0,
    )


def test_without_a_segment_id_the_server_assigns_one(running: Running) -> None:
    first = running.create("", COUNTRY)
    second = running.create("", COUNTRY)

    assert first.name.startswith("segments/") and first.name != second.name
    assert running.get(first.name.removeprefix("segments/")).condition == COUNTRY


@pytest.mark.parametrize(
    "segment_id", ["Upper", "9starts-with-digit", "x", "ends-", "has_underscore", "a" * 65]
)
def test_a_malformed_segment_id_is_invalid_argument(running: Running, segment_id: str) -> None:
    err = failure(lambda: running.create(segment_id, COUNTRY))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == ("INVALID_SEGMENT_ID", ["segment_id"])


def test_an_existing_segment_id_is_already_exists(running: Running) -> None:
    running.create("vn", COUNTRY)

    err = failure(lambda: running.create("vn", 'traits.country == "TH"'))

    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert reason(err) == "SEGMENT_EXISTS"
    assert running.get("vn").condition == COUNTRY


@pytest.mark.parametrize(
    ("purpose", "why"), [("", "FIELD_REQUIRED"), ("Email Marketing", "INVALID_PURPOSE")]
)
def test_the_purpose_is_required_and_well_formed(running: Running, purpose: str, why: str) -> None:
    err = failure(lambda: running.create("vn", COUNTRY, purpose=purpose))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == (why, ["segment.purpose"])


def test_a_repeated_request_id_returns_the_segment_it_created(running: Running) -> None:
    first = running.call("CreateSegment", _create_request("", "req-1", COUNTRY)).segment
    again = running.call("CreateSegment", _create_request("", "req-1", COUNTRY)).segment

    listed = running.call("ListSegments", pb.ListSegmentsRequest()).segments
    assert (again.name, again.etag) == (first.name, first.etag)
    assert [s.name for s in listed] == [first.name]


@pytest.mark.parametrize(
    ("segment_id", "condition"), [("", 'traits.country == "TH"'), ("other-id", COUNTRY)]
)
def test_reusing_a_request_id_for_a_different_segment_is_refused(
    running: Running, segment_id: str, condition: str
) -> None:
    running.call("CreateSegment", _create_request("vn", "req-1", COUNTRY))

    err = failure(
        lambda: running.call("CreateSegment", _create_request(segment_id, "req-1", condition))
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == ("REQUEST_ID_REUSED", ["request_id"])


def test_segments_are_listed_in_pages_without_gaps_or_repeats(running: Running) -> None:
    ids = [f"seg-{n}" for n in range(7)]
    for segment_id in ids:
        running.create(segment_id, COUNTRY)

    pages, token = [], ""
    while True:
        response = running.call(
            "ListSegments", pb.ListSegmentsRequest(page_size=3, page_token=token)
        )
        pages.append([s.name.removeprefix("segments/") for s in response.segments])
        token = response.next_page_token
        if not token:
            break

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [segment_id for page in pages for segment_id in page] == ids


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ListSegmentsRequest(page_token="not-a-token"), "page_token"),
        (pb.ListSegmentsRequest(page_size=-1), "page_size"),
    ],
)
def test_a_bad_page_request_is_invalid_argument(
    running: Running, request_: pb.ListSegmentsRequest, field: str
) -> None:
    err = failure(lambda: running.call("ListSegments", request_))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == [field]


def test_a_missing_segment_is_not_found(running: Running) -> None:
    err = failure(lambda: running.get("nobody-made-this"))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert reason(err) == "SEGMENT_NOT_FOUND"


def test_updating_the_title_keeps_membership_and_changes_the_etag(running: Running) -> None:
    running.ready("vn", COUNTRY)
    before = running.get("vn")

    after = _update(
        running,
        segment_pb2.Segment(name="segments/vn", display_name="VN", etag=before.etag),
        "display_name",
    )

    assert after.display_name == "VN" and after.etag != before.etag
    assert after.compute_state == segment_pb2.COMPUTE_STATE_READY
    assert after.condition == COUNTRY  # not in the mask: unchanged


def test_updating_the_condition_recomputes_the_segment(running: Running) -> None:
    running.ready("vn", COUNTRY)

    changed = _update(
        running,
        segment_pb2.Segment(name="segments/vn", condition='traits.country == "TH"'),
        "condition",
    )
    running.compute()

    assert changed.compute_state == segment_pb2.COMPUTE_STATE_COMPUTING
    assert running.get("vn").compute_state == segment_pb2.COMPUTE_STATE_READY
    assert running.get("vn").condition == 'traits.country == "TH"'


def test_an_update_with_a_stale_etag_is_aborted_and_changes_nothing(running: Running) -> None:
    first = running.create("vn", COUNTRY)
    _update(
        running,
        segment_pb2.Segment(name="segments/vn", display_name="one", etag=first.etag),
        "display_name",
    )

    err = failure(
        lambda: _update(
            running,
            segment_pb2.Segment(name="segments/vn", display_name="two", etag=first.etag),
            "display_name",
        )
    )

    assert err.code() == grpc.StatusCode.ABORTED
    assert reason(err) == "SEGMENT_ETAG_MISMATCH"
    assert running.get("vn").display_name == "one"


@pytest.mark.parametrize("paths", [[], ["member_count"], ["display_name", "etag"]])
def test_an_update_mask_naming_nothing_updatable_is_invalid_argument(
    running: Running, paths: list[str]
) -> None:
    running.create("vn", COUNTRY)

    err = failure(lambda: _update(running, segment_pb2.Segment(name="segments/vn"), *paths))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["update_mask"]


def test_a_deleted_segment_is_not_found(running: Running) -> None:
    created = running.create("vn", COUNTRY)

    _delete(running, "vn", created.etag)

    assert failure(lambda: running.get("vn")).code() == grpc.StatusCode.NOT_FOUND
    assert failure(lambda: _delete(running, "vn")).code() == grpc.StatusCode.NOT_FOUND


def test_deleting_with_a_stale_etag_is_aborted(running: Running) -> None:
    running.create("vn", COUNTRY)

    err = failure(lambda: _delete(running, "vn", "0123456789abcdef"))

    assert err.code() == grpc.StatusCode.ABORTED
    assert running.get("vn").name == "segments/vn"


def test_a_segment_another_one_reads_cannot_be_deleted_until_that_one_goes(
    running: Running,
) -> None:
    running.create("vn", COUNTRY)
    running.create("vn-and-active", 'segment("vn") and event("Login").exists(within = 30d)')

    refused = failure(lambda: _delete(running, "vn"))
    _delete(running, "vn-and-active")
    _delete(running, "vn")

    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(refused) == "SEGMENT_IN_USE"
    assert running.call("ListSegments", pb.ListSegmentsRequest()).segments == []


def test_reading_roles_cannot_write_segments(running: Running) -> None:
    request = pb.CreateSegmentRequest(
        segment_id="vn", segment=segment_pb2.Segment(condition=COUNTRY, purpose=PURPOSE)
    )

    err = failure(lambda: running.call("CreateSegment", request, role="profile_reader"))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
