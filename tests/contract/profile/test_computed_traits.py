"""ApplyComputedTraits over a real channel, and computed traits on GetProfile / BatchGetProfiles."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

from cdp.api.privacy.v1 import participant_service_pb2 as dsr
from cdp.api.profile.v1 import profile_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.grpcx.status import error_info
from tests.contract.profile.conftest import Running, field_violations
from tests.integration.profile.support import SECOND, as_event, event, new_profile

T0 = 1_700_000_000 * SECOND


def _seed(running: Running, sequence: int = 1) -> str:
    person = new_profile()
    identify = event("identify", user_id=f"u-{person}", traits={"plan": "pro"}, at=T0)
    running.apply(as_event(sequence, person, running.sealer.seal(identify)))
    return person


def _value(
    profile_id: str, key: str, value: object, at: int | None = None
) -> pb.ComputedTraitValue:
    """A computed value; without `at` the value is a removal of the key."""
    if at is None:
        return pb.ComputedTraitValue(profile=f"profiles/{profile_id}", key=key)
    trait = profile_pb2.ComputedTrait(key=key)
    json_format.ParseDict(value, trait.value)
    trait.compute_time.FromMicroseconds(at)
    return pb.ComputedTraitValue(profile=f"profiles/{profile_id}", trait=trait)


def _put(running: Running, *values: pb.ComputedTraitValue, role: str = "service") -> int:
    request = pb.ApplyComputedTraitsRequest(values=list(values))
    response = running.stub.ApplyComputedTraits(request, metadata=running.md(role), timeout=10)
    return response.applied_count


def _get(running: Running, profile_id: str, *paths: str) -> profile_pb2.Profile:
    request = pb.GetProfileRequest(name=f"profiles/{profile_id}", read_mask={"paths": list(paths)})
    return running.stub.GetProfile(request, metadata=running.md(), timeout=10).profile


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_computed_traits_are_returned_on_the_profile_newest_compute_time_first(
    running: Running,
) -> None:
    person = _seed(running)

    applied = [
        _put(running, _value(person, "orders_90d", 3, T0), _value(person, "vip", True, T0)),
        _put(running, _value(person, "orders_90d", 1, T0 - SECOND)),  # older: loses
        _put(running, _value(person, "vip", None)),  # unset: removes the key
    ]

    profile = _get(running, person, "computed_traits", "traits")
    assert applied == [2, 0, 1]
    assert [(t.key, t.value.number_value) for t in profile.computed_traits] == [("orders_90d", 3)]
    assert profile.computed_traits[0].compute_time.ToMicroseconds() == T0
    assert [t.key for t in profile.traits] == ["plan"]


def test_the_read_mask_decides_whether_computed_traits_are_returned(running: Running) -> None:
    person = _seed(running)
    _put(running, _value(person, "segment_score", {"score": 0.5, "band": "mid"}, T0))

    only_traits = _get(running, person, "traits")
    everything = _get(running, person, "name", "computed_traits")
    batch = running.stub.BatchGetProfiles(
        pb.BatchGetProfilesRequest(
            names=[f"profiles/{person}"], read_mask={"paths": ["computed_traits"]}
        ),
        metadata=running.md(),
        timeout=10,
    )

    assert not only_traits.computed_traits
    assert not everything.traits
    (trait,) = everything.computed_traits
    assert json_format.MessageToDict(trait.value) == {"score": 0.5, "band": "mid"}
    assert [t.key for t in batch.profiles[0].computed_traits] == ["segment_score"]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (pb.ComputedTraitValue(profile="people/x", key="k"), "values[0].profile"),
        (pb.ComputedTraitValue(profile=f"profiles/{'p' + '0' * 24}"), "values[0].key"),
        (
            pb.ComputedTraitValue(
                profile=f"profiles/{'p' + '0' * 24}", trait=profile_pb2.ComputedTrait(key="k")
            ),
            "values[0].trait.compute_time",
        ),
        (
            pb.ComputedTraitValue(
                profile=f"profiles/{'p' + '0' * 24}",
                trait=profile_pb2.ComputedTrait(key="k" * 257, compute_time={"seconds": 1}),
            ),
            "values[0].trait.key",
        ),
    ],
)
def test_a_malformed_value_is_invalid_argument_naming_its_field(
    running: Running, value: pb.ComputedTraitValue, field: str
) -> None:
    err = _error(lambda: _put(running, value))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == [field]


def test_only_services_may_apply_computed_traits(running: Running) -> None:
    person = _seed(running)

    err = _error(lambda: _put(running, _value(person, "orders_90d", 3, T0), role="profile_reader"))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not _get(running, person, "computed_traits").computed_traits


def test_a_computed_trait_of_a_restricted_subject_is_not_read(running: Running) -> None:
    """Computed traits are read through GetProfile, which refuses restricted subjects' profiles."""
    person = _seed(running)
    _put(running, _value(person, "orders_90d", 3, T0))

    running.participant.RestrictSubject(
        dsr.RestrictSubjectRequest(
            request="dataSubjectRequests/restrict-1",
            subject=dsr.Subject(profiles=[f"profiles/{person}"]),
            restricted=True,
        ),
        metadata=running.md("service"),
        timeout=10,
    )
    err = _error(lambda: _get(running, person, "computed_traits"))

    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "SUBJECT_RESTRICTED"
