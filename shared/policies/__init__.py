"""Policies: events one service records in reaction to another's (design sections 3 to 5).

A policy follows one source stream (``source``, e.g. ``"intake"``), reacts to some event
types, and returns the aggregates of its target application that it opened or changed. A
feed records them and the cause's position in the target ledger in ONE transaction:

- embedded: ``PolicyRunner(policy, target, source_recorder)`` reads the source ledger;
- district: ``KafkaPolicyConsumer(policy, target, bootstrap, prefix=..., partitions=...,
  replication=...)`` reads the source's topic (same headers, origin check and per-partition
  position dedupe as the projection consumer).

Both are workers (``start``/``stop``, ``running``/``failing`` for readiness), answer
``wait_for(stream, position, timeout)`` for read-your-writes, and report ``POLICY_LAG``.
Every event a policy records carries the system as actor, ``source="system"``, the cause's
correlation id, the cause's event id as causation id, and an id derived from the cause; the
aggregate it opens has ``derived_id(cause, purpose)`` as id. A redelivered cause is dropped
by position, and if its tracking were ever lost, its derived aggregate already exists and
the ledger's unique (aggregate, version) refuses a second one: the feed tracks it and goes
on. Nothing opens a second case.

The first policy is casework's ``ApriCasoDaInoltro`` (services/casework/policies.py): a
hand-over opens a case with ``derived_id(event, "caso")``; services/runtime.py builds its feed
(``PolicyRunner`` embedded, ``KafkaPolicyConsumer`` in district mode), starts and stops it,
and lists it in readiness (decision 0019).
"""

from shared.policies.base import (
    POLICY_LAG,
    SYSTEM,
    TRACK_EVERY,
    Cause,
    Policy,
    PolicyError,
    cause_event,
    derived_id,
    policy_context,
)
from shared.policies.consumer import KafkaPolicyConsumer
from shared.policies.runner import PolicyRunner

__all__ = [
    "POLICY_LAG",
    "SYSTEM",
    "TRACK_EVERY",
    "Cause",
    "KafkaPolicyConsumer",
    "Policy",
    "PolicyError",
    "PolicyRunner",
    "cause_event",
    "derived_id",
    "policy_context",
]
