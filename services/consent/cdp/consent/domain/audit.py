"""The audit hash chain: entries, their canonical bytes, signed checkpoints and verification rules."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = bytes(32)  # the "previous hash" of entry 1
SUBJECT_ID = re.compile(r"^sub_[a-z2-7]{24}$")
ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DETAILS_BYTES = 4096
MAX_DETAIL_DEPTH = 3
MAX_SUBJECTS = 1000
MAX_ACTOR = 256
# Values that read like an email address or a phone number never belong in the audit log.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"^\+?[\d\s().-]+$")
_PHONE_MIN_DIGITS = 9  # shorter digit runs are dates and counts, not numbers anyone dials


class UnfitAuditEntry(ValueError):
    """A programming error: the entry would break the audit rules (the message names no value)."""


@dataclass(frozen=True)
class NewAuditEntry:
    """What a caller asks to record; the log assigns sequence, time (unless given) and hash."""

    actor: str
    action: str
    subject_ids: Sequence[str] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    time: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    time: datetime
    actor: str
    action: str
    subject_ids: tuple[str, ...]
    details: Mapping[str, Any]
    entry_hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    """A signature over the chain's hash at `sequence`: proof of every entry up to it."""

    sequence: int
    entry_hash: bytes
    time: str
    signature: bytes


class Verification(NamedTuple):
    valid: bool
    entry_count: int
    first_bad_sequence: int
    problem: str


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: one spelling per instant, so hashes are reproducible."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_entry(entry: NewAuditEntry) -> None:
    if not entry.actor or len(entry.actor) > MAX_ACTOR:
        raise UnfitAuditEntry("an audit entry needs an actor of at most 256 characters")
    if not ACTION.match(entry.action):
        raise UnfitAuditEntry("an audit action looks like noun.verb, e.g. consent.recorded")
    if len(entry.subject_ids) > MAX_SUBJECTS:
        raise UnfitAuditEntry(f"an audit entry names at most {MAX_SUBJECTS} subjects")
    if not all(isinstance(s, str) and SUBJECT_ID.match(s) for s in entry.subject_ids):
        raise UnfitAuditEntry("audit entries name subjects only by pseudonymous subject id")
    _check_detail(dict(entry.details), depth=1)
    if len(canonical_json(dict(entry.details))) > MAX_DETAILS_BYTES:
        raise UnfitAuditEntry(f"audit details are larger than {MAX_DETAILS_BYTES} bytes")


def _check_detail(value: Any, depth: int) -> None:
    if depth > MAX_DETAIL_DEPTH:
        raise UnfitAuditEntry("audit details nest too deeply")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not DETAIL_KEY.match(key):
                raise UnfitAuditEntry("audit detail keys are lower_snake_case")
            _check_detail(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_detail(item, depth + 1)
    elif isinstance(value, str):
        if _EMAIL.search(value) or _looks_like_phone(value):
            raise UnfitAuditEntry("an audit detail looks like personal data")
    elif value is not None and not isinstance(value, bool | int):
        # Floats have no single canonical spelling across JSON encoders.
        raise UnfitAuditEntry("audit detail values are strings, integers, booleans or null")


def _looks_like_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and sum(ch.isdigit() for ch in value) >= _PHONE_MIN_DIGITS


def entry_body(sequence: int, moment: datetime, entry: NewAuditEntry) -> bytes:
    """The canonical JSON that is hashed and stored, byte for byte."""
    return canonical_json(
        {
            "sequence": sequence,
            "time": format_time(moment),
            "actor": entry.actor,
            "action": entry.action,
            "subject_ids": list(entry.subject_ids),
            "details": dict(entry.details),
        }
    )


def chain_hash(previous: bytes, body: bytes) -> bytes:
    return hashlib.sha256(previous + body).digest()


def parse_entry(body: bytes, entry_hash: bytes) -> AuditEntry:
    data = json.loads(body)
    return AuditEntry(
        sequence=data["sequence"],
        time=parse_time(data["time"]),
        actor=data["actor"],
        action=data["action"],
        subject_ids=tuple(data["subject_ids"]),
        details=data["details"],
        entry_hash=entry_hash,
    )


def checkpoint_message(sequence: int, entry_hash: bytes, time: str) -> bytes:
    return canonical_json({"sequence": sequence, "entry_hash": entry_hash.hex(), "time": time})


def sign_checkpoint(
    key: Ed25519PrivateKey, sequence: int, entry_hash: bytes, moment: datetime
) -> Checkpoint:
    time = format_time(moment)
    signature = key.sign(checkpoint_message(sequence, entry_hash, time))
    return Checkpoint(sequence, entry_hash, time, signature)


def signature_valid(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    message = checkpoint_message(checkpoint.sequence, checkpoint.entry_hash, checkpoint.time)
    try:
        public_key.verify(checkpoint.signature, message)
    except InvalidSignature:
        return False
    return True


def invalid_signatures(
    checkpoints: Sequence[Checkpoint], public_key: Ed25519PublicKey
) -> list[int]:
    """Sequences of checkpoints whose signature does not verify (the slow part: run it alongside)."""
    return [c.sequence for c in checkpoints if not signature_valid(public_key, c)]


class ChainVerifier:
    """Walks stored entries in sequence order and checks them against the chain and checkpoints.

    Detects a modified entry (its hash), a deleted or inserted entry in the middle (a sequence gap
    or a broken link), swapped entries (broken links), a rewritten chain (the signed checkpoint no
    longer matches) and a truncated tail (a checkpoint beyond the last entry).
    """

    def __init__(self, checkpoints: Sequence[Checkpoint]) -> None:
        self._checkpoints = {c.sequence: c for c in checkpoints}
        self._problems: list[tuple[int, str]] = []
        self._previous = GENESIS
        self._count = 0
        self._last_good_checkpoint = 0
        self._broken = False

    def feed(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """(sequence, body, entry_hash) rows in sequence order; one tight loop (1 M rows matter)."""
        previous, count, checkpoints = self._previous, self._count, self._checkpoints
        for sequence, body, stored_hash in rows:
            count += 1
            if self._broken:
                continue
            if sequence != count:
                self._fail(count, f"entry {count} is missing")
                continue
            digest = hashlib.sha256(previous + body.encode()).digest()
            if digest.hex() != stored_hash:
                self._fail(sequence, f"entry {sequence} does not match its hash or the chain")
                continue
            previous = digest
            if sequence in checkpoints:
                self._match_checkpoint(checkpoints[sequence], digest)
        self._previous, self._count = previous, count

    def _match_checkpoint(self, checkpoint: Checkpoint, digest: bytes) -> None:
        if checkpoint.entry_hash != digest:
            start = self._last_good_checkpoint + 1
            self._fail(
                start,
                f"entries {start}..{checkpoint.sequence} differ from the signed checkpoint "
                f"{checkpoint.sequence}",
            )
        else:
            self._last_good_checkpoint = checkpoint.sequence

    def _fail(self, sequence: int, problem: str) -> None:
        self._problems.append((sequence, problem))
        self._broken = True

    def finish(self, bad_signatures: Sequence[int]) -> Verification:
        problems = self._problems + [
            (sequence, f"checkpoint {sequence} has an invalid signature")
            for sequence in bad_signatures
        ]
        beyond = [s for s in self._checkpoints if s > self._count]
        if beyond:
            problems.append(
                (
                    self._count + 1,
                    f"checkpoint {max(beyond)} is beyond the last entry {self._count}: "
                    "the tail was truncated",
                )
            )
        if not problems:
            return Verification(True, self._count, 0, "")
        sequence, problem = min(problems)
        return Verification(False, self._count, sequence, problem)
