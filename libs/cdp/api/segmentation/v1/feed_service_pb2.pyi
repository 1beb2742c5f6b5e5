import datetime

from cdp.api.ingestion.v1 import event_pb2 as _event_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProfileEventRecorded(_message.Message):
    __slots__ = ("profile", "subject_id", "source", "message_id", "type", "event", "event_time", "properties")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    subject_id: str
    source: str
    message_id: str
    type: _event_pb2.EventType
    event: str
    event_time: _timestamp_pb2.Timestamp
    properties: _struct_pb2.Struct
    def __init__(self, profile: _Optional[str] = ..., subject_id: _Optional[str] = ..., source: _Optional[str] = ..., message_id: _Optional[str] = ..., type: _Optional[_Union[_event_pb2.EventType, str]] = ..., event: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., properties: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ProfileTraitValue(_message.Message):
    __slots__ = ("key", "value", "personal", "subject_id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: _struct_pb2.Value
    personal: bool
    subject_id: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., personal: _Optional[bool] = ..., subject_id: _Optional[str] = ...) -> None: ...

class ProfileTraitsChanged(_message.Message):
    __slots__ = ("profile", "traits")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    profile: str
    traits: _containers.RepeatedCompositeFieldContainer[ProfileTraitValue]
    def __init__(self, profile: _Optional[str] = ..., traits: _Optional[_Iterable[_Union[ProfileTraitValue, _Mapping]]] = ...) -> None: ...

class ProfileMergeApplied(_message.Message):
    __slots__ = ("profile", "merged_profiles")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    MERGED_PROFILES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    merged_profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, profile: _Optional[str] = ..., merged_profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class ProfileRebuilt(_message.Message):
    __slots__ = ("profile", "traits", "events")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    profile: str
    traits: _containers.RepeatedCompositeFieldContainer[ProfileTraitValue]
    events: _containers.RepeatedCompositeFieldContainer[ProfileEventRecorded]
    def __init__(self, profile: _Optional[str] = ..., traits: _Optional[_Iterable[_Union[ProfileTraitValue, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[ProfileEventRecorded, _Mapping]]] = ...) -> None: ...

class ProfileUpdate(_message.Message):
    __slots__ = ("sequence", "event", "traits", "merged", "rebuilt")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    MERGED_FIELD_NUMBER: _ClassVar[int]
    REBUILT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event: ProfileEventRecorded
    traits: ProfileTraitsChanged
    merged: ProfileMergeApplied
    rebuilt: ProfileRebuilt
    def __init__(self, sequence: _Optional[int] = ..., event: _Optional[_Union[ProfileEventRecorded, _Mapping]] = ..., traits: _Optional[_Union[ProfileTraitsChanged, _Mapping]] = ..., merged: _Optional[_Union[ProfileMergeApplied, _Mapping]] = ..., rebuilt: _Optional[_Union[ProfileRebuilt, _Mapping]] = ...) -> None: ...

class ApplyProfileUpdatesRequest(_message.Message):
    __slots__ = ("updates",)
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[ProfileUpdate]
    def __init__(self, updates: _Optional[_Iterable[_Union[ProfileUpdate, _Mapping]]] = ...) -> None: ...

class ApplyProfileUpdatesResponse(_message.Message):
    __slots__ = ("applied_count",)
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    applied_count: int
    def __init__(self, applied_count: _Optional[int] = ...) -> None: ...

class ApplyConsentUpdatesRequest(_message.Message):
    __slots__ = ("subject_ids", "profiles")
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject_ids: _Optional[_Iterable[str]] = ..., profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class ApplyConsentUpdatesResponse(_message.Message):
    __slots__ = ("rechecked_count",)
    RECHECKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    rechecked_count: int
    def __init__(self, rechecked_count: _Optional[int] = ...) -> None: ...
