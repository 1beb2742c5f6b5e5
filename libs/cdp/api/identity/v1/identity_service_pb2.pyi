import datetime

from cdp.api.identity.v1 import identifier_pb2 as _identifier_pb2
from cdp.api.ingestion.v1 import sealed_event_pb2 as _sealed_event_pb2
from cdp.api.privacy.v1 import participant_service_pb2 as _participant_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MergeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MERGE_KIND_UNSPECIFIED: _ClassVar[MergeKind]
    MERGE_KIND_CREATE: _ClassVar[MergeKind]
    MERGE_KIND_LINK: _ClassVar[MergeKind]
    MERGE_KIND_MERGE: _ClassVar[MergeKind]
    MERGE_KIND_SPLIT: _ClassVar[MergeKind]
    MERGE_KIND_REFUSED: _ClassVar[MergeKind]
MERGE_KIND_UNSPECIFIED: MergeKind
MERGE_KIND_CREATE: MergeKind
MERGE_KIND_LINK: MergeKind
MERGE_KIND_MERGE: MergeKind
MERGE_KIND_SPLIT: MergeKind
MERGE_KIND_REFUSED: MergeKind

class IdentifierSet(_message.Message):
    __slots__ = ("identifiers", "message_id")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_identifier_pb2.Identifier]
    message_id: str
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_identifier_pb2.Identifier, _Mapping]]] = ..., message_id: _Optional[str] = ...) -> None: ...

class ResolveIdentitiesRequest(_message.Message):
    __slots__ = ("sets",)
    SETS_FIELD_NUMBER: _ClassVar[int]
    sets: _containers.RepeatedCompositeFieldContainer[IdentifierSet]
    def __init__(self, sets: _Optional[_Iterable[_Union[IdentifierSet, _Mapping]]] = ...) -> None: ...

class Resolution(_message.Message):
    __slots__ = ("profile", "created", "merged_profiles", "refused")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    MERGED_PROFILES_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    profile: str
    created: bool
    merged_profiles: _containers.RepeatedScalarFieldContainer[str]
    refused: _containers.RepeatedCompositeFieldContainer[RefusedLink]
    def __init__(self, profile: _Optional[str] = ..., created: _Optional[bool] = ..., merged_profiles: _Optional[_Iterable[str]] = ..., refused: _Optional[_Iterable[_Union[RefusedLink, _Mapping]]] = ...) -> None: ...

class RefusedLink(_message.Message):
    __slots__ = ("type", "reason", "rule")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    type: str
    reason: str
    rule: str
    def __init__(self, type: _Optional[str] = ..., reason: _Optional[str] = ..., rule: _Optional[str] = ...) -> None: ...

class ResolveIdentitiesResponse(_message.Message):
    __slots__ = ("resolutions",)
    RESOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    resolutions: _containers.RepeatedCompositeFieldContainer[Resolution]
    def __init__(self, resolutions: _Optional[_Iterable[_Union[Resolution, _Mapping]]] = ...) -> None: ...

class LookupProfileRequest(_message.Message):
    __slots__ = ("identifier",)
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier: _identifier_pb2.Identifier
    def __init__(self, identifier: _Optional[_Union[_identifier_pb2.Identifier, _Mapping]] = ...) -> None: ...

class LookupProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: str
    def __init__(self, profile: _Optional[str] = ...) -> None: ...

class ProfileIdentity(_message.Message):
    __slots__ = ("type", "value", "link_time", "message_id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LINK_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    value: str
    link_time: _timestamp_pb2.Timestamp
    message_id: str
    def __init__(self, type: _Optional[str] = ..., value: _Optional[str] = ..., link_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message_id: _Optional[str] = ...) -> None: ...

class ListProfileIdentitiesRequest(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: str
    def __init__(self, profile: _Optional[str] = ...) -> None: ...

class ListProfileIdentitiesResponse(_message.Message):
    __slots__ = ("profile", "identities")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    identities: _containers.RepeatedCompositeFieldContainer[ProfileIdentity]
    def __init__(self, profile: _Optional[str] = ..., identities: _Optional[_Iterable[_Union[ProfileIdentity, _Mapping]]] = ...) -> None: ...

class MergeRecord(_message.Message):
    __slots__ = ("sequence", "kind", "rule", "message_id", "create_time", "before_profiles", "after_profile", "identities", "reason")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BEFORE_PROFILES_FIELD_NUMBER: _ClassVar[int]
    AFTER_PROFILE_FIELD_NUMBER: _ClassVar[int]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: MergeKind
    rule: str
    message_id: str
    create_time: _timestamp_pb2.Timestamp
    before_profiles: _containers.RepeatedScalarFieldContainer[str]
    after_profile: str
    identities: _containers.RepeatedCompositeFieldContainer[ProfileIdentity]
    reason: str
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[MergeKind, str]] = ..., rule: _Optional[str] = ..., message_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before_profiles: _Optional[_Iterable[str]] = ..., after_profile: _Optional[str] = ..., identities: _Optional[_Iterable[_Union[ProfileIdentity, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class ExplainProfileRequest(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: str
    def __init__(self, profile: _Optional[str] = ...) -> None: ...

class ExplainProfileResponse(_message.Message):
    __slots__ = ("profile", "records")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    profile: str
    records: _containers.RepeatedCompositeFieldContainer[MergeRecord]
    def __init__(self, profile: _Optional[str] = ..., records: _Optional[_Iterable[_Union[MergeRecord, _Mapping]]] = ...) -> None: ...

class SplitProfileRequest(_message.Message):
    __slots__ = ("profile", "identifiers", "request_id")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    profile: str
    identifiers: _containers.RepeatedCompositeFieldContainer[_identifier_pb2.Identifier]
    request_id: str
    def __init__(self, profile: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[_identifier_pb2.Identifier, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SplitProfileResponse(_message.Message):
    __slots__ = ("new_profile", "record")
    NEW_PROFILE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    new_profile: str
    record: MergeRecord
    def __init__(self, new_profile: _Optional[str] = ..., record: _Optional[_Union[MergeRecord, _Mapping]] = ...) -> None: ...

class ResolveEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_sealed_event_pb2.SealedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_sealed_event_pb2.SealedEvent, _Mapping]]] = ...) -> None: ...

class ResolveEventsResponse(_message.Message):
    __slots__ = ("resolved_count",)
    RESOLVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    resolved_count: int
    def __init__(self, resolved_count: _Optional[int] = ...) -> None: ...

class ResolveSubjectRequest(_message.Message):
    __slots__ = ("identifiers", "profiles")
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_identifier_pb2.Identifier]
    profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, identifiers: _Optional[_Iterable[_Union[_identifier_pb2.Identifier, _Mapping]]] = ..., profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class ResolveSubjectResponse(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: _participant_service_pb2.Subject
    def __init__(self, subject: _Optional[_Union[_participant_service_pb2.Subject, _Mapping]] = ...) -> None: ...
