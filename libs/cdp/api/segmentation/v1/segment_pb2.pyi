import datetime

from cdp.api.segmentation.v1 import condition_pb2 as _condition_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ComputeState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPUTE_STATE_UNSPECIFIED: _ClassVar[ComputeState]
    COMPUTE_STATE_COMPUTING: _ClassVar[ComputeState]
    COMPUTE_STATE_READY: _ClassVar[ComputeState]
    COMPUTE_STATE_FAILED: _ClassVar[ComputeState]

class MembershipChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBERSHIP_CHANGE_KIND_UNSPECIFIED: _ClassVar[MembershipChangeKind]
    MEMBERSHIP_CHANGE_KIND_ENTERED: _ClassVar[MembershipChangeKind]
    MEMBERSHIP_CHANGE_KIND_EXITED: _ClassVar[MembershipChangeKind]
COMPUTE_STATE_UNSPECIFIED: ComputeState
COMPUTE_STATE_COMPUTING: ComputeState
COMPUTE_STATE_READY: ComputeState
COMPUTE_STATE_FAILED: ComputeState
MEMBERSHIP_CHANGE_KIND_UNSPECIFIED: MembershipChangeKind
MEMBERSHIP_CHANGE_KIND_ENTERED: MembershipChangeKind
MEMBERSHIP_CHANGE_KIND_EXITED: MembershipChangeKind

class Segment(_message.Message):
    __slots__ = ("name", "display_name", "condition", "purpose", "compute_state", "compute_error", "member_count", "excluded_count", "create_time", "update_time", "etag", "condition_tree", "membership_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_STATE_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_ERROR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CONDITION_TREE_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    condition: str
    purpose: str
    compute_state: ComputeState
    compute_error: str
    member_count: int
    excluded_count: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    condition_tree: _condition_pb2.Condition
    membership_version: int
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., condition: _Optional[str] = ..., purpose: _Optional[str] = ..., compute_state: _Optional[_Union[ComputeState, str]] = ..., compute_error: _Optional[str] = ..., member_count: _Optional[int] = ..., excluded_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., condition_tree: _Optional[_Union[_condition_pb2.Condition, _Mapping]] = ..., membership_version: _Optional[int] = ...) -> None: ...

class MembershipChange(_message.Message):
    __slots__ = ("version", "segment", "profile", "kind", "reason", "change_time")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    version: int
    segment: str
    profile: str
    kind: MembershipChangeKind
    reason: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., segment: _Optional[str] = ..., profile: _Optional[str] = ..., kind: _Optional[_Union[MembershipChangeKind, str]] = ..., reason: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
