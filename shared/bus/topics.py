"""Topics are the district's shared history: created explicitly, fixed partitions, kept
forever (design section 5)."""

from __future__ import annotations

import logging
from contextlib import suppress

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

logger = logging.getLogger("ambito.bus")

HEADER_TYPE = "ambito-type"
HEADER_SCHEMA_VERSION = "ambito-schema-version"
HEADER_STREAM = "ambito-stream"
HEADER_POSITION = "ambito-position"
HEADER_LEDGER = "ambito-ledger"
HEADER_RECORDED_AT = "ambito-recorded-at"
"""The ledger's commit time of the event (not in the stored bytes)."""


DEFAULT_PREFIX = "ambito"


def topic_for(stream: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The topic of a service's event stream, e.g. ``ambito.intake.v1``."""
    return f"{prefix}.{stream}.v1"


def ensure_topics(
    bootstrap: str,
    streams: list[str],
    partitions: int,
    replication: int = 1,
    prefix: str = DEFAULT_PREFIX,
) -> None:
    """Creates the streams' topics that are missing (never alters an existing one)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ambito-admin")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name=topic_for(stream, prefix),
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs={"retention.ms": "-1", "cleanup.policy": "delete"},
            )
            for stream in streams
            if topic_for(stream, prefix) not in existing
        ]
        if missing:
            with suppress(TopicAlreadyExistsError):  # another service created it meanwhile
                admin.create_topics(missing)
    finally:
        admin.close()
