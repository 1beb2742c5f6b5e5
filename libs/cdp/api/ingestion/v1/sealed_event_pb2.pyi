import datetime

from cdp.api.ingestion.v1 import event_pb2 as _event_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SealedIdentifier(_message.Message):
    __slots__ = ("type", "blind_index", "sealed_value", "subject_id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BLIND_INDEX_FIELD_NUMBER: _ClassVar[int]
    SEALED_VALUE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    blind_index: bytes
    sealed_value: bytes
    subject_id: str
    def __init__(self, type: _Optional[str] = ..., blind_index: _Optional[bytes] = ..., sealed_value: _Optional[bytes] = ..., subject_id: _Optional[str] = ...) -> None: ...

class SealedEvent(_message.Message):
    __slots__ = ("message_id", "source", "type", "event_name", "timestamp", "receive_time", "identifiers", "subject_id", "public_json", "sealed_pii")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_JSON_FIELD_NUMBER: _ClassVar[int]
    SEALED_PII_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    source: str
    type: _event_pb2.EventType
    event_name: str
    timestamp: _timestamp_pb2.Timestamp
    receive_time: _timestamp_pb2.Timestamp
    identifiers: _containers.RepeatedCompositeFieldContainer[SealedIdentifier]
    subject_id: str
    public_json: bytes
    sealed_pii: bytes
    def __init__(self, message_id: _Optional[str] = ..., source: _Optional[str] = ..., type: _Optional[_Union[_event_pb2.EventType, str]] = ..., event_name: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., identifiers: _Optional[_Iterable[_Union[SealedIdentifier, _Mapping]]] = ..., subject_id: _Optional[str] = ..., public_json: _Optional[bytes] = ..., sealed_pii: _Optional[bytes] = ...) -> None: ...

class SealedEventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SealedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[SealedEvent, _Mapping]]] = ...) -> None: ...
