"""The demo district's identities and settings (design section 4; issue 3).

Every account here is a demo account with the password (or secret) "demo": it authenticates
only while the district's demo flag is on, so these credentials are harmless anywhere else.
Loading is idempotent: what already exists is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.identity.models import Role
from shared.identity.store import IdentityStore

DEMO_DISTRICT = "Ambito demo Martesana"
DEMO_PASSWORD = "demo"  # noqa: S105 - public by design: demo accounts work only in a demo district
DEMO_ACTOR = "demo"

DEMO_COMUNI: tuple[tuple[str, int], ...] = (
    # Belfiore code, inhabitants: rounded, of the order of ISTAT's recent figures
    ("E094", 20_700),  # Gorgonzola
    ("B292", 8_600),  # Bussero
    ("G965", 8_700),  # Pozzuolo Martesana
)
ALL_COMUNI = tuple(code for code, _ in DEMO_COMUNI)
ALL_AREE = ("FAM", "DIS", "ADD", "ELD", "IMMNOM", "POV", "MULBEN")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    nome: str
    codice_fiscale: str
    comuni: tuple[str, ...]
    aree: tuple[str, ...] = ()


# Fictitious people. Their codici fiscali were computed once with python-codicefiscale's
# codicefiscale.encode (the call is beside each) and are hard-coded, so that loading the demo
# never depends on the encoder's lookups.
DEMO_USERS: tuple[DemoUser, ...] = (
    # encode("Brambilla", "Laura", "F", "1988-05-14", "Gorgonzola")
    DemoUser("operatore", "operatore", "Laura Brambilla", "BRMLRA88E54E094X", ALL_COMUNI),
    # encode("Colombo", "Chiara", "F", "1982-09-23", "Milano")
    DemoUser(
        "as.minori",
        "assistente_sociale",
        "Chiara Colombo",
        "CLMCHR82P63F205A",
        ALL_COMUNI,
        ("FAM",),
    ),
    # encode("Ferrari", "Marco", "M", "1979-02-07", "Bussero")
    DemoUser(
        "as.anziani",
        "assistente_sociale",
        "Marco Ferrari",
        "FRRMRC79B07B292T",
        ALL_COMUNI,
        ("ELD", "DIS"),
    ),
    # encode("Riva", "Giulia", "F", "1985-03-12", "Gorgonzola")
    DemoUser(
        "as.adulti",
        "assistente_sociale",
        "Giulia Riva",
        "RVIGLI85C52E094Y",
        ALL_COMUNI,
        ("POV", "IMMNOM", "ADD"),
    ),
    # encode("Mauri", "Davide", "M", "1990-07-04", "Bussero")
    DemoUser("educatore", "educatore", "Davide Mauri", "MRADVD90L04B292C", ALL_COMUNI, ("FAM",)),
    # encode("Longhi", "Elena", "F", "1978-10-21", "Milano")
    DemoUser("psicologa", "psicologo", "Elena Longhi", "LNGLNE78R61F205Z", ALL_COMUNI, ("FAM",)),
    # encode("Sironi", "Luca", "M", "1983-12-02", "Milano")
    DemoUser("pedagogista", "pedagogista", "Luca Sironi", "SRNLCU83T02F205T", ALL_COMUNI, ("FAM",)),
    # encode("Galli", "Paola", "F", "1971-11-30", "Pozzuolo Martesana")
    DemoUser(
        "coordinatore", "coordinatore", "Paola Galli", "GLLPLA71S70G965D", ALL_COMUNI, ALL_AREE
    ),
    # encode("Villa", "Andrea", "M", "1975-06-18", "Cernusco sul Naviglio")
    DemoUser("ufficio.piano", "ufficio_di_piano", "Andrea Villa", "VLLNDR75H18C523P", ()),
    # encode("Sala", "Stefano", "M", "1980-01-25", "Milano")
    DemoUser("admin", "amministratore", "Stefano Sala", "SLASFN80A25F205W", ()),
    # encode("Fumagalli", "Roberta", "F", "1976-04-09", "Milano")
    DemoUser("dpo", "dpo", "Roberta Fumagalli", "FMGRRT76D49F205G", ()),
)

DEMO_CLIENT_ID = "inps"
DEMO_CLIENT_SCOPES = ("siuss",)

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (user.username, DEMO_PASSWORD, user.role) for user in DEMO_USERS
]
"""(username, password, role) of every demo user, for printing."""
DEMO_CLIENTS: list[tuple[str, str, tuple[str, ...]]] = [
    (DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_CLIENT_SCOPES)
]
"""(client id, secret, scopes) of every demo integration client, for printing."""


def load_demo_identity(store: IdentityStore) -> None:
    """Makes ``store`` the demo district. Raises IdentityError (field ``demo``) on a store
    that already holds real accounts: a working district never becomes a demo."""
    store.set_demo(True, actor=DEMO_ACTOR)
    district = store.district()
    if district.nome != DEMO_DISTRICT:
        store.set_district_name(DEMO_DISTRICT, actor=DEMO_ACTOR)
    for belfiore, abitanti in DEMO_COMUNI:
        if district.comune(belfiore) is None:
            store.add_comune(belfiore, abitanti, actor=DEMO_ACTOR)
    for user in DEMO_USERS:
        if store.get_user(user.username) is None:
            store.add_user(
                user.username,
                DEMO_PASSWORD,
                role=user.role,
                codice_fiscale=user.codice_fiscale,
                nome=user.nome,
                comuni=user.comuni,
                aree=user.aree,
                demo=True,
                actor=DEMO_ACTOR,
            )
    if store.get_client(DEMO_CLIENT_ID) is None:
        store.add_client(
            DEMO_CLIENT_ID,
            DEMO_PASSWORD,
            nome="INPS (SIUSS)",
            scopes=DEMO_CLIENT_SCOPES,
            demo=True,
            actor=DEMO_ACTOR,
        )
