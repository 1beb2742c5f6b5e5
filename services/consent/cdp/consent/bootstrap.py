"""Composition root of the consent service: no I/O at import time."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from cdp.consent.adapters.audit_keys import load_or_create_signing_key
from cdp.consent.adapters.audit_repository import AuditWriter, verify_chain
from cdp.consent.adapters.feed_relay import FeedRelay, feed_relay
from cdp.consent.adapters.local_participant import LocalParticipant
from cdp.consent.adapters.participants import GrpcIdentityResolver, GrpcParticipant
from cdp.consent.adapters.privacy_repository import suppression_entries
from cdp.consent.adapters.tombstones import TombstoneLog
from cdp.consent.domain import deadlines, processing, receipts
from cdp.consent.domain.audit import NewAuditEntry
from cdp.consent.domain.keys import KeyState
from cdp.consent.domain.requests import DataSubjectRequest
from cdp.consent.domain.suppression import Suppressor
from cdp.consent.service_layer import handlers
from cdp.consent.service_layer.audit import checkpoint_audit_chain
from cdp.consent.service_layer.dsr_worker import DsrWorker, Finishing, export_document
from cdp.consent.service_layer.objection import withdraw_marketing
from cdp.consent.service_layer.privacy import PrivacyDeps
from cdp.consent.settings import Settings
from cdp.db import make_engine, upgrade
from cdp.grpcx.interceptors import current_caller
from cdp.pii import BlindIndexer, SubjectKey, Vault
from cdp.pii.kek import KeyProvider, LocalKeyFileProvider, MountedSecretProvider

MIGRATIONS = Path(__file__).parent / "migrations"
REMOTE_PARTICIPANTS = ("ingestion", "identity", "profile", "segmentation")


class Wiring(Enum):
    """bootstrap's default for a peer: the real client over the peer channel."""

    PEER = "peer"


class LocalKeySource:
    """The consent service's own data keys come straight from its key store (no RPC to itself)."""

    def __init__(self, store: handlers.KeyStore) -> None:
        self._store = store

    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        keys = handlers.get_data_keys(self._store, list(subject_ids), create)
        return {
            k.subject_id: SubjectKey(
                k.subject_id, k.version, k.key, k.state is KeyState.DESTROYED, previous=k.previous
            )
            for k in keys
            if k.state is not KeyState.MISSING
        }


@dataclass
class App:
    engine: Engine
    keys: handlers.KeyStore
    indexer: BlindIndexer
    audit: AuditWriter
    receipt_key: Ed25519PrivateKey
    controller: str
    checkpoint_minutes: float = 5.0
    identity_channel: grpc.Channel | None = None
    local: LocalParticipant | None = None  # the consent service's own share of requests
    privacy_deps: PrivacyDeps | None = None
    worker: DsrWorker | None = None
    vault: Vault | None = None
    # Delivers the consent outbox to segmentation (None: entries wait, nobody is told).
    feed: FeedRelay | None = None
    feed_channel: grpc.Channel | None = None  # closed on stop when bootstrap opened it
    _stop_checkpoints: threading.Event = field(default_factory=threading.Event)

    def privacy(self) -> PrivacyDeps:
        return self.privacy_deps

    def receipt_public_key(self) -> bytes:
        return self.receipt_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def verify_audit(self):
        with self.engine.connect() as conn:
            return verify_chain(conn, self.audit.public_key)

    def record_of_processing(self) -> bytes:
        return json.dumps(processing.record_of_processing(self.controller), indent=2).encode()

    def export_document(self, request: DataSubjectRequest) -> bytes:
        return export_document(request, self.privacy_deps, self.vault)

    def blocked(self, subject_ids) -> set[str]:
        """Subjects that may not be processed at all: restricted or erased (CheckConsent says no)."""
        suppressor = self.privacy_deps.suppressor
        entries = {suppressor.entry(s): s for s in subject_ids}
        with self.engine.connect() as conn:
            erased = {entries[e] for e in suppression_entries(conn).present(list(entries))}
        return erased | self.local.restricted(list(subject_ids))

    def consent_changed(self) -> None:
        """A commit appended to the consent outbox: deliver now, not at the relay's next poll."""
        if self.feed is not None:
            self.feed.notify()

    def record_audit(self, conn, action: str, subject_ids: list[str], details: dict) -> None:
        caller = current_caller.get()
        details = (
            {**details, "subject_digest": receipts.subject_digest(subject_ids)}
            if subject_ids
            else details
        )
        self.audit.append(
            conn,
            NewAuditEntry(
                actor=caller.subject if caller else "system", action=action, details=details
            ),
        )

    def start(self) -> None:
        if self.feed is not None:
            self.feed.start()
        if self.worker is not None:
            self.worker.start()
        threading.Thread(
            target=self._checkpoints, args=(self.checkpoint_minutes * 60,), daemon=True
        ).start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.feed is not None:
            self.feed.stop()
        if self.feed_channel is not None:
            self.feed_channel.close()
        self._stop_checkpoints.set()
        checkpoint_audit_chain(self.engine, self.audit)  # a truncated tail stays detectable
        self.engine.dispose()

    def _checkpoints(self, every: float) -> None:
        """Signs the chain's head every M minutes as well as every N entries (R22)."""
        while not self._stop_checkpoints.wait(every):
            checkpoint_audit_chain(self.engine, self.audit)


def key_provider(settings: Settings) -> KeyProvider:
    if settings.kek_dir is not None:
        return MountedSecretProvider(settings.kek_dir, settings.kek_min_version)
    return LocalKeyFileProvider(settings.kek_file)


def bootstrap(
    settings: Settings,
    participants: dict | None = None,
    resolver=None,
    segmentation: grpc.Channel | Wiring | None = Wiring.PEER,
) -> App:
    """Builds the app; `participants` and `resolver` replace the gRPC peers (tests wire real fakes).

    `segmentation` is where the consent outbox goes: the peer channel by default, a test's channel,
    or None to leave entries undelivered. The relay and the DSR worker run from App.start().
    """
    engine = make_engine(settings.common.database_url)
    upgrade(engine, MIGRATIONS)
    index_key = settings.common.index_key()
    suppressor = Suppressor(index_key)
    store = handlers.KeyStore(
        engine, key_provider(settings), suppressor, TombstoneLog(settings.tombstone_log)
    )
    handlers.reapply_tombstones(store)
    app = App(
        engine=engine,
        keys=store,
        indexer=BlindIndexer(index_key),
        audit=AuditWriter(
            load_or_create_signing_key(settings.audit_signing_key), settings.audit_checkpoint_every
        ),
        receipt_key=load_or_create_signing_key(settings.receipt_signing_key),
        controller=settings.controller,
        checkpoint_minutes=settings.audit_checkpoint_minutes,
        identity_channel=settings.common.peer_channel("identity"),
    )
    _wire_feed(app, settings, segmentation)
    app.keys = dataclasses.replace(
        store,
        audit=app.record_audit,
        usage_budget=settings.dek_usage_budget,
        on_destroy=app.consent_changed,
    )
    app.vault = Vault(LocalKeySource(app.keys))
    _wire_privacy(app, settings, suppressor, participants, resolver)
    return app


def _wire_feed(app: App, settings: Settings, segmentation: grpc.Channel | Wiring | None) -> None:
    if segmentation is Wiring.PEER:
        segmentation = app.feed_channel = settings.common.peer_channel("segmentation")
    if segmentation is not None:
        app.feed = feed_relay(app.engine, segmentation)


def _wire_privacy(
    app: App, settings: Settings, suppressor: Suppressor, participants, resolver
) -> None:
    common = settings.common
    remote = (
        participants
        if participants is not None
        else {
            name: GrpcParticipant(name, common.peer_channel(name)) for name in REMOTE_PARTICIPANTS
        }
    )
    withdraw = lambda request, ids: withdraw_marketing(  # noqa: E731
        app.engine, app.audit, request, ids, notify=app.consent_changed
    )
    app.local = LocalParticipant(app.engine, suppressor, withdraw, app.consent_changed)
    app.privacy_deps = PrivacyDeps(
        engine=app.engine,
        indexer=app.indexer,
        suppressor=suppressor,
        resolver=resolver or GrpcIdentityResolver(app.identity_channel),
        participants={**remote, "consent": app.local},
        calendar=deadlines.Calendar.load(settings.holidays_file),
        destroy_keys=lambda conn, ids, request_id: handlers.destroy_in(
            conn, app.keys, ids, request_id
        ),
        audit=app.record_audit,
        wake_worker=lambda: app.worker.wake() if app.worker else None,
        consent_changed=app.consent_changed,
    )
    app.worker = DsrWorker(lambda: app.privacy_deps, Finishing(app.vault, app.receipt_key))
