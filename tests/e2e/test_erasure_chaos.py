"""Chaos (T17): the consent service dies at each step of an erasure, and each participant dies around it;
after a restart every run converges to COMPLETED with nothing of the subject left."""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

import grpc
import pytest

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.cli.suite import Suite
from tests.e2e.conftest import start_suite
from tests.e2e.test_segments_helpers import Segments
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import create, record_consent, wait_finished
from tests.support.scan import find_plaintext

CONSENT_STEPS = ("after_record", "after_fence", "after_erase", "after_verify", "after_receipt")
# Not personal data: where the seeded person was a member (the profile id may stay in the EXITED /
# ERASED change that tells downstream copies of the audience to drop them).
SEGMENT, PROFILE = "segment", "profile"


def _seed(client: SuiteClient) -> dict[str, str]:
    """A person with 100 events who is a member of a consented segment (so every participant,
    segmentation included, holds something of theirs)."""
    tag = uuid.uuid4().hex[:10]
    person = {
        "email": f"chaos+{tag}@example.test",
        "user_id": f"chaos-{tag}",
        "name": f"Lê Văn Chaos {tag}",
    }
    segment = Segments(client).create(f'traits.cohort == "{tag}"', "analytics")
    events = [
        event(
            "identify",
            user_id=person["user_id"],
            traits={"email": person["email"], "name": person["name"], "cohort": tag},
        )
    ]
    events += [
        event("track", user_id=person["user_id"], name="Viewed", properties={"n": i})
        for i in range(99)
    ]
    assert client.ingest(events).accepted_count == 100
    profile = wait_for(
        lambda: (p := client.profile(email=person["email"])).event_count == 100 and p, timeout=60
    )
    record_consent(client, ("email", person["email"]), "analytics")
    wait_for(lambda: Segments(client).members(segment.name) == {profile.name}, timeout=60)
    return {**person, SEGMENT: segment.name, PROFILE: profile.name}


def _erase_until_done(
    client: SuiteClient, suite: Suite, person: dict[str, str], request_id: str
) -> pb.DataSubjectRequest:
    """Retries the (idempotent) call the way an operator would after a crash."""

    def attempt():
        client.reset("consent")
        return create(
            client, pb.REQUEST_TYPE_ERASURE, [("email", person["email"])], request_id=request_id
        )

    request = wait_for(attempt, timeout=60, interval=0.5)
    return wait_finished(client, request.name, timeout=120)


def _assert_no_residue(client: SuiteClient, suite: Suite, person: dict[str, str], done) -> None:
    assert done.state == pb.REQUEST_STATE_COMPLETED, [(t.service, t.last_error) for t in done.tasks]
    with pytest.raises(grpc.RpcError) as caught:
        client.profile(email=person["email"])
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    client.reset("segmentation")  # it may have been restarted: a fresh channel
    assert person[PROFILE] not in Segments(client).members(person[SEGMENT])
    personal = [value for key, value in person.items() if key not in (SEGMENT, PROFILE)]
    assert find_plaintext(suite.data_dir, personal) == []


def _wait_exit(suite: Suite, service: str, timeout: float = 60) -> None:
    process = suite.processes[service]
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() == 137, f"{service} did not crash at its crash point"
    suite.processes.pop(service)


@pytest.mark.slow
@pytest.mark.parametrize("step", CONSENT_STEPS)
def test_consent_killed_at_each_step_of_an_erasure_converges(tmp_path: Path, step: str) -> None:
    suite = start_suite(tmp_path / "cdp", env={"CDP_CRASH_AT": step})
    try:
        with SuiteClient(suite) as client:
            person = _seed(client)
            request_id = str(uuid.uuid4())
            with contextlib.suppress(
                grpc.RpcError
            ):  # the crash may cut the call off; retried below
                create(
                    client,
                    pb.REQUEST_TYPE_ERASURE,
                    [("email", person["email"])],
                    request_id=request_id,
                )
            _wait_exit(suite, "consent")
            suite._env.pop("CDP_CRASH_AT")
            suite.restart("consent")
            _assert_no_residue(
                client, suite, person, _erase_until_done(client, suite, person, request_id)
            )
    finally:
        suite.stop_all()


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["ingestion", "profile", "segmentation"])
def test_a_participant_down_when_the_erasure_starts_makes_it_partial_then_completed(
    tmp_path: Path, victim: str
) -> None:
    suite = start_suite(tmp_path / "cdp")
    try:
        with SuiteClient(suite) as client:
            person = _seed(client)
            suite.kill(victim)  # SIGKILL: down when the erasure is fenced and its task first runs
            request = create(client, pb.REQUEST_TYPE_ERASURE, [("email", person["email"])])
            partial = wait_for(
                lambda: (r := _get(client, request.name)).state == pb.REQUEST_STATE_PARTIAL and r,
                timeout=60,
            )
            assert any(t.service == victim and t.last_error for t in partial.tasks)
            suite.restart(victim)
            client.reset(victim)
            _assert_no_residue(
                client, suite, person, wait_finished(client, request.name, timeout=120)
            )
    finally:
        suite.stop_all()


@pytest.mark.slow
def test_identity_down_refuses_the_erasure_whole_and_a_retry_completes_it(tmp_path: Path) -> None:
    """Without identity the suite cannot know every identifier of the person, so it refuses with
    UNAVAILABLE and writes nothing, rather than fencing half a person."""
    suite = start_suite(tmp_path / "cdp")
    try:
        with SuiteClient(suite) as client:
            person = _seed(client)
            suite.kill("identity")
            request_id = str(uuid.uuid4())
            with pytest.raises(grpc.RpcError) as caught:
                create(
                    client,
                    pb.REQUEST_TYPE_ERASURE,
                    [("email", person["email"])],
                    request_id=request_id,
                )
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            suite.restart("identity")
            client.reset("identity")
            # nothing was half-done (peers reconnect to the restarted identity first)
            assert wait_for(lambda: client.profile(email=person["email"])).event_count == 100
            _assert_no_residue(
                client, suite, person, _erase_until_done(client, suite, person, request_id)
            )
    finally:
        suite.stop_all()


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["ingestion", "identity", "profile", "segmentation"])
def test_a_participant_killed_while_the_erasure_runs_converges(tmp_path: Path, victim: str) -> None:
    suite = start_suite(tmp_path / "cdp")
    try:
        with SuiteClient(suite) as client:
            person = _seed(client)
            request = create(client, pb.REQUEST_TYPE_ERASURE, [("email", person["email"])])
            suite.kill(victim)  # SIGKILL right after the fence, while the tasks run
            time.sleep(0.5)
            suite.restart(victim)
            client.reset(victim)
            _assert_no_residue(
                client, suite, person, wait_finished(client, request.name, timeout=120)
            )
    finally:
        suite.stop_all()


def _get(client: SuiteClient, name: str):
    from tests.support.privacy_client import get

    return get(client, name)
