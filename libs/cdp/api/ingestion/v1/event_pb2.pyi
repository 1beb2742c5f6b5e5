import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_IDENTIFY: _ClassVar[EventType]
    EVENT_TYPE_TRACK: _ClassVar[EventType]
    EVENT_TYPE_PAGE: _ClassVar[EventType]
    EVENT_TYPE_SCREEN: _ClassVar[EventType]
    EVENT_TYPE_GROUP: _ClassVar[EventType]
    EVENT_TYPE_ALIAS: _ClassVar[EventType]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_IDENTIFY: EventType
EVENT_TYPE_TRACK: EventType
EVENT_TYPE_PAGE: EventType
EVENT_TYPE_SCREEN: EventType
EVENT_TYPE_GROUP: EventType
EVENT_TYPE_ALIAS: EventType

class Event(_message.Message):
    __slots__ = ("message_id", "type", "user_id", "anonymous_id", "event", "name", "category", "properties", "traits", "context", "timestamp", "sent_at", "previous_id", "group_id", "integrations", "external_ids")
    class ExternalIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_IDS_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    type: EventType
    user_id: str
    anonymous_id: str
    event: str
    name: str
    category: str
    properties: _struct_pb2.Struct
    traits: _struct_pb2.Struct
    context: _struct_pb2.Struct
    timestamp: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    previous_id: str
    group_id: str
    integrations: _struct_pb2.Struct
    external_ids: _containers.ScalarMap[str, str]
    def __init__(self, message_id: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., user_id: _Optional[str] = ..., anonymous_id: _Optional[str] = ..., event: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., properties: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., traits: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_id: _Optional[str] = ..., group_id: _Optional[str] = ..., integrations: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., external_ids: _Optional[_Mapping[str, str]] = ...) -> None: ...
