"""What every policy is, whatever feeds it: the cause it sees, the context its events carry,
and how its effects are recorded together with its position.

A policy's effects and its tracking row go into the TARGET ledger in one transaction (the
recorder's ``insert_events(..., tracking=...)``). The tracking row's key is unique per
(policy, stream or topic, partition) and position, so a cause can never be recorded twice,
and the ids a policy records are derived from the cause (design section 4): a redelivered
cause whose tracking was somehow lost still hits the ledger's unique (aggregate, version)
instead of opening a second case.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid5

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from prometheus_client import Gauge
from sqlalchemy import event as sqlalchemy_event

from shared.events.envelope import POLICY_NAMESPACE, Actor, CommandContext, LedgerEvent, acting
from shared.ledger.aggregate import LedgerAggregate
from shared.ledger.application import LedgerApplication
from shared.ledger.mapper import LedgerMapper
from shared.projections.base import WireEvent, wire_event

logger = logging.getLogger("ambito.policies")

POLICY_LAG = Gauge(
    "ambito_policy_lag_events",
    "Events (embedded) or messages (district) of a source not yet handled by a policy.",
    ["policy", "source"],
)

SYSTEM = Actor(user="sistema", role="sistema")
"""Who acts when a policy records an event (design section 3: source ``system``)."""

TRACK_EVERY = 100
"""Causes of other types advance the position in memory at once, and in the ledger every
this many (or with the next handled cause, or on stop): a crash re-reads at most this many
events that need nothing, instead of one extra ledger write per irrelevant event."""

TRACKING_NAME_LENGTH = 100  # the tracking table's application_name column


@dataclass(frozen=True)
class Cause(WireEvent):
    """A source event as a policy sees it: the wire event (upcast, personal fields still
    encrypted) plus the bytes as stored, which ``opened`` decrypts (decryption checks each
    field's path, so it must run before any upcasting, as the ledger's mapper does)."""

    state: bytes = field(repr=False, compare=False)

    @property
    def event_id(self) -> UUID:
        return UUID(str(self.data["event_id"]))

    @property
    def correlation_id(self) -> UUID:
        return UUID(str(self.data["correlation_id"]))

    def opened(self, mapper: LedgerMapper) -> LedgerEvent:
        """The cause as its catalogue class, personal fields in clear (or ``{"erased":
        true}`` where the person's key is gone): decrypted with the district key store that
        every service's mapper holds. Use the clear values only to record new events."""
        stored = StoredEvent(
            originator_id=UUID(self.aggregate_id),
            originator_version=int(self.data["aggregate_version"]),
            topic=self.type,
            state=self.state,
        )
        return mapper.to_domain_event(stored)


def cause_event(source: str, position: int, state: bytes) -> Cause:
    wire = wire_event(source, position, state)
    return Cause(wire.source, wire.position, wire.type, wire.data, state)


class Policy(Protocol):
    """Reacts to events of ``source`` of ``event_types`` by recording events of its own.

    ``handle`` returns the new or changed aggregates of the target application it was built
    with (loading what it needs through that application); the runner saves them with the
    position in one transaction. It runs inside ``acting(policy_context(event))``: a policy
    that needs another legal basis enters its own ``policy_context(event, legal_basis=...)``.
    A new aggregate's id must be ``derived_id(event, purpose)``. ``handle`` may be called
    again for the same cause (after a crash, or a conflict on save): it must decide from the
    cause and the loaded state only. An exception stops the policy at that cause (the feed
    reports failing and retries every second) rather than skipping it.

    What a redelivery can never repeat is an OPENED aggregate (its derived id exists). An
    event appended to an existing aggregate is kept from repeating by the tracking row in
    the same transaction; a policy that must also survive a lost tracking row checks the
    loaded aggregate for an event caused by ``event`` before appending another.
    """

    name: str
    source: str
    event_types: frozenset[str]

    def handle(self, event: Cause) -> Sequence[LedgerAggregate]: ...


def derived_id(event: WireEvent, purpose: str) -> UUID:
    """The id of the aggregate a policy opens for ``event``: the same on every delivery."""
    return uuid5(POLICY_NAMESPACE, f"aggregate:{event.data['event_id']}:{purpose}")


def policy_context(event: WireEvent, *, legal_basis: str | None = None) -> CommandContext:
    """The envelope of what a policy records about ``event``: the system acts, on the cause's
    legal basis unless told otherwise, in the cause's correlation, caused by it, at the time
    the cause occurred (so a late delivery records the same facts), with derived event ids."""
    data = event.data
    return CommandContext(
        actor=SYSTEM,
        legal_basis=legal_basis or str(data["legal_basis"]),
        source="system",
        correlation_id=UUID(str(data["correlation_id"])),
        causation_id=UUID(str(data["event_id"])),
        occurred_at=datetime.fromisoformat(str(data["occurred_at"])),
        derive_ids=True,
    )


def tracking_name(policy: str, stream: str, partition: int) -> str:
    name = f"{policy}/{stream}/{partition}"
    if len(name) > TRACKING_NAME_LENGTH:
        raise ValueError(f"tracking name {name!r} is longer than {TRACKING_NAME_LENGTH}")
    return name


class PolicyError(Exception):
    """A policy recorded something a redelivery could not recognise (a programming error)."""


@dataclass
class Progress:
    """One tracked (stream or topic, partition) of a policy."""

    tracking: str
    stored: int
    """The highest position tracked in the target ledger."""
    seen: int
    """Everything up to here is handled or needs nothing (at least ``stored``)."""
    unsaved: int = 0
    """Causes of other types seen since ``stored``."""


class PolicyEffects:
    """Records what a policy does about one cause, with the cause's position, in one
    transaction of the target ledger; shared by the embedded runner and the Kafka consumer."""

    ATTEMPTS = 3

    def __init__(
        self,
        policy: Policy,
        target: LedgerApplication,
        *,
        track_every: int = TRACK_EVERY,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        if track_every < 1:
            raise ValueError("track_every must be at least 1")
        self.policy = policy
        self.target = target
        self.recorder = target.ledger.recorder
        self.track_every = track_every
        self.before_commit = before_commit
        self._armed = threading.local()
        if before_commit is not None:
            sqlalchemy_event.listen(target.ledger.engines.writer, "commit", self._on_commit)

    def close(self) -> None:
        engine = self.target.ledger.engines.writer
        if self.before_commit is not None and sqlalchemy_event.contains(
            engine, "commit", self._on_commit
        ):
            sqlalchemy_event.remove(engine, "commit", self._on_commit)

    def _on_commit(self, _connection: Any) -> None:
        if self.before_commit is not None and getattr(self._armed, "on", False):
            self.before_commit()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Marks this thread's ledger writes as the policy's, for ``before_commit``: it
        runs inside the transaction, after the inserts, just before the commit."""
        self._armed.on = True
        try:
            yield
        finally:
            self._armed.on = False

    def progress(self, tracking: str) -> Progress:
        stored = self.stored(tracking)
        return Progress(tracking, stored, stored)

    def stored(self, tracking: str) -> int:
        return self.recorder.max_tracking_id(tracking) or 0

    # what the feeds call

    def offer(
        self, progress: Progress, position: int, event_type: str, load: Callable[[], Cause]
    ) -> bool:
        """Handles the event at ``position`` unless already done; True if it recorded
        effects. Events of other types only advance ``progress``."""
        if position <= progress.seen:
            return False  # a redelivery, or a replay
        if event_type not in self.policy.event_types:
            progress.seen = position
            progress.unsaved += 1
            if progress.unsaved >= self.track_every:
                self.flush(progress)
            return False
        recorded = self._record(load(), progress.tracking)
        progress.stored = progress.seen = position
        progress.unsaved = 0
        return recorded

    def flush(self, progress: Progress) -> None:
        """Tracks what was only seen (causes of other types) in the ledger."""
        if progress.seen > progress.stored:
            self._track(progress.tracking, progress.seen)
            progress.stored = progress.seen
        progress.unsaved = 0

    # recording

    def _record(self, cause: Cause, tracking: str) -> bool:
        for attempt in range(1, self.ATTEMPTS + 1):
            with acting(policy_context(cause)):
                aggregates = list(self.policy.handle(cause))
            opened = self._check(cause, aggregates)
            changed = any(aggregate.pending_events for aggregate in aggregates)
            try:
                self._save(aggregates, Tracking(tracking, cause.position))
                return changed
            except IntegrityError:
                if self.stored(tracking) >= cause.position:
                    logger.info("%s: %s already tracked elsewhere", tracking, cause.position)
                    return False
                if any(self.recorder.select_events(i, limit=1) for i in opened):
                    # recorded by an earlier delivery whose tracking did not survive: done
                    logger.warning(
                        "%s: effects of position %d were already recorded; tracking it",
                        tracking,
                        cause.position,
                    )
                    self._track(tracking, cause.position)
                    return False
                if attempt == self.ATTEMPTS:
                    raise
                # another writer changed an aggregate the policy loaded: load it again
        raise AssertionError("unreachable")

    def _save(self, aggregates: Sequence[LedgerAggregate], tracking: Tracking) -> None:
        """``Application.save`` with a tracking row (as the library's process
        applications do it: ``save(tracking=...)`` would pass it twice)."""
        processing: ProcessingEvent[UUID] = ProcessingEvent(tracking=tracking)
        processing.collect_events(*aggregates)
        with self._writing():
            recordings = self.target._record(processing)
        self.target._notify(recordings)

    def _track(self, tracking: str, position: int) -> None:
        try:
            with self._writing():
                self.recorder.insert_tracking(Tracking(tracking, position))
        except IntegrityError:
            if self.stored(tracking) < position:
                raise

    def _check(self, cause: Cause, aggregates: Sequence[LedgerAggregate]) -> list[UUID]:
        """What makes a redelivery harmless, checked before anything is saved: every event
        is caused by ``cause`` with an id derived from it, every new aggregate has a derived
        (version 5) id. Returns the ids of the new aggregates."""
        context = policy_context(cause)
        opened = []
        for aggregate in aggregates:
            pending = aggregate.pending_events
            if pending and pending[0].originator_version == aggregate.INITIAL_VERSION:
                if not isinstance(aggregate.id, UUID) or aggregate.id.version != 5:
                    raise PolicyError(
                        f"{self.policy.name} opened {type(aggregate).__name__} with a random "
                        "id: use derived_id(event, purpose)"
                    )
                opened.append(aggregate.id)
            for event in pending:
                if not isinstance(event, LedgerEvent):
                    raise PolicyError(
                        f"{self.policy.name}: {type(event).__name__} is not catalogued"
                    )
                expected = type(event)._new_event_id(
                    {
                        "originator_id": event.originator_id,
                        "originator_version": event.originator_version,
                    },
                    context,
                )
                if event.causation_id != cause.event_id or event.event_id != expected:
                    raise PolicyError(
                        f"{self.policy.name}: {event.event_type} was not recorded in the "
                        "cause's policy_context (derived ids)"
                    )
        return opened
