"""segment("id") references between segments: every one must exist and none may loop back."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cdp.segmentation.domain.conditions import ast, limits
from cdp.segmentation.domain.conditions.errors import ConditionError


def check_segments(
    node: ast.Node,
    segments: Mapping[str, frozenset[str]] | None,
    own_id: str | None,
    field: str = "condition",
) -> None:
    """Raises ConditionError for an unknown segment id or a cycle ("segment cycle: a -> b -> a")."""
    used = [part for part in limits.walk(node) if isinstance(part, ast.InSegment)]
    for part in used:
        if segments is not None and part.segment not in segments and part.segment != own_id:
            raise ConditionError(f'segment "{part.segment}" does not exist', part.position, field)
    graph = dict(segments or {})
    if own_id is not None:
        graph[own_id] = frozenset(part.segment for part in used)
    starts = [own_id] if own_id is not None else sorted({part.segment for part in used})
    for start in starts:
        cycle = find_cycle(start, graph)
        if cycle:
            where = _first_use(used, cycle, own_id)
            raise ConditionError(f"segment cycle: {' -> '.join(cycle)}", where, field)


def find_cycle(start: str, graph: Mapping[str, frozenset[str]]) -> list[str] | None:
    """A path that returns to one of its own segments, reachable from `start` (None if none)."""
    path, on_path, done = [start], {start}, set()
    pending: list[Iterator[str]] = [iter(sorted(graph.get(start, ())))]
    while pending:
        following = next(pending[-1], None)
        if following is None:
            pending.pop()
            on_path.discard(path[-1])
            done.add(path.pop())
        elif following in on_path:
            return [*path[path.index(following) :], following]
        elif following not in done:
            path.append(following)
            on_path.add(following)
            pending.append(iter(sorted(graph.get(following, ()))))
    return None


def _first_use(used: list[ast.InSegment], cycle: list[str], own_id: str | None) -> ast.Position:
    """Where the condition steps into the cycle (its segment(...) naming the next hop)."""
    hop = cycle[1] if cycle[0] == own_id else cycle[0]
    for wanted in (hop, *cycle):
        for part in used:
            if part.segment == wanted:
                return part.position
    return ast.NOWHERE
