"""Proto <-> domain for the servicer: events in (Struct to dict, fast), results out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.struct_pb2 import ListValue, Struct, Value

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.ingestion.domain.model import Batch, Event, EventResult, EventType, Status, Tally
from cdp.ingestion.domain.subjects import Subject, SubjectRequest

_TYPES = {kind.value: kind for kind in EventType}
_NANOS = 1_000_000_000
_SAFE_INTEGER = 2**53


def batch_from_proto(
    request: pb.IngestEventsRequest | pb.ImportEventsRequest, default_source: str
) -> Batch:
    return Batch(
        request.source or default_source, [event_from_proto(event) for event in request.events]
    )


def event_from_proto(message: event_pb2.Event) -> Event:
    has = message.HasField
    return Event(
        message_id=message.message_id,
        type=_TYPES.get(message.type),
        user_id=message.user_id,
        anonymous_id=message.anonymous_id,
        event=message.event,
        name=message.name,
        category=message.category,
        properties=struct_to_dict(message.properties) if has("properties") else None,
        traits=struct_to_dict(message.traits) if has("traits") else None,
        context=struct_to_dict(message.context) if has("context") else None,
        integrations=struct_to_dict(message.integrations) if has("integrations") else None,
        timestamp_ns=message.timestamp.seconds * _NANOS + message.timestamp.nanos
        if has("timestamp")
        else None,
        previous_id=message.previous_id,
        group_id=message.group_id,
        external_ids=dict(message.external_ids) if message.external_ids else {},
    )


def struct_to_dict(struct: Struct) -> dict[str, Any]:
    """Struct -> plain dict, about 1.5x faster than json_format.MessageToDict (measured).

    Integral numbers come back as int (JSON has one number type; Struct stores doubles).
    """
    out: dict[str, Any] = {}
    for key, value in struct.fields.items():
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            out[key] = value.string_value
        elif kind == "number_value":
            out[key] = _number(value.number_value)
        elif kind == "struct_value":
            out[key] = struct_to_dict(value.struct_value)
        elif kind == "bool_value":
            out[key] = value.bool_value
        elif kind == "list_value":
            out[key] = list_to_python(value.list_value)
        else:
            out[key] = None
    return out


def list_to_python(values: ListValue) -> list[Any]:
    return [_value(value) for value in values.values]


def _value(value: Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return _number(value.number_value)
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return list_to_python(value.list_value)
    return None


def _number(number: float) -> int | float:
    return (
        int(number) if number.is_integer() and -_SAFE_INTEGER < number < _SAFE_INTEGER else number
    )


def ingest_response(results: Sequence[EventResult]) -> pb.IngestEventsResponse:
    response = pb.IngestEventsResponse(results=[_result(result) for result in results])
    tally = Tally.of(list(results))
    response.accepted_count = tally.accepted
    response.duplicate_count = tally.duplicate
    response.rejected_count = tally.rejected
    response.suppressed_count = tally.suppressed
    return response


def import_response(tally: Tally) -> pb.ImportEventsResponse:
    return pb.ImportEventsResponse(
        accepted_count=tally.accepted,
        duplicate_count=tally.duplicate,
        rejected_count=tally.rejected,
        suppressed_count=tally.suppressed,
        problems=[_result(result) for result in tally.problems],
    )


def _result(result: EventResult) -> pb.EventResult:
    if result.status is Status.ACCEPTED or result.status is Status.DUPLICATE:
        return pb.EventResult(
            index=result.index, message_id=result.message_id, status=result.status
        )
    return pb.EventResult(
        index=result.index,
        message_id=result.message_id,
        status=result.status,
        reason=result.reason,
        field=result.field,
        description=result.description,
    )


def subject_request(
    request: privacy_pb.FenceSubjectRequest
    | privacy_pb.EraseSubjectRequest
    | privacy_pb.ExportSubjectRequest
    | privacy_pb.RestrictSubjectRequest,
    restricted: bool = False,
) -> SubjectRequest:
    subject = request.subject
    return SubjectRequest(
        request.request,
        Subject.parse(
            list(subject.subject_ids), list(subject.blind_indexes), list(subject.profiles)
        ),
        restricted,
    )
