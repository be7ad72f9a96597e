"""Issue 10, acceptance 4 (pure part): tokens of the district's OpenID Connect provider,
verified against a locally generated key set (RSA, EC and Ed25519 keys, a JWKS file).

Valid tokens are accepted with the role, comuni and areas of their claims; expired, not yet
valid, wrongly signed, wrong-audience, unknown-issuer, ``alg: none``, HS256-with-the-public-
key, incomplete tokens and tokens whose claims Ambito does not know are refused. Settings
that configure the provider by halves stop the start.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from shared.auth.oidc import (
    OidcConfig,
    OidcVerifier,
    unverified_issuer,
    verifier_from_settings,
)
from shared.auth.tokens import InvalidToken
from shared.identity.models import Comune, DistrictSettings, User
from shared.settings import Settings
from tests.support.oidc import AUDIENCE, ISSUER, Provider, new_key

DISTRICT = DistrictSettings(
    nome="Ambito di prova",
    demo=False,
    comuni=(
        Comune("B292", "015035", "Bussero", "Lombardia", 8600),
        Comune("E094", "015106", "Gorgonzola", "Lombardia", 20700),
    ),
)
CF = "BRMLRA88E54E094X"


@pytest.fixture(scope="module")
def provider() -> Provider:
    return Provider()


@pytest.fixture
def verifier(provider: Provider, tmp_path: Path) -> OidcVerifier:
    jwks = provider.write_jwks(tmp_path / "jwks.json")
    return OidcVerifier(OidcConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks))


def _refused(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        verifier.verify(token, DISTRICT)
    return str(refusal.value)


# -- accepted --------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", ["key-rs256", "key-es256", "key-eddsa"])
def test_a_valid_token_gives_the_principal_of_its_claims(
    provider: Provider, verifier: OidcVerifier, kid: str
) -> None:
    claims = provider.claims(
        "chiara.colombo",
        ambito_ruolo="assistente_sociale",
        ambito_comuni=["e094", "B292"],
        ambito_aree=["fam", "ELD"],
        ambito_codice_fiscale=CF.lower(),
    )
    principal = verifier.verify(provider.sign(claims, kid), DISTRICT)
    assert principal.subject == "chiara.colombo"
    assert principal.kind == "user"
    assert principal.role == "assistente_sociale"
    assert principal.comuni == frozenset({"E094", "B292"})
    assert principal.aree == frozenset({"FAM", "ELD"})
    assert principal.codice_fiscale == CF
    assert principal.scopes == frozenset()


def test_a_district_wide_role_may_hold_no_comune_and_a_single_comune_may_be_a_string(
    provider: Provider, verifier: OidcVerifier
) -> None:
    admin = verifier.verify(
        provider.sign(
            provider.claims(
                "admin.ambito", ambito_ruolo="amministratore", ambito_comuni=None, ambito_aree=None
            )
        ),
        DISTRICT,
    )
    assert (admin.role, admin.comuni, admin.aree, admin.codice_fiscale) == (
        "amministratore",
        frozenset(),
        frozenset(),
        None,
    )
    operatore = verifier.verify(provider.sign(provider.claims(ambito_comuni="B292")), DISTRICT)
    assert operatore.comuni == frozenset({"B292"})
    dpo = verifier.verify(
        provider.sign(provider.claims("dpo.ambito", ambito_ruolo="dpo", ambito_comuni=None)),
        DISTRICT,
    )
    assert (dpo.role, dpo.comuni) == ("dpo", frozenset())


def test_a_token_within_the_leeway_is_still_accepted(
    provider: Provider, verifier: OidcVerifier
) -> None:
    now = int(time.time())
    token = provider.sign(provider.claims(exp=now - 10, iat=now - 310, nbf=now - 310))
    assert verifier.verify(token, DISTRICT).subject == "mario.operatore"


def test_claim_names_are_configurable(provider: Provider, tmp_path: Path) -> None:
    config = OidcConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_file=provider.write_jwks(tmp_path / "jwks.json"),
        claim_username="upn",
        claim_role="ruolo",
        claim_comuni="comuni",
        claim_aree="aree",
        claim_codice_fiscale="cf",
    )
    claims = provider.claims(
        None, preferred_username=None, ambito_ruolo=None, ambito_comuni=None, ambito_aree=None
    )
    claims.update(upn="paola.galli", ruolo="coordinatore", comuni=["G965"], aree=["POV"], cf=CF)
    district = DistrictSettings(
        "x", False, (Comune("G965", "015175", "Pozzuolo Martesana", "Lombardia", 8700),)
    )
    principal = OidcVerifier(config).verify(provider.sign(claims), district)
    assert (principal.subject, principal.role, principal.comuni, principal.aree) == (
        "paola.galli",
        "coordinatore",
        frozenset({"G965"}),
        frozenset({"POV"}),
    )
    assert principal.codice_fiscale == CF


# -- refused: signature, time, issuer, audience ---------------------------------------------


def test_an_expired_token_is_refused(provider: Provider, verifier: OidcVerifier) -> None:
    now = int(time.time())
    token = provider.sign(provider.claims(exp=now - 120, iat=now - 600, nbf=now - 600))
    assert _refused(verifier, token) == "ExpiredSignatureError"


def test_a_token_not_yet_valid_is_refused(provider: Provider, verifier: OidcVerifier) -> None:
    now = int(time.time())
    assert _refused(verifier, provider.sign(provider.claims(nbf=now + 600))) == (
        "ImmatureSignatureError"
    )
    assert _refused(verifier, provider.sign(provider.claims(iat=now + 600, nbf=None))) == (
        "ImmatureSignatureError"
    )


@pytest.mark.parametrize(("kid", "alg"), [("key-rs256", "RS256"), ("key-es256", "ES256")])
def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(
    provider: Provider, verifier: OidcVerifier, kid: str, alg: str
) -> None:
    token = provider.sign_with(provider.claims(), new_key(alg), kid, alg)
    assert _refused(verifier, token) == "InvalidSignatureError"


def test_a_token_naming_a_key_of_another_type_is_refused(
    provider: Provider, verifier: OidcVerifier
) -> None:
    """An ES256 token under the RSA key's kid: the key decides the algorithm, not the token."""
    token = provider.sign_with(provider.claims(), new_key("ES256"), "key-rs256", "ES256")
    assert _refused(verifier, token) == "InvalidAlgorithmError"


def test_unknown_and_missing_kids_are_refused(provider: Provider, verifier: OidcVerifier) -> None:
    key, alg = provider.keys["key-rs256"]
    assert _refused(verifier, provider.sign_with(provider.claims(), key, "other", alg)) == (
        "PyJWKError"
    )
    no_kid = jwt.encode(provider.claims(), key, algorithm=alg)
    assert _refused(verifier, no_kid) == "kid"


def test_a_wrong_audience_is_refused(provider: Provider, verifier: OidcVerifier) -> None:
    for audience in ("account", ["account", "altro-servizio"]):
        token = provider.sign(provider.claims(aud=audience))
        assert _refused(verifier, token) == "InvalidAudienceError"


def test_an_unknown_issuer_is_refused(provider: Provider, verifier: OidcVerifier) -> None:
    token = provider.sign(provider.claims(iss="https://idp.altro-ambito.example/realms/x"))
    assert _refused(verifier, token) == "InvalidIssuerError"


def test_alg_none_is_refused(provider: Provider, verifier: OidcVerifier) -> None:
    assert _refused(verifier, provider.unsigned(provider.claims())) == "alg"


def test_hs256_keyed_with_the_public_key_is_refused(
    provider: Provider, verifier: OidcVerifier
) -> None:
    assert _refused(verifier, provider.hs256_with_public_key(provider.claims())) == "alg"


def test_an_algorithm_outside_the_configured_ones_is_refused(
    provider: Provider, tmp_path: Path
) -> None:
    config = OidcConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_file=provider.write_jwks(tmp_path / "jwks.json"),
        algorithms=("RS256",),
    )
    verifier = OidcVerifier(config)
    assert verifier.verify(provider.sign(provider.claims()), DISTRICT).role == "operatore"
    assert _refused(verifier, provider.sign(provider.claims(), "key-es256")) == "alg"


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(
    provider: Provider, verifier: OidcVerifier, missing: str
) -> None:
    token = provider.sign(provider.claims(**{missing: None}))
    assert _refused(verifier, token) == "MissingRequiredClaimError"


def test_garbage_is_refused(verifier: OidcVerifier) -> None:
    assert _refused(verifier, "non.un.token") == "DecodeError"


# -- refused: claims Ambito does not know ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"preferred_username": None}, "username"),
        ({"preferred_username": "Mario Rossi <mario@comune.it>"}, "username"),
        ({"ambito_ruolo": None}, "role"),
        ({"ambito_ruolo": "superuser"}, "role"),
        ({"ambito_ruolo": "client"}, "role"),
        ({"ambito_ruolo": "sistema"}, "role"),
        ({"ambito_ruolo": ["operatore"]}, "role"),
        ({"ambito_comuni": ["E094", "F205"]}, "comuni"),  # Milano: not of this district
        ({"ambito_comuni": ["non-un-codice"]}, "comuni"),
        ({"ambito_comuni": 94}, "comuni"),
        ({"ambito_comuni": [None]}, "comuni"),
        ({"ambito_comuni": None}, "comuni"),  # an operatore needs a comune
        ({"ambito_aree": ["XYZ"]}, "aree"),
        ({"ambito_aree": ["TOT"]}, "aree"),
        ({"ambito_ruolo": "assistente_sociale", "ambito_aree": []}, "aree"),
        ({"ambito_codice_fiscale": "RSSMRA40A41E094X"}, "codice_fiscale"),  # wrong check char
        ({"ambito_codice_fiscale": 123}, "codice_fiscale"),
    ],
)
def test_a_token_with_an_invalid_claim_is_refused(
    provider: Provider, verifier: OidcVerifier, overrides: dict[str, Any], reason: str
) -> None:
    token = provider.sign(provider.claims(**overrides))
    assert _refused(verifier, token) == reason


def test_a_locally_disabled_account_refuses_the_token(
    provider: Provider, verifier: OidcVerifier
) -> None:
    def account(active: bool) -> User:
        return User("mario.operatore", "operatore", CF, "Mario", ("E094",), (), active, False)

    token = provider.sign(provider.claims())
    with pytest.raises(InvalidToken, match="disabled"):
        verifier.verify(token, DISTRICT, lambda name: account(False))
    principal = verifier.verify(token, DISTRICT, lambda name: account(True))
    assert principal.subject == "mario.operatore"


# -- keys and settings ----------------------------------------------------------------------


def test_a_rotated_jwks_file_is_read_again(provider: Provider, tmp_path: Path) -> None:
    path = provider.write_jwks(tmp_path / "jwks.json")
    verifier = OidcVerifier(OidcConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=path))
    rotated = Provider(keys={})
    rotated.keys.clear()
    rotated.add_key("key-2027", "RS256")
    token = rotated.sign(rotated.claims(), "key-2027")
    assert _refused(verifier, token) == "PyJWKError"
    document = provider.jwks()
    document["keys"] += rotated.jwks()["keys"]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert verifier.verify(token, DISTRICT).subject == "mario.operatore"


def test_unverified_issuer_reads_iss_only(provider: Provider) -> None:
    assert unverified_issuer(provider.sign(provider.claims())) == ISSUER
    assert unverified_issuer(provider.sign(provider.claims(iss=None))) is None
    assert unverified_issuer("garbage") is None


def _settings(tmp_path: Path, **oidc: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", key_dir=tmp_path / "keys", **oidc)


def test_settings_without_an_issuer_configure_no_provider(tmp_path: Path) -> None:
    assert verifier_from_settings(_settings(tmp_path)) is None


def test_settings_from_the_environment_build_the_verifier(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = provider.write_jwks(tmp_path / "jwks.json")
    monkeypatch.setenv("AMBITO_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("AMBITO_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("AMBITO_OIDC_JWKS_FILE", str(path))
    monkeypatch.setenv("AMBITO_OIDC_ALGORITHMS", "ES256, EdDSA")
    monkeypatch.setenv("AMBITO_OIDC_CLAIM_ROLE", "ruolo")
    settings = _settings(tmp_path)
    assert settings.oidc_algorithms == ("ES256", "EdDSA")
    verifier = verifier_from_settings(settings)
    assert verifier is not None
    claims = provider.claims(ambito_ruolo=None, ruolo="operatore")
    assert verifier.verify(provider.sign(claims, "key-es256"), DISTRICT).role == "operatore"
    assert _refused(verifier, provider.sign(claims, "key-rs256")) == "alg"


@pytest.mark.parametrize(
    ("oidc", "message"),
    [
        ({"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE}, "exactly one of"),
        (
            {
                "oidc_issuer": ISSUER,
                "oidc_audience": AUDIENCE,
                "oidc_jwks_url": "https://idp.example/certs",
                "oidc_jwks_file": "jwks.json",
            },
            "exactly one of",
        ),
        ({"oidc_issuer": ISSUER, "oidc_jwks_file": "jwks.json"}, "AMBITO_OIDC_AUDIENCE"),
        ({"oidc_jwks_url": "https://idp.example/certs"}, "AMBITO_OIDC_ISSUER is required"),
        (
            {"oidc_issuer": "ambito", "oidc_audience": AUDIENCE, "oidc_jwks_file": "j.json"},
            "Ambito's own issuer",
        ),
        (
            {
                "oidc_issuer": ISSUER,
                "oidc_audience": AUDIENCE,
                "oidc_jwks_url": "http://idp.example/certs",
            },
            "must be https",
        ),
        (
            {
                "oidc_issuer": ISSUER,
                "oidc_audience": AUDIENCE,
                "oidc_jwks_file": "j.json",
                "oidc_algorithms": "RS256,none",
            },
            "public-key algorithms only",
        ),
        (
            {
                "oidc_issuer": ISSUER,
                "oidc_audience": AUDIENCE,
                "oidc_jwks_file": "j.json",
                "oidc_algorithms": "HS256",
            },
            "public-key algorithms only",
        ),
    ],
)
def test_a_half_configured_provider_stops_the_start(
    tmp_path: Path, oidc: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(tmp_path, **oidc)


def test_http_is_allowed_for_a_jwks_on_the_loopback_only(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url="http://127.0.0.1:8080/certs",
    )
    assert verifier_from_settings(settings) is not None  # nothing fetched at start


def test_a_broken_jwks_file_stops_the_start(tmp_path: Path) -> None:
    for content in ("{not json", '{"keys": []}', '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'):
        path = tmp_path / "jwks.json"
        path.write_text(content, encoding="utf-8")
        settings = _settings(
            tmp_path, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=path
        )
        with pytest.raises(ValueError, match="JWKS file unreadable"):
            verifier_from_settings(settings)
    with pytest.raises(ValidationError, match="AMBITO_OIDC_JWKS_FILE: no such file"):
        _settings(
            tmp_path,
            oidc_issuer=ISSUER,
            oidc_audience=AUDIENCE,
            oidc_jwks_file=tmp_path / "assente.json",
        )


def test_the_config_itself_refuses_symmetric_algorithms_and_two_key_sources(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="public-key algorithms only"):
        OidcConfig(ISSUER, AUDIENCE, jwks_file=tmp_path / "j.json", algorithms=("HS256",))
    with pytest.raises(ValueError, match="exactly one of"):
        OidcConfig(ISSUER, AUDIENCE, jwks_url="https://x/certs", jwks_file=tmp_path / "j.json")
