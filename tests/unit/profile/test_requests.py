"""Names, read masks, page sizes and page tokens are validated with the field they came from."""

from __future__ import annotations

import pytest

from cdp.errors import InvalidArgument
from cdp.profile.domain import paging
from cdp.profile.domain.commands import ListProfileEvents, page_size, profile_id, read_mask
from cdp.profile.domain.model import EventType

_ID = "p" + "0123456789abcdef01234567"


def _query(**changes) -> ListProfileEvents:
    values = {
        "profile_id": _ID,
        "page_size": 10,
        "page_token": "",
        "types": frozenset(),
        "start_time": None,
        "end_time": None,
        **changes,
    }
    return ListProfileEvents(**values)


@pytest.mark.parametrize(
    "name",
    ["", "profiles/", "users/" + _ID, f"profiles/{_ID}/x", "profiles/P0123456789ABCDEF01234567"],
)
def test_a_malformed_profile_name_names_its_field(name: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        profile_id(name, "name")
    assert caught.value.field == "name" and caught.value.reason == "INVALID_PROFILE_NAME"


def test_a_well_formed_name_gives_the_id() -> None:
    assert profile_id(f"profiles/{_ID}", "name") == _ID


def test_an_unknown_read_mask_path_is_invalid() -> None:
    assert read_mask(["traits", "event_count"]) == {"traits", "event_count"}
    with pytest.raises(InvalidArgument) as caught:
        read_mask(["traits", "password"])
    assert caught.value.field == "read_mask"


def test_page_size_defaults_to_50_and_is_capped_at_1000() -> None:
    assert (page_size(0), page_size(7), page_size(5000)) == (50, 7, 1000)
    with pytest.raises(InvalidArgument):
        page_size(-1)


def test_a_page_token_continues_only_the_listing_it_came_from() -> None:
    token = paging.encode((123, 45), _query())

    assert paging.decode(token, _query(page_size=99)) == (123, 45)
    with pytest.raises(InvalidArgument) as caught:
        paging.decode(token, _query(types=frozenset({EventType.TRACK})))
    assert caught.value.field == "page_token"


@pytest.mark.parametrize("token", ["garbage", "e30", "!!!", "W10"])
def test_a_forged_page_token_is_invalid(token: str) -> None:
    with pytest.raises(InvalidArgument):
        paging.decode(token, _query())
