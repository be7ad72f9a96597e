"""District mode with the broker down: intake still takes requests (its ledger is the source
of truth), and readiness says the relay cannot publish."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.runtime import create_app, open_runtime
from tests.support.postgres import free_port
from tests.support.runtime import CONTRACT_BODY, bearer, demo_settings, token

pytestmark = pytest.mark.slow  # see decision 0036: scheduled first


def test_intake_records_requests_while_the_broker_is_down(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path).model_copy(
        update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"}  # nothing listens there
    )
    runtime = open_runtime(settings, ["intake"])
    with TestClient(create_app(runtime)) as client:
        headers = bearer(token(client, "operatore"))
        created = client.post("/api/intake/domande", json=CONTRACT_BODY, headers=headers)
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 60
        ready = client.get("/readyz")
        while "relay:intake" not in ready.json().get("problemi", {}):
            assert time.monotonic() < deadline, "the relay never reported the broker down"
            time.sleep(0.5)
            ready = client.get("/readyz")
        assert ready.status_code == 503
        # the relay, and the directory of the network that intake reads from Kafka
        feeds = {"proiezione:directory.risorse", "proiezione:intake.registri"}
        assert set(ready.json()["problemi"]) <= {"relay:intake", *feeds}
        assert ready.json()["problemi"]["relay:intake"] == "in errore"
        metrics = client.get("/metrics").text
        assert 'ambito_relay_lag_events{stream="intake"} 1.0' in metrics
