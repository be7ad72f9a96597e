"""The log format operators ship to their collectors: one JSON object per line, with the
request's fields where the record has them and an error's type but never its message."""

from __future__ import annotations

import json
import logging
import sys

from shared.observability import JsonFormatter, configure_logging


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "ambito.api", logging.WARNING, __file__, 1, "%s lenta", ("rotta",), None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_record_is_one_json_line_with_the_request_s_fields() -> None:
    line = JsonFormatter().format(
        _record(correlation_id="abc", route="/api/intake/domande", status=201, duration_ms=12)
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning"
    assert entry["logger"] == "ambito.api"
    assert entry["msg"] == "rotta lenta"
    assert (entry["correlation_id"], entry["route"], entry["status"]) == (
        "abc",
        "/api/intake/domande",
        201,
    )
    assert entry["duration_ms"] == 12
    assert "service" not in entry  # absent fields are left out, not null
    assert entry["ts"].endswith("+00:00")


def test_an_error_is_named_by_its_type_never_by_its_message() -> None:
    try:
        raise ValueError("RSSMRA40A41E094R non valido")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["error"] == "ValueError"
    assert "RSSMRA40A41E094R" not in json.dumps(entry)


def test_configure_logging_sends_json_to_stderr_at_the_level_given() -> None:
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    try:
        configure_logging("DEBUG")
        assert root.level == logging.DEBUG
        assert [type(h.formatter) for h in root.handlers] == [JsonFormatter]
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
