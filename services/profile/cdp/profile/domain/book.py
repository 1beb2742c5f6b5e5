"""The profiles one call touches: merges followed to their survivor, summaries kept up to date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cdp.profile.domain.model import IncomingEvent, ProfileState


class ProfileBook:
    """Loaded profile states plus this call's merges; `find` names where a profile lives now."""

    def __init__(self, states: Mapping[str, ProfileState]) -> None:
        self._states = dict(states)
        self._touched: set[str] = set()
        self._absorbed: list[str] = []

    def find(self, profile_id: str) -> str:
        seen = []
        while (state := self._states.get(profile_id)) is not None and state.merged_into:
            if profile_id in seen:
                break  # a cycle would be identity's bug; stop rather than spin
            seen.append(profile_id)
            profile_id = state.merged_into
        return profile_id

    def state(self, profile_id: str) -> ProfileState:
        state = self._states.get(profile_id)
        if state is None:
            state = self._states[profile_id] = ProfileState(profile_id)
        self._touched.add(profile_id)
        return state

    def merge(self, survivor: str, absorbed: Iterable[str]) -> list[str]:
        """The live profiles this merge absorbed (none when they were one profile already)."""
        target = self.state(self.find(survivor))
        merged = []
        for name in absorbed:
            other_id = self.find(name)
            if other_id == target.id:
                continue  # already one profile: a re-delivered or redundant merge
            target.absorb(self.state(other_id))
            self._absorbed.append(other_id)
            merged.append(other_id)
        return merged

    def record(self, profile_id: str, event: IncomingEvent) -> str:
        target = self.find(profile_id)
        self.state(target).record(event.timestamp, event.group_id())
        return target

    def absorbed(self) -> list[tuple[str, str]]:
        """(absorbed profile, where it lives now) for every profile this call merged away."""
        for name in self._absorbed:
            self._states[name].merged_into = self.find(name)
        return [(name, self._states[name].merged_into or name) for name in self._absorbed]

    def touched(self) -> list[ProfileState]:
        return [self._states[name] for name in sorted(self._touched)]
