from cdp.api.segmentation.v1 import computed_trait_pb2 as _computed_trait_pb2
from cdp.api.segmentation.v1 import condition_pb2 as _condition_pb2
from cdp.api.segmentation.v1 import segment_pb2 as _segment_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateSegmentRequest(_message.Message):
    __slots__ = ("segment", "segment_id", "request_id")
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    segment_id: str
    request_id: str
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ..., segment_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateSegmentResponse(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class GetSegmentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSegmentResponse(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ("segments", "next_page_token")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[_segment_pb2.Segment]
    next_page_token: str
    def __init__(self, segments: _Optional[_Iterable[_Union[_segment_pb2.Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSegmentRequest(_message.Message):
    __slots__ = ("segment", "update_mask")
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSegmentResponse(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _segment_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_segment_pb2.Segment, _Mapping]] = ...) -> None: ...

class DeleteSegmentRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteSegmentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PreviewSegmentRequest(_message.Message):
    __slots__ = ("condition", "condition_tree", "purpose", "sample_size")
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    CONDITION_TREE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    condition: str
    condition_tree: _condition_pb2.Condition
    purpose: str
    sample_size: int
    def __init__(self, condition: _Optional[str] = ..., condition_tree: _Optional[_Union[_condition_pb2.Condition, _Mapping]] = ..., purpose: _Optional[str] = ..., sample_size: _Optional[int] = ...) -> None: ...

class PreviewSegmentResponse(_message.Message):
    __slots__ = ("member_count", "excluded_count", "sample_profiles")
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_PROFILES_FIELD_NUMBER: _ClassVar[int]
    member_count: int
    excluded_count: int
    sample_profiles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_count: _Optional[int] = ..., excluded_count: _Optional[int] = ..., sample_profiles: _Optional[_Iterable[str]] = ...) -> None: ...

class ListSegmentMembersRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersResponse(_message.Message):
    __slots__ = ("profiles", "next_page_token")
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, profiles: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchSegmentMembershipRequest(_message.Message):
    __slots__ = ("segment", "after_version")
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    AFTER_VERSION_FIELD_NUMBER: _ClassVar[int]
    segment: str
    after_version: int
    def __init__(self, segment: _Optional[str] = ..., after_version: _Optional[int] = ...) -> None: ...

class WatchSegmentMembershipResponse(_message.Message):
    __slots__ = ("change",)
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    change: _segment_pb2.MembershipChange
    def __init__(self, change: _Optional[_Union[_segment_pb2.MembershipChange, _Mapping]] = ...) -> None: ...

class CreateComputedTraitRequest(_message.Message):
    __slots__ = ("computed_trait", "computed_trait_id")
    COMPUTED_TRAIT_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_TRAIT_ID_FIELD_NUMBER: _ClassVar[int]
    computed_trait: _computed_trait_pb2.ComputedTrait
    computed_trait_id: str
    def __init__(self, computed_trait: _Optional[_Union[_computed_trait_pb2.ComputedTrait, _Mapping]] = ..., computed_trait_id: _Optional[str] = ...) -> None: ...

class CreateComputedTraitResponse(_message.Message):
    __slots__ = ("computed_trait",)
    COMPUTED_TRAIT_FIELD_NUMBER: _ClassVar[int]
    computed_trait: _computed_trait_pb2.ComputedTrait
    def __init__(self, computed_trait: _Optional[_Union[_computed_trait_pb2.ComputedTrait, _Mapping]] = ...) -> None: ...

class GetComputedTraitRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetComputedTraitResponse(_message.Message):
    __slots__ = ("computed_trait",)
    COMPUTED_TRAIT_FIELD_NUMBER: _ClassVar[int]
    computed_trait: _computed_trait_pb2.ComputedTrait
    def __init__(self, computed_trait: _Optional[_Union[_computed_trait_pb2.ComputedTrait, _Mapping]] = ...) -> None: ...

class ListComputedTraitsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListComputedTraitsResponse(_message.Message):
    __slots__ = ("computed_traits", "next_page_token")
    COMPUTED_TRAITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    computed_traits: _containers.RepeatedCompositeFieldContainer[_computed_trait_pb2.ComputedTrait]
    next_page_token: str
    def __init__(self, computed_traits: _Optional[_Iterable[_Union[_computed_trait_pb2.ComputedTrait, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteComputedTraitRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteComputedTraitResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ParseConditionRequest(_message.Message):
    __slots__ = ("condition",)
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    condition: str
    def __init__(self, condition: _Optional[str] = ...) -> None: ...

class ParseConditionResponse(_message.Message):
    __slots__ = ("condition_tree", "canonical")
    CONDITION_TREE_FIELD_NUMBER: _ClassVar[int]
    CANONICAL_FIELD_NUMBER: _ClassVar[int]
    condition_tree: _condition_pb2.Condition
    canonical: str
    def __init__(self, condition_tree: _Optional[_Union[_condition_pb2.Condition, _Mapping]] = ..., canonical: _Optional[str] = ...) -> None: ...
