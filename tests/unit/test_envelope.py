"""Every event names its actor and legal basis; occurred_at is never in the future;
policy-recorded events get ids derived from their cause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from shared.events import Actor, CommandContext, acting, new_person_id
from shared.events.intake import AppuntamentoMancato

CONTEXT = CommandContext(
    actor=Actor(user="as.minori", role="assistente_sociale", comune="E094"),
    legal_basis="GDPR_9_2_G",
    source="ui",
)


def _event(**extra: object) -> AppuntamentoMancato:
    return AppuntamentoMancato(
        aggregate_id=uuid4(),
        aggregate_version=1,
        persona_id=new_person_id(),
        appuntamento_id=uuid4(),
        **extra,  # type: ignore[arg-type]
    )


def test_an_event_takes_its_envelope_from_the_acting_context() -> None:
    with acting(CONTEXT):
        event = _event()
    assert event.actor == CONTEXT.actor
    assert event.legal_basis == "GDPR_9_2_G"
    assert event.source == "ui"
    assert event.correlation_id == CONTEXT.correlation_id
    assert abs(event.occurred_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert event.model_dump(by_alias=True)["aggregate_id"] == event.originator_id


def test_no_event_without_an_actor() -> None:
    with pytest.raises(ValidationError) as raised:
        _event()
    assert {e["loc"][0] for e in raised.value.errors()} >= {"actor", "legal_basis", "source"}


def test_unknown_legal_basis_is_refused() -> None:
    with pytest.raises(ValidationError):
        CommandContext(actor=CONTEXT.actor, legal_basis="ART_INVENTATO", source="ui")


def test_occurred_at_given_by_the_client_but_never_in_the_future() -> None:
    past = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
    with acting(CONTEXT.model_copy(update={"occurred_at": past})):
        assert _event().occurred_at == past
    future = datetime.now(UTC) + timedelta(hours=1)
    with acting(CONTEXT.model_copy(update={"occurred_at": future})), pytest.raises(ValidationError):
        _event()


def test_policies_derive_event_ids_from_the_causing_event() -> None:
    cause = uuid4()
    policy = CommandContext(
        actor=Actor(user="sistema", role="sistema"),
        legal_basis="L328_ART22",
        source="system",
        causation_id=cause,
        derive_ids=True,
    )
    aggregate = uuid4()
    ids = []
    for _ in range(2):
        with acting(policy):
            ids.append(
                AppuntamentoMancato.model_validate(
                    {
                        "aggregate_id": aggregate,
                        "aggregate_version": 1,
                        "persona_id": "A" * 20,
                        "appuntamento_id": UUID(int=1),
                    }
                ).event_id
            )
    assert ids[0] == ids[1]
    with acting(CONTEXT):
        assert _event().event_id != _event().event_id
