import datetime

from cdp.api.identity.v1 import identity_service_pb2 as _identity_service_pb2
from cdp.api.ingestion.v1 import event_pb2 as _event_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TraitProvenance(_message.Message):
    __slots__ = ("source", "message_id", "event_time")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    source: str
    message_id: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., message_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Trait(_message.Message):
    __slots__ = ("key", "value", "provenance", "personal")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: _struct_pb2.Value
    provenance: TraitProvenance
    personal: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., provenance: _Optional[_Union[TraitProvenance, _Mapping]] = ..., personal: _Optional[bool] = ...) -> None: ...

class ComputedTrait(_message.Message):
    __slots__ = ("key", "value", "compute_time")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: _struct_pb2.Value
    compute_time: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Profile(_message.Message):
    __slots__ = ("name", "traits", "computed_traits", "identities", "merged_profiles", "groups", "event_count", "first_seen_time", "last_seen_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_TRAITS_FIELD_NUMBER: _ClassVar[int]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    MERGED_PROFILES_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    traits: _containers.RepeatedCompositeFieldContainer[Trait]
    computed_traits: _containers.RepeatedCompositeFieldContainer[ComputedTrait]
    identities: _containers.RepeatedCompositeFieldContainer[_identity_service_pb2.ProfileIdentity]
    merged_profiles: _containers.RepeatedScalarFieldContainer[str]
    groups: _containers.RepeatedScalarFieldContainer[str]
    event_count: int
    first_seen_time: _timestamp_pb2.Timestamp
    last_seen_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., traits: _Optional[_Iterable[_Union[Trait, _Mapping]]] = ..., computed_traits: _Optional[_Iterable[_Union[ComputedTrait, _Mapping]]] = ..., identities: _Optional[_Iterable[_Union[_identity_service_pb2.ProfileIdentity, _Mapping]]] = ..., merged_profiles: _Optional[_Iterable[str]] = ..., groups: _Optional[_Iterable[str]] = ..., event_count: _Optional[int] = ..., first_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProfileEvent(_message.Message):
    __slots__ = ("message_id", "type", "event", "properties", "traits", "context", "timestamp", "receive_time", "source", "category", "group_id")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    type: _event_pb2.EventType
    event: str
    properties: _struct_pb2.Struct
    traits: _struct_pb2.Struct
    context: _struct_pb2.Struct
    timestamp: _timestamp_pb2.Timestamp
    receive_time: _timestamp_pb2.Timestamp
    source: str
    category: str
    group_id: str
    def __init__(self, message_id: _Optional[str] = ..., type: _Optional[_Union[_event_pb2.EventType, str]] = ..., event: _Optional[str] = ..., properties: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., traits: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ..., category: _Optional[str] = ..., group_id: _Optional[str] = ...) -> None: ...
