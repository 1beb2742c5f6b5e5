import datetime

from cdp.api.identity.v1 import identifier_pb2 as _identifier_pb2
from cdp.api.ingestion.v1 import event_pb2 as _event_pb2
from cdp.api.ingestion.v1 import sealed_event_pb2 as _sealed_event_pb2
from cdp.api.profile.v1 import profile_pb2 as _profile_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetProfileRequest(_message.Message):
    __slots__ = ("name", "identifier", "read_mask")
    NAME_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    name: str
    identifier: _identifier_pb2.Identifier
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, name: _Optional[str] = ..., identifier: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: _profile_pb2.Profile
    def __init__(self, profile: _Optional[_Union[_profile_pb2.Profile, _Mapping]] = ...) -> None: ...

class BatchGetProfilesRequest(_message.Message):
    __slots__ = ("names", "read_mask")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    READ_MASK_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    read_mask: _field_mask_pb2.FieldMask
    def __init__(self, names: _Optional[_Iterable[str]] = ..., read_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class BatchGetProfilesResponse(_message.Message):
    __slots__ = ("profiles",)
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[_profile_pb2.Profile]
    def __init__(self, profiles: _Optional[_Iterable[_Union[_profile_pb2.Profile, _Mapping]]] = ...) -> None: ...

class ListProfileEventsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "types", "start_time", "end_time")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    types: _containers.RepeatedScalarFieldContainer[_event_pb2.EventType]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., types: _Optional[_Iterable[_Union[_event_pb2.EventType, str]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListProfileEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_profile_pb2.ProfileEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[_profile_pb2.ProfileEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolvedEvent(_message.Message):
    __slots__ = ("profile", "event")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    profile: str
    event: _sealed_event_pb2.SealedEvent
    def __init__(self, profile: _Optional[str] = ..., event: _Optional[_Union[_sealed_event_pb2.SealedEvent, _Mapping]] = ...) -> None: ...

class ProfilesMerged(_message.Message):
    __slots__ = ("profile", "merged_profiles")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    MERGED_PROFILES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    merged_profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, profile: _Optional[str] = ..., merged_profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class ProfileSplit(_message.Message):
    __slots__ = ("profile", "new_profile", "moved_blind_indexes")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    NEW_PROFILE_FIELD_NUMBER: _ClassVar[int]
    MOVED_BLIND_INDEXES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    new_profile: str
    moved_blind_indexes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, profile: _Optional[str] = ..., new_profile: _Optional[str] = ..., moved_blind_indexes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class ProfileChange(_message.Message):
    __slots__ = ("sequence", "event", "merged", "split")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    MERGED_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event: ResolvedEvent
    merged: ProfilesMerged
    split: ProfileSplit
    def __init__(self, sequence: _Optional[int] = ..., event: _Optional[_Union[ResolvedEvent, _Mapping]] = ..., merged: _Optional[_Union[ProfilesMerged, _Mapping]] = ..., split: _Optional[_Union[ProfileSplit, _Mapping]] = ...) -> None: ...

class ApplyProfileChangesRequest(_message.Message):
    __slots__ = ("changes",)
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ProfileChange]
    def __init__(self, changes: _Optional[_Iterable[_Union[ProfileChange, _Mapping]]] = ...) -> None: ...

class ApplyProfileChangesResponse(_message.Message):
    __slots__ = ("applied_count",)
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    applied_count: int
    def __init__(self, applied_count: _Optional[int] = ...) -> None: ...

class ComputedTraitValue(_message.Message):
    __slots__ = ("profile", "trait", "key")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TRAIT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    profile: str
    trait: _profile_pb2.ComputedTrait
    key: str
    def __init__(self, profile: _Optional[str] = ..., trait: _Optional[_Union[_profile_pb2.ComputedTrait, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class ApplyComputedTraitsRequest(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[ComputedTraitValue]
    def __init__(self, values: _Optional[_Iterable[_Union[ComputedTraitValue, _Mapping]]] = ...) -> None: ...

class ApplyComputedTraitsResponse(_message.Message):
    __slots__ = ("applied_count",)
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    applied_count: int
    def __init__(self, applied_count: _Optional[int] = ...) -> None: ...
