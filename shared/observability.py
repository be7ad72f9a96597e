"""Metrics and logs (design section 10): counters and histograms for Prometheus, JSON logs.

No label ever holds personal data: services, event types, route templates (never concrete
paths), methods, status codes and projection names only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPENDED = Counter(
    "ambito_events_appended",
    "Events appended to a service's ledger, by event type.",
    ["service", "type"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "ambito_http_request_duration_seconds",
    "HTTP request latency, by route template.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PROJECTION_LAG = Gauge(
    "ambito_projection_lag_events",
    "Events recorded in a source ledger and not yet applied by a projection.",
    ["projection", "source"],
)
RELAY_LAG = Gauge(
    "ambito_relay_lag_events",
    "Events recorded in a ledger and not yet acknowledged by the broker.",
    ["stream"],
)
CONSUMER_LAG = Gauge(
    "ambito_consumer_lag_messages",
    "Messages on a topic not yet applied by a projection's consumer.",
    ["projection", "topic"],
)
PERSONAL_DATA_READS = Counter(
    "ambito_personal_data_reads",
    "Reads of personal data served and recorded, by service and purpose code.",
    ["service", "purpose"],
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; messages are written never to contain personal data."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("correlation_id", "service", "route", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
