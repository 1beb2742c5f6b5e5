"""`cdp segments watch`: one line per entered/exited change, resuming after a dropped connection."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Annotated

import grpc
import typer

from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.cli.output import OK, err_console, guarded, rpc_failure
from cdp.cli.segmentation_api import TIMEOUT, DataDir, Json, resource_name, stub

# A watch outlives a restart of the segmentation service: it resumes after the last version it
# printed, for up to RESUME_WINDOW seconds without a connection before reporting the suite lost.
RESUME_WINDOW, RESUME_PAUSE = 60.0, 1.0


class _Stop(Exception):
    """The watch is over: limit reached or time is up."""


class _Follower:
    """Prints changes after a version; keeps the version so a new stream resumes where one broke."""

    def __init__(self, data_dir: Path, name: str, after: int, limit: int, timeout: float) -> None:
        self.data_dir, self.name, self.after, self.limit = data_dir, name, after, limit
        self.deadline = time.monotonic() + timeout if timeout else None
        self.seen = 0
        self.lost_since: float | None = None  # when the connection broke, until it is back

    def run(self, as_json: bool) -> None:
        while True:
            try:
                self._stream(as_json)
                return  # the server ended the stream
            except grpc.RpcError as err:
                self._recover(err)

    def _stream(self, as_json: bool) -> None:
        # Read the dev token again on every (re)connect: a long watch outlives one token.
        client = guarded(lambda: stub(self.data_dir))
        if self.lost_since is not None:
            # The stream says nothing while nobody enters or exits: a unary call proves we are
            # back (or that the segment was deleted meanwhile).
            wait = min(TIMEOUT, self._remaining() or TIMEOUT)
            client.GetSegment(pb.GetSegmentRequest(name=self.name), timeout=wait)
            self.lost_since = None
            err_console.print("reconnected")
        request = pb.WatchSegmentMembershipRequest(segment=self.name, after_version=self.after)
        call = client.WatchSegmentMembership(request, timeout=self._remaining())
        try:
            for response in call:
                self._emit(response.change, as_json)
        finally:
            call.cancel()

    def _emit(self, change: segment_pb2.MembershipChange, as_json: bool) -> None:
        print(render_change(change, as_json), flush=True)
        self.after, self.seen = change.version, self.seen + 1
        if self.limit and self.seen >= self.limit:
            raise _Stop

    def _recover(self, err: grpc.RpcError) -> None:
        """Time up: stop. Suite gone (a restart, a network blip): resume for a while. Else: fail."""
        if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED and self.deadline is not None:
            raise _Stop from err
        now = time.monotonic()
        if self.lost_since is None and err.code() == grpc.StatusCode.UNAVAILABLE:
            self.lost_since = now
            err_console.print(f"connection lost; resuming after version {self.after}…")
        if err.code() != grpc.StatusCode.UNAVAILABLE or now - self.lost_since > RESUME_WINDOW:
            raise typer.Exit(rpc_failure(err)) from err
        time.sleep(RESUME_PAUSE)
        if self._remaining() == 0:
            raise _Stop

    def _remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())


def render_change(change: segment_pb2.MembershipChange, as_json: bool) -> str:
    """version, ENTERED/EXITED, profile, reason, time: aligned for people, a JSON line for tools."""
    kind = segment_pb2.MembershipChangeKind.Name(change.kind).removeprefix(
        "MEMBERSHIP_CHANGE_KIND_"
    )
    when = change.change_time.ToJsonString()
    if as_json:
        return json.dumps(
            {
                "version": change.version,
                "segment": change.segment,
                "kind": kind,
                "profile": change.profile,
                "reason": change.reason,
                "change_time": when,
            }
        )
    return f"{change.version:>6}  {kind:<7}  {change.profile}  {change.reason:<19}  {when}"


def watch(
    segment_id: Annotated[str, typer.Argument(help="The segment id (or segments/<id>).")],
    after: Annotated[
        int, typer.Option("--after", min=0, help="Only changes after this version (0: all).")
    ] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Stop after this many changes (0: no limit).")
    ] = 0,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="Stop after this many seconds (0: never).")
    ] = 0.0,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    name = resource_name(segment_id, "segments")
    # Fails fast (not found, suite not running) before the stream starts waiting for changes.
    request = pb.GetSegmentRequest(name=name)
    newest = guarded(lambda: stub(data_dir).GetSegment(request, timeout=TIMEOUT)).segment
    # On stderr even with --json: stdout stays one change per line, and a script knows it started.
    err_console.print(
        f"watching {name} after version {after} (newest {newest.membership_version}); Ctrl-C stops",
        highlight=False,
    )
    # Ctrl-C, the limit or the timeout is the normal end of a watch: exit 0.
    with contextlib.suppress(_Stop, KeyboardInterrupt):
        _Follower(data_dir, name, after, limit, timeout).run(as_json)
    raise typer.Exit(OK)
