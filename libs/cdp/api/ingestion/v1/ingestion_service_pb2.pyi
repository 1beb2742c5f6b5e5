from cdp.api.ingestion.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_STATUS_UNSPECIFIED: _ClassVar[EventStatus]
    EVENT_STATUS_ACCEPTED: _ClassVar[EventStatus]
    EVENT_STATUS_DUPLICATE: _ClassVar[EventStatus]
    EVENT_STATUS_REJECTED: _ClassVar[EventStatus]
    EVENT_STATUS_SUPPRESSED: _ClassVar[EventStatus]
EVENT_STATUS_UNSPECIFIED: EventStatus
EVENT_STATUS_ACCEPTED: EventStatus
EVENT_STATUS_DUPLICATE: EventStatus
EVENT_STATUS_REJECTED: EventStatus
EVENT_STATUS_SUPPRESSED: EventStatus

class EventResult(_message.Message):
    __slots__ = ("index", "message_id", "status", "reason", "field", "description")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    index: int
    message_id: str
    status: EventStatus
    reason: str
    field: str
    description: str
    def __init__(self, index: _Optional[int] = ..., message_id: _Optional[str] = ..., status: _Optional[_Union[EventStatus, str]] = ..., reason: _Optional[str] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class IngestEventsRequest(_message.Message):
    __slots__ = ("source", "events")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    source: str
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.Event]
    def __init__(self, source: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_event_pb2.Event, _Mapping]]] = ...) -> None: ...

class IngestEventsResponse(_message.Message):
    __slots__ = ("results", "accepted_count", "duplicate_count", "rejected_count", "suppressed_count")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[EventResult]
    accepted_count: int
    duplicate_count: int
    rejected_count: int
    suppressed_count: int
    def __init__(self, results: _Optional[_Iterable[_Union[EventResult, _Mapping]]] = ..., accepted_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., suppressed_count: _Optional[int] = ...) -> None: ...

class ImportEventsRequest(_message.Message):
    __slots__ = ("source", "events")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    source: str
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.Event]
    def __init__(self, source: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_event_pb2.Event, _Mapping]]] = ...) -> None: ...

class ImportEventsResponse(_message.Message):
    __slots__ = ("accepted_count", "duplicate_count", "rejected_count", "suppressed_count", "problems")
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    accepted_count: int
    duplicate_count: int
    rejected_count: int
    suppressed_count: int
    problems: _containers.RepeatedCompositeFieldContainer[EventResult]
    def __init__(self, accepted_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., suppressed_count: _Optional[int] = ..., problems: _Optional[_Iterable[_Union[EventResult, _Mapping]]] = ...) -> None: ...
