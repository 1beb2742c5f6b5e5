"""`cdp segments …` and `cdp traits …` against the running suite, as an operator's script runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cdp.cli.suite import Suite
from tests.support.client import SuiteClient, event, wait_for

INVALID, NOT_FOUND, USAGE = 6, 3, 2  # README: documented exit codes


def cdp(suite: Suite, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Runs the CLI as an operator's script would: no terminal anywhere."""
    return subprocess.run(
        [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(suite.data_dir)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def start_cdp(suite: Suite) -> Iterator[Callable[..., subprocess.Popen]]:
    """Starts the CLI in the background; whatever still runs at the end of the test is stopped."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "cdp.cli.main", *args, "--data-dir", str(suite.data_dir)]
        started.append(
            subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        )
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def ok_json(suite: Suite, *args: str):
    result = cdp(suite, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def notice(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("notice") / "notice.txt"
    path.write_text("Tôi đồng ý nhận email tiếp thị.\n")
    return path


def grant(suite: Suite, notice: Path, user_id: str) -> None:
    granted = cdp(
        suite, "consent", "grant", "--user-id", user_id, "--purpose", "email_marketing",
        "--notice-id", "offers-v1", "--notice-file", str(notice), "--language", "vi",
        "--channel", "web", "--method", "checkbox", "--jurisdiction", "pdpl-vn",
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr


def buyer(client: SuiteClient, cohort: str) -> tuple[str, str]:
    """A person in `cohort` with one order; returns (user id, profile name)."""
    user_id = f"seg-cli-{uuid.uuid4().hex[:10]}"
    events = [
        event("identify", user_id=user_id, traits={"cohort": cohort, "plan": "gold"}),
        event("track", user_id=user_id, name="Order Completed", properties={"total": 42}),
    ]
    assert client.ingest(events).accepted_count == 2
    profile = wait_for(lambda: client.profile(user_id=user_id))
    wait_for(lambda: client.profile(user_id=user_id).event_count == 2)
    return user_id, profile.name


def condition(cohort: str) -> str:
    return f'traits.cohort == "{cohort}" and event("Order Completed").exists()'


def new_cohort() -> str:
    return f"c{uuid.uuid4().hex[:8]}"


def create(suite: Suite, segment_id: str, where: str, *extra: str) -> dict:
    return ok_json(
        suite, "segments", "create", segment_id, "--where", where,
        "--purpose", "email_marketing", "--wait", *extra,
    )  # fmt: skip


def test_a_segment_is_created_ready_then_read_previewed_and_paged_through(
    suite: Suite, client: SuiteClient, notice: Path
) -> None:
    cohort = new_cohort()
    people = [buyer(client, cohort) for _ in range(3)]
    for user_id, _ in people:
        grant(suite, notice, user_id)
    segment_id = f"vip-{cohort}"

    created = create(suite, segment_id, condition(cohort), "--title", "VIP buyers")

    assert created["name"] == f"segments/{segment_id}"
    assert created["compute_state"] == "COMPUTE_STATE_READY"
    assert created["display_name"] == "VIP buyers" and created["purpose"] == "email_marketing"
    # Computed: every match is counted, as a member or (consent still on its way) as excluded.
    assert created["member_count"] + created["excluded_count"] == 3
    wait_for(lambda: ok_json(suite, "segments", "get", segment_id)["member_count"] == 3, 60)
    listed = {s["name"]: s for s in ok_json(suite, "segments", "list")}
    assert listed[f"segments/{segment_id}"]["member_count"] == 3
    expected = {profile for _, profile in people}
    preview = ok_json(
        suite, "segments", "preview", "--where", condition(cohort),
        "--purpose", "email_marketing", "--sample", "2",
    )  # fmt: skip
    assert (preview["member_count"], preview["excluded_count"]) == (3, 0)
    assert len(preview["sample_profiles"]) == 2 and set(preview["sample_profiles"]) <= expected
    first = ok_json(suite, "segments", "members", segment_id, "--page-size", "2")
    assert len(first["profiles"]) == 2 and first["next_page_token"]
    every = ok_json(suite, "segments", "members", segment_id, "--page-size", "2", "--all")
    assert set(every["profiles"]) == expected and len(every["profiles"]) == 3
    assert every["next_page_token"] == ""
    table = cdp(suite, "segments", "list")
    assert table.returncode == 0 and segment_id in table.stdout and "READY" in table.stdout


def test_a_bad_condition_is_invalid_input_pointing_at_its_line_and_column(
    suite: Suite,
) -> None:
    where = 'traits.plan == "gold"\n  and event("Order Completed").count(within = 30q) >= 1'
    column = where.split("\n")[1].index("30q") + 1

    created = cdp(suite, "segments", "create", "typo", "--where", where, "--purpose", "ads")
    previewed = cdp(suite, "segments", "preview", "--where", where, "--purpose", "ads")
    trait = cdp(suite, "traits", "create", "typo", "--expr", 'event("A").cnt(within = 30d)')

    for result in (created, previewed):
        assert result.returncode == INVALID, result.stderr
        assert "INVALID_CONDITION" in result.stderr and "Traceback" not in result.stderr
        assert f"line 2, column {column}: expected a duration" in result.stderr
        excerpt, caret = result.stderr.splitlines()[-2:]
        assert excerpt.endswith('and event("Order Completed").count(within = 30q) >= 1')
        assert excerpt[caret.index("^") :].startswith("30q")
    assert trait.returncode == INVALID and "line 1, column 12" in trait.stderr
    assert cdp(suite, "segments", "get", "typo").returncode == NOT_FOUND
    assert cdp(suite, "traits", "get", "typo").returncode == NOT_FOUND


def test_watch_prints_the_person_entering_after_their_events_and_consent(
    suite: Suite, client: SuiteClient, notice: Path, start_cdp: Callable[..., subprocess.Popen]
) -> None:
    cohort = new_cohort()
    segment_id = f"watch-{cohort}"
    assert create(suite, segment_id, condition(cohort))["membership_version"] == 0
    watch = start_cdp("segments", "watch", segment_id, "--limit", "1", "--json")

    user_id, profile = buyer(client, cohort)
    grant(suite, notice, user_id)

    out, err = watch.communicate(timeout=120)
    assert watch.returncode == 0, err
    (line,) = out.splitlines()
    change = json.loads(line)
    assert change["version"] == 1 and change["kind"] == "ENTERED"
    assert change["profile"] == profile and change["segment"] == f"segments/{segment_id}"
    assert change["reason"] in {"CONSENT_GRANTED", "CONDITION_MATCHED"} and change["change_time"]
    human = cdp(suite, "segments", "watch", segment_id, "--limit", "1")
    assert human.returncode == 0 and human.stdout.split()[:3] == ["1", "ENTERED", profile]
    quiet = cdp(suite, "segments", "watch", segment_id, "--after", "1", "--timeout", "1")
    assert quiet.returncode == 0 and quiet.stdout == "", quiet.stderr
    gone = cdp(suite, "segments", "watch", "no-such-segment", "--timeout", "1")
    assert gone.returncode == NOT_FOUND and "SEGMENT_NOT_FOUND" in gone.stderr


def test_traits_are_created_listed_used_and_deleted_only_with_yes(
    suite: Suite, client: SuiteClient
) -> None:
    key = f"orders_{uuid.uuid4().hex[:6]}"
    expression = 'event("Order Completed").count(within = 30d)'

    created = ok_json(suite, "traits", "create", key, "--expr", expression, "--title", "Orders")

    assert created["name"] == f"computedTraits/{key}" and created["expression"] == expression
    assert key in {t["key"] for t in ok_json(suite, "traits", "list")}
    assert ok_json(suite, "traits", "get", key)["display_name"] == "Orders"
    segment_id = f"heavy-{key.replace('_', '-')}"
    assert create(suite, segment_id, f"computed.{key} >= 1")["compute_state"] == (
        "COMPUTE_STATE_READY"
    )
    unconfirmed = cdp(suite, "traits", "delete", key)
    assert unconfirmed.returncode == USAGE and "--yes" in unconfirmed.stderr
    in_use = cdp(suite, "traits", "delete", key, "--yes")
    assert in_use.returncode == INVALID and "COMPUTED_TRAIT_IN_USE" in in_use.stderr
    assert cdp(suite, "segments", "delete", segment_id).returncode == USAGE
    assert ok_json(suite, "segments", "delete", segment_id, "--yes") == {
        "deleted": f"segments/{segment_id}"
    }
    assert cdp(suite, "segments", "get", segment_id).returncode == NOT_FOUND
    assert cdp(suite, "traits", "delete", key, "--yes").returncode == 0
    assert key not in {t["key"] for t in ok_json(suite, "traits", "list")}


def test_update_changes_what_is_asked_and_refuses_an_empty_update(suite: Suite) -> None:
    cohort = new_cohort()
    segment_id = f"upd-{cohort}"
    before = create(suite, segment_id, condition(cohort))

    renamed = ok_json(suite, "segments", "update", segment_id, "--title", "Renamed")
    narrowed = ok_json(
        suite, "segments", "update", segment_id, "--where", f'traits.cohort == "{cohort}"',
        "--purpose", "analytics", "--wait",
    )  # fmt: skip
    empty = cdp(suite, "segments", "update", segment_id)

    assert renamed["display_name"] == "Renamed" and renamed["condition"] == before["condition"]
    assert narrowed["condition"] == f'traits.cohort == "{cohort}"'
    assert narrowed["purpose"] == "analytics" and narrowed["display_name"] == "Renamed"
    assert narrowed["compute_state"] == "COMPUTE_STATE_READY"
    assert empty.returncode == USAGE and "--where" in empty.stderr


def test_a_watch_resumes_after_the_segmentation_service_restarts(
    suite: Suite, client: SuiteClient, notice: Path, start_cdp: Callable[..., subprocess.Popen]
) -> None:
    cohort = new_cohort()
    segment_id = f"resume-{cohort}"
    create(suite, segment_id, condition(cohort))
    watch = start_cdp("segments", "watch", segment_id, "--limit", "1", "--json")
    assert watch.stderr is not None and "watching" in watch.stderr.readline()  # stream opening

    suite.kill("segmentation")
    suite.restart("segmentation")
    user_id, profile = buyer(client, cohort)
    grant(suite, notice, user_id)

    out, err = watch.communicate(timeout=180)
    assert watch.returncode == 0, err
    assert json.loads(out)["profile"] == profile and json.loads(out)["kind"] == "ENTERED"


def test_a_profile_shows_its_computed_traits(suite: Suite, client: SuiteClient) -> None:
    key = f"orders_{uuid.uuid4().hex[:6]}"
    ok_json(suite, "traits", "create", key, "--expr", 'event("Order Completed").count()')
    user_id, _profile = buyer(client, new_cohort())

    def shown() -> str | None:
        result = cdp(suite, "profiles", "get", "--user-id", user_id)
        return result.stdout if result.returncode == 0 and key in result.stdout else None

    printed = wait_for(shown)

    assert "computed traits" in printed
    row = next(line for line in printed.splitlines() if key in line)
    assert " 1 " in row  # her one order
    assert cdp(suite, "traits", "delete", key, "--yes").returncode == 0
