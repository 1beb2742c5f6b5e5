import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Operator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATOR_UNSPECIFIED: _ClassVar[Operator]
    OPERATOR_EQUAL: _ClassVar[Operator]
    OPERATOR_NOT_EQUAL: _ClassVar[Operator]
    OPERATOR_LESS: _ClassVar[Operator]
    OPERATOR_LESS_OR_EQUAL: _ClassVar[Operator]
    OPERATOR_GREATER: _ClassVar[Operator]
    OPERATOR_GREATER_OR_EQUAL: _ClassVar[Operator]
    OPERATOR_IN: _ClassVar[Operator]
    OPERATOR_CONTAINS: _ClassVar[Operator]
    OPERATOR_STARTS_WITH: _ClassVar[Operator]
    OPERATOR_EXISTS: _ClassVar[Operator]
    OPERATOR_IS_NULL: _ClassVar[Operator]

class AggregateFunction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGGREGATE_FUNCTION_UNSPECIFIED: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_COUNT: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_SUM: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_MIN: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_MAX: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_AVG: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_FIRST: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_LAST: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_MOST_FREQUENT: _ClassVar[AggregateFunction]
    AGGREGATE_FUNCTION_UNIQUE_COUNT: _ClassVar[AggregateFunction]
OPERATOR_UNSPECIFIED: Operator
OPERATOR_EQUAL: Operator
OPERATOR_NOT_EQUAL: Operator
OPERATOR_LESS: Operator
OPERATOR_LESS_OR_EQUAL: Operator
OPERATOR_GREATER: Operator
OPERATOR_GREATER_OR_EQUAL: Operator
OPERATOR_IN: Operator
OPERATOR_CONTAINS: Operator
OPERATOR_STARTS_WITH: Operator
OPERATOR_EXISTS: Operator
OPERATOR_IS_NULL: Operator
AGGREGATE_FUNCTION_UNSPECIFIED: AggregateFunction
AGGREGATE_FUNCTION_COUNT: AggregateFunction
AGGREGATE_FUNCTION_SUM: AggregateFunction
AGGREGATE_FUNCTION_MIN: AggregateFunction
AGGREGATE_FUNCTION_MAX: AggregateFunction
AGGREGATE_FUNCTION_AVG: AggregateFunction
AGGREGATE_FUNCTION_FIRST: AggregateFunction
AGGREGATE_FUNCTION_LAST: AggregateFunction
AGGREGATE_FUNCTION_MOST_FREQUENT: AggregateFunction
AGGREGATE_FUNCTION_UNIQUE_COUNT: AggregateFunction

class Condition(_message.Message):
    __slots__ = ("all", "any", "negated", "comparison", "consent_purpose", "segment", "event_exists")
    ALL_FIELD_NUMBER: _ClassVar[int]
    ANY_FIELD_NUMBER: _ClassVar[int]
    NEGATED_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    CONSENT_PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_EXISTS_FIELD_NUMBER: _ClassVar[int]
    all: ConditionList
    any: ConditionList
    negated: Condition
    comparison: Comparison
    consent_purpose: str
    segment: str
    event_exists: EventSelector
    def __init__(self, all: _Optional[_Union[ConditionList, _Mapping]] = ..., any: _Optional[_Union[ConditionList, _Mapping]] = ..., negated: _Optional[_Union[Condition, _Mapping]] = ..., comparison: _Optional[_Union[Comparison, _Mapping]] = ..., consent_purpose: _Optional[str] = ..., segment: _Optional[str] = ..., event_exists: _Optional[_Union[EventSelector, _Mapping]] = ...) -> None: ...

class ConditionList(_message.Message):
    __slots__ = ("conditions",)
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    def __init__(self, conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ...) -> None: ...

class Comparison(_message.Message):
    __slots__ = ("operand", "operator", "values")
    OPERAND_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    operand: Operand
    operator: Operator
    values: _containers.RepeatedCompositeFieldContainer[Literal]
    def __init__(self, operand: _Optional[_Union[Operand, _Mapping]] = ..., operator: _Optional[_Union[Operator, str]] = ..., values: _Optional[_Iterable[_Union[Literal, _Mapping]]] = ...) -> None: ...

class Literal(_message.Message):
    __slots__ = ("string_value", "number_value", "bool_value", "timestamp_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    number_value: float
    bool_value: bool
    timestamp_value: _timestamp_pb2.Timestamp
    def __init__(self, string_value: _Optional[str] = ..., number_value: _Optional[float] = ..., bool_value: _Optional[bool] = ..., timestamp_value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Operand(_message.Message):
    __slots__ = ("trait", "computed_trait", "property", "event_aggregate")
    TRAIT_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_TRAIT_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    EVENT_AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    trait: str
    computed_trait: str
    property: str
    event_aggregate: EventAggregate
    def __init__(self, trait: _Optional[str] = ..., computed_trait: _Optional[str] = ..., property: _Optional[str] = ..., event_aggregate: _Optional[_Union[EventAggregate, _Mapping]] = ...) -> None: ...

class EventSelector(_message.Message):
    __slots__ = ("event", "filter", "window")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    event: str
    filter: Condition
    window: Window
    def __init__(self, event: _Optional[str] = ..., filter: _Optional[_Union[Condition, _Mapping]] = ..., window: _Optional[_Union[Window, _Mapping]] = ...) -> None: ...

class Window(_message.Message):
    __slots__ = ("within", "after", "before")
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    within: _duration_pb2.Duration
    after: _timestamp_pb2.Timestamp
    before: _timestamp_pb2.Timestamp
    def __init__(self, within: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EventAggregate(_message.Message):
    __slots__ = ("selector", "function", "property")
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    selector: EventSelector
    function: AggregateFunction
    property: str
    def __init__(self, selector: _Optional[_Union[EventSelector, _Mapping]] = ..., function: _Optional[_Union[AggregateFunction, str]] = ..., property: _Optional[str] = ...) -> None: ...
