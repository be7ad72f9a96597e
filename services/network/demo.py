"""The demo district's territorial network: resources, collaborations, meetings and checks.

A plausible network for the Ambito demo Martesana (Gorgonzola, Bussero, Pozzuolo Martesana),
recorded through the real service layer as the demo user of the Ufficio di piano. Names,
numbers and addresses are fictitious; the public bodies are the ones such a district works
with. Contacts are offices', never a person's.

The sequence of commands is fixed (only its dates move with today), each command records
exactly one event, and resources have fixed ids, so that an interrupted run is finished by
skipping as many commands as the ledger holds events (``already``).

The story the data tells: the directory was imported about two years ago and reviewed in
the last year, except four resources still awaiting their yearly review; an association of
Bussero closed and was dismissed after its collaboration ended; no resource serves the
immigrant area (IMMNOM) in Bussero, a gap the map shows against the requests received there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID, uuid5

from services.network.application import Atto, NetworkApplication
from services.network.domain import DatiRisorsa
from shared.auth.principal import Principal
from shared.auth.richiesta import Richiesta
from shared.events import network as network_events
from shared.events.network import Contatti, ServizioDistretto, TipoRisorsa
from shared.identity.demo import ALL_AREE

DEMO_NETWORK_NAMESPACE = UUID("0da2f7b5-1f9d-4bfc-8f31-b22a72b2748d")
"""Namespace of the demo resources' ids (uuid5 of their slug)."""

DEMO_NETWORK_USER = "ufficio.piano"

GORGONZOLA = "E094"
BUSSERO = "B292"
POZZUOLO = "G965"
TUTTI = [GORGONZOLA, BUSSERO, POZZUOLO]

SEGRETARIATO: ServizioDistretto = "segretariato_sociale"
SERVIZIO_SOCIALE: ServizioDistretto = "servizio_sociale_professionale"

TipoCollaborazione = Literal["protocollo_intesa", "convenzione", "accordo_informale"]
Esito = Literal["conforme", "conforme_con_rilievi", "non_conforme"]


def risorsa_id(slug: str) -> UUID:
    """The fixed id of a demo resource."""
    return uuid5(DEMO_NETWORK_NAMESPACE, slug)


def _triennio(anno: int) -> str:
    return f"{anno}-{anno + 2}"


# -- the resources ---------------------------------------------------------------------


@dataclass(frozen=True)
class RisorsaDemo:
    slug: str
    censita: int
    """Days ago the resource entered the directory."""
    dati: DatiRisorsa


def _risorsa(
    slug: str,
    censita: int,
    nome: str,
    tipo: TipoRisorsa,
    comuni: list[str],
    aree: list[str],
    *,
    descrizione: str | None = None,
    prestazioni: Sequence[str] = (),
    servizi: Sequence[str] = (),
    telefono: str | None = None,
    email: str | None = None,
    indirizzo: str | None = None,
    sito: str | None = None,
    orari: str | None = None,
    capacita: int | None = None,
    lista_attesa: int | None = None,
    accreditamento: str | None = None,
) -> RisorsaDemo:
    return RisorsaDemo(
        slug,
        censita,
        DatiRisorsa(
            nome=nome,
            tipo=tipo,
            comuni=list(comuni),
            aree=list(aree),
            descrizione=descrizione,
            prestazioni=list(prestazioni),
            servizi=list(servizi),
            contatti=Contatti(telefono=telefono, email=email, indirizzo=indirizzo, sito=sito),
            orari=orari,
            capacita=capacita,
            lista_attesa=lista_attesa,
            accreditamento=accreditamento,
        ),
    )


def demo_resources(oggi: date) -> list[RisorsaDemo]:
    """The resources, in census order. Whatever serves Bussero serves neither IMMNOM nor
    MULBEN (every area): the gap of the demo map."""
    anno_contratti = (oggi - timedelta(days=620)).year
    return [
        # servizi comunali
        _risorsa(
            "servizi-sociali-gorgonzola",
            700,
            "Servizi sociali del Comune di Gorgonzola",
            "servizio_comunale",
            [GORGONZOLA],
            ["MULBEN"],
            descrizione="Segretariato sociale e servizio sociale professionale del comune "
            "capofila; sportello unico per contributi, casa e orientamento.",
            prestazioni=["A1.04", "A1.05", "A1.06", "A1.09"],
            servizi=["Segretariato sociale", "Contributi economici", "Sportello casa"],
            telefono="02 95301231",
            email="servizi.sociali@comune.gorgonzola.mi.it",
            indirizzo="Via Italia 62, Gorgonzola",
            sito="https://www.comune.gorgonzola.mi.it",
            orari="Lunedì, mercoledì e venerdì 9:00-12:30; giovedì 14:30-17:30",
        ),
        _risorsa(
            "servizi-sociali-bussero",
            700,
            "Servizi sociali del Comune di Bussero",
            "servizio_comunale",
            [BUSSERO],
            ["FAM", "DIS", "ELD", "POV", "ADD"],
            descrizione="Ufficio servizi sociali comunale: minori e famiglie, anziani, "
            "disabilità, sostegno al reddito.",
            prestazioni=["A1.04", "A1.06", "A1.09", "A2.12"],
            servizi=["Segretariato sociale", "Contributi economici", "Mensa scolastica"],
            telefono="02 95331420",
            email="servizisociali@comune.bussero.mi.it",
            indirizzo="Piazza Diritti dei Bambini 1, Bussero",
            orari="Martedì e giovedì 9:00-12:00; mercoledì 15:00-17:30",
        ),
        _risorsa(
            "servizi-sociali-pozzuolo",
            700,
            "Servizi sociali del Comune di Pozzuolo Martesana",
            "servizio_comunale",
            [POZZUOLO],
            ["MULBEN"],
            descrizione="Servizio sociale comunale per tutte le aree di utenza.",
            prestazioni=["A1.04", "A1.05", "A1.11"],
            servizi=["Segretariato sociale", "Contributi economici", "Pasti a domicilio"],
            telefono="02 95358212",
            email="servizi.sociali@comune.pozzuolomartesana.mi.it",
            indirizzo="Via Martiri della Libertà 11, Pozzuolo Martesana",
            orari="Lunedì e venerdì 9:00-12:30; mercoledì 14:00-17:00",
        ),
        _risorsa(
            "asilo-nido-gorgonzola",
            690,
            "Asilo nido comunale «Il Girotondo» di Gorgonzola",
            "servizio_comunale",
            [GORGONZOLA],
            ["FAM"],
            descrizione="Nido per bambini da 3 a 36 mesi, tempo pieno e part time; rette "
            "agevolate su ISEE.",
            prestazioni=["A3.03", "A1.07"],
            servizi=["Nido tempo pieno", "Nido part time", "Spazio gioco genitori-bambini"],
            telefono="02 95301470",
            email="nido@comune.gorgonzola.mi.it",
            indirizzo="Via Manzoni 8, Gorgonzola",
            orari="Da lunedì a venerdì 7:30-18:00, settembre-luglio",
            capacita=48,
            lista_attesa=9,
        ),
        _risorsa(
            "sad-bussero",
            690,
            "Servizio di assistenza domiciliare (SAD) del Comune di Bussero",
            "servizio_comunale",
            [BUSSERO],
            ["ELD", "DIS"],
            descrizione="Assistenza domiciliare socio-assistenziale gestita in economia dal "
            "comune, con pasti a domicilio e telesoccorso.",
            prestazioni=["A2.07"],
            servizi=["Igiene personale", "Pasti a domicilio", "Telesoccorso"],
            telefono="02 95331425",
            email="sad@comune.bussero.mi.it",
            indirizzo="Piazza Diritti dei Bambini 1, Bussero",
            orari="Interventi da lunedì a sabato 7:30-19:00",
            capacita=35,
        ),
        # ASST (Azienda socio-sanitaria territoriale)
        _risorsa(
            "consultorio-gorgonzola",
            700,
            "Consultorio familiare di Gorgonzola – ASST Melegnano e della Martesana",
            "servizio_asl",
            TUTTI,
            ["FAM"],
            descrizione="Consulenza psicologica e sociale a coppie, famiglie e adolescenti; "
            "percorso nascita; indagini psicosociali per l'autorità giudiziaria.",
            servizi=["Spazio giovani", "Percorso nascita", "Mediazione familiare"],
            telefono="02 92654310",
            email="consultorio.gorgonzola@asst-melegnano-martesana.it",
            indirizzo="Via Bellini 5, Gorgonzola",
            orari="Da lunedì a venerdì 8:30-16:00; spazio giovani martedì 14:00-18:00",
        ),
        _risorsa(
            "serd-gorgonzola",
            700,
            "SerD di Gorgonzola – Servizio per le dipendenze",
            "servizio_asl",
            TUTTI,
            ["ADD"],
            descrizione="Diagnosi e cura delle dipendenze da sostanze, alcol e gioco "
            "d'azzardo; programmi con le comunità terapeutiche.",
            servizi=["Alcologia", "Gioco d'azzardo patologico", "Terapie sostitutive"],
            telefono="02 92654380",
            email="serd.gorgonzola@asst-melegnano-martesana.it",
            indirizzo="Via Bellini 5, Gorgonzola",
            orari="Da lunedì a venerdì 8:00-15:30; giovedì fino alle 18:00",
        ),
        _risorsa(
            "cps-gorgonzola",
            700,
            "Centro psico-sociale (CPS) di Gorgonzola – UOC Psichiatria",
            "servizio_asl",
            TUTTI,
            ["POV", "DIS"],
            descrizione="Presa in carico territoriale dei disturbi psichiatrici dell'adulto; "
            "progetti di residenzialità leggera.",
            servizi=["Visite psichiatriche", "Psicoterapia", "Residenzialità leggera"],
            telefono="02 92654350",
            email="cps.gorgonzola@asst-melegnano-martesana.it",
            indirizzo="Via Bellini 5, Gorgonzola",
            orari="Da lunedì a venerdì 8:30-17:00",
        ),
        _risorsa(
            "npia-gorgonzola",
            700,
            "UONPIA – Polo territoriale di neuropsichiatria infantile di Gorgonzola",
            "servizio_asl",
            TUTTI,
            ["FAM", "DIS"],
            descrizione="Valutazione e riabilitazione dei disturbi neurologici, psichici e "
            "dello sviluppo da 0 a 18 anni; certificazioni per l'inclusione scolastica.",
            servizi=["Valutazioni diagnostiche", "Logopedia", "Psicomotricità"],
            telefono="02 92654390",
            email="npia.gorgonzola@asst-melegnano-martesana.it",
            indirizzo="Via Matteotti 30, Gorgonzola",
            orari="Da lunedì a venerdì 8:30-16:30",
            lista_attesa=46,
        ),
        _risorsa(
            "adi-martesana",
            695,
            "Assistenza domiciliare integrata (ADI) – Distretto Martesana",
            "servizio_asl",
            TUTTI,
            ["ELD", "DIS"],
            descrizione="Cure domiciliari sanitarie e socio-sanitarie; valutazione "
            "multidimensionale per le misure regionali B1 e B2.",
            prestazioni=["A2.08"],
            servizi=["Cure domiciliari", "Valutazione multidimensionale", "Dimissioni protette"],
            telefono="02 92654330",
            email="cure.domiciliari.martesana@asst-melegnano-martesana.it",
            indirizzo="Via Matteotti 30, Gorgonzola",
            orari="Centrale operativa da lunedì a venerdì 8:30-15:30",
        ),
        _risorsa(
            "protezione-giuridica",
            695,
            "Ufficio protezione giuridica – ASST Melegnano e della Martesana",
            "servizio_asl",
            TUTTI,
            ["ELD", "DIS"],
            descrizione="Informazione e supporto per ricorsi di amministrazione di sostegno; "
            "elenco degli amministratori volontari.",
            servizi=["Sportello amministrazione di sostegno", "Supporto ai ricorsi"],
            telefono="02 92654370",
            email="protezione.giuridica@asst-melegnano-martesana.it",
            indirizzo="Via Matteotti 30, Gorgonzola",
            orari="Martedì 9:00-12:00 e giovedì 14:00-16:00, su appuntamento",
        ),
        # autorità giudiziaria, forze dell'ordine, enti pubblici
        _risorsa(
            "tribunale-minorenni",
            680,
            "Tribunale per i minorenni di Milano",
            "autorita_giudiziaria",
            TUTTI,
            ["FAM"],
            descrizione="Procedimenti di tutela dei minori, adottabilità e affidi; riceve "
            "le relazioni del servizio sociale.",
            telefono="02 54333111",
            email="tribmin.milano@giustizia.it",
            indirizzo="Via Leopardi 18, Milano",
            orari="Cancelleria civile da lunedì a venerdì 9:00-12:00",
        ),
        _risorsa(
            "procura-minorenni",
            680,
            "Procura della Repubblica presso il Tribunale per i minorenni di Milano",
            "autorita_giudiziaria",
            TUTTI,
            ["FAM"],
            descrizione="Riceve le segnalazioni di pregiudizio per i minori dai servizi e "
            "dalle scuole.",
            telefono="02 54333200",
            email="prot.procmin.milano@giustizia.it",
            indirizzo="Via Leopardi 18, Milano",
        ),
        _risorsa(
            "giudice-tutelare",
            680,
            "Tribunale di Milano – Ufficio del giudice tutelare",
            "autorita_giudiziaria",
            TUTTI,
            ["ELD", "DIS"],
            descrizione="Amministrazioni di sostegno, tutele e curatele.",
            telefono="02 54334100",
            email="giudicetutelare.tribunale.milano@giustizia.it",
            indirizzo="Via San Barnaba 50, Milano",
            orari="Cancelleria da lunedì a venerdì 9:00-12:30",
        ),
        _risorsa(
            "carabinieri-gorgonzola",
            680,
            "Carabinieri – Stazione di Gorgonzola",
            "forze_ordine",
            TUTTI,
            ["FAM", "ELD", "ADD"],
            descrizione="Competente su Gorgonzola, Bussero e Pozzuolo Martesana; referente "
            "per la rete antiviolenza.",
            telefono="02 9513021",
            email="stmi521300@carabinieri.it",
            indirizzo="Via Serbelloni 14, Gorgonzola",
            orari="Sempre attivo; ricezione denunce 8:00-20:00",
        ),
        _risorsa(
            "polizia-locale-gorgonzola",
            680,
            "Polizia locale di Gorgonzola",
            "forze_ordine",
            [GORGONZOLA],
            ["MULBEN"],
            descrizione="Nucleo di prossimità: accertamenti di residenza, sgomberi, "
            "supporto agli interventi urgenti del servizio sociale.",
            telefono="02 95301300",
            email="polizia.locale@comune.gorgonzola.mi.it",
            indirizzo="Via Italia 62, Gorgonzola",
            orari="Da lunedì a sabato 7:30-19:30",
        ),
        _risorsa(
            "inps-gorgonzola",
            675,
            "INPS – Agenzia territoriale di Gorgonzola",
            "ente_pubblico",
            TUTTI,
            ["ELD", "DIS", "POV"],
            descrizione="Pensioni, invalidità civile, Assegno di inclusione e Supporto per la "
            "formazione e il lavoro.",
            telefono="02 95341800",
            email="agenzia.gorgonzola@inps.it",
            indirizzo="Via Milano 41, Gorgonzola",
            orari="Da lunedì a venerdì 8:30-12:30",
        ),
        _risorsa(
            "cpi-melzo",
            675,
            "Centro per l'impiego di Melzo – AFOL Metropolitana",
            "ente_pubblico",
            TUTTI,
            ["POV", "DIS"],
            descrizione="Patti per il lavoro, collocamento mirato (L. 68/1999), tirocini.",
            servizi=["Patto di servizio", "Collocamento mirato", "Tirocini extracurricolari"],
            telefono="02 95731200",
            email="cpi.melzo@afolmet.it",
            indirizzo="Via Bianchi 9, Melzo",
            orari="Da lunedì a giovedì 9:00-12:30; martedì 14:00-16:00",
        ),
        _risorsa(
            "aler-martesana",
            675,
            "ALER Milano – Sportello inquilini Martesana",
            "ente_pubblico",
            TUTTI,
            ["POV", "ELD"],
            descrizione="Alloggi SAP: morosità incolpevole, cambi alloggio, manutenzioni.",
            telefono="02 95372640",
            email="sportello.martesana@aler.mi.it",
            indirizzo="Via Carlo Alberto 19, Gorgonzola",
            orari="Mercoledì 9:00-12:00, su appuntamento",
        ),
        # scuole
        _risorsa(
            "ic-gorgonzola",
            660,
            "Istituto comprensivo «Leonardo da Vinci» di Gorgonzola",
            "scuola",
            [GORGONZOLA],
            ["FAM", "DIS"],
            descrizione="Infanzia, primaria e secondaria di primo grado; referente per "
            "inclusione e dispersione scolastica.",
            telefono="02 95301650",
            email="miic8ah00g@istruzione.it",
            indirizzo="Via Roma 21, Gorgonzola",
            orari="Segreteria da lunedì a venerdì 8:00-9:30 e 12:00-13:30",
        ),
        _risorsa(
            "ic-bussero",
            660,
            "Istituto comprensivo «Don Lorenzo Milani» di Bussero",
            "scuola",
            [BUSSERO],
            ["FAM", "DIS"],
            descrizione="Infanzia, primaria e secondaria di primo grado di Bussero.",
            telefono="02 95331700",
            email="miic8bc00r@istruzione.it",
            indirizzo="Via Europa 3, Bussero",
            orari="Segreteria da lunedì a venerdì 8:00-10:00",
        ),
        _risorsa(
            "ic-pozzuolo",
            660,
            "Istituto comprensivo «Rita Levi-Montalcini» di Pozzuolo Martesana",
            "scuola",
            [POZZUOLO],
            ["FAM", "DIS"],
            descrizione="Infanzia, primaria e secondaria di primo grado di Pozzuolo e Trecella.",
            telefono="02 95358600",
            email="miic8de00x@istruzione.it",
            indirizzo="Via Monte Grappa 10, Pozzuolo Martesana",
            orari="Segreteria da lunedì a sabato 8:00-10:00",
        ),
        _risorsa(
            "cfp-martesana",
            655,
            "CFP Martesana – Centro di formazione professionale",
            "scuola",
            TUTTI,
            ["FAM", "DIS", "POV"],
            descrizione="Percorsi triennali IeFP, corsi per adulti disoccupati, percorsi "
            "personalizzati per allievi con disabilità.",
            servizi=["Operatore della ristorazione", "Operatore meccanico", "Corsi per adulti"],
            telefono="02 95304420",
            email="segreteria@cfpmartesana.it",
            indirizzo="Via per Cassano 12, Gorgonzola",
            orari="Segreteria da lunedì a venerdì 8:30-16:30",
        ),
        # cooperative sociali (fornitori accreditati o convenzionati)
        _risorsa(
            "coop-il-naviglio-sad",
            620,
            "Cooperativa sociale Il Naviglio – Assistenza domiciliare",
            "cooperativa_sociale",
            [GORGONZOLA, POZZUOLO],
            ["ELD", "DIS"],
            descrizione="Ente accreditato per il SAD e i voucher di assistenza domiciliare "
            "dell'Ambito.",
            prestazioni=["A2.07"],
            servizi=["Assistenza domiciliare", "Igiene personale", "Custode sociale"],
            telefono="02 95302218",
            email="sad@coopilnaviglio.it",
            indirizzo="Via Buonarroti 4, Gorgonzola",
            orari="Ufficio da lunedì a venerdì 8:30-13:00; interventi 7:00-20:00",
            accreditamento="Accreditamento regionale e contratto di servizio con l'Ambito "
            + _triennio(anno_contratti),
        ),
        _risorsa(
            "cdd-aquilone",
            620,
            "Centro diurno disabili «L'Aquilone» – Coop. sociale Martesana Solidale",
            "cooperativa_sociale",
            TUTTI,
            ["DIS"],
            descrizione="Centro diurno per persone con disabilità grave dai 18 anni; "
            "trasporto dal domicilio.",
            prestazioni=["A3.01", "A1.12"],
            servizi=["Laboratori", "Trasporto", "Progetti di sollievo"],
            telefono="02 95339012",
            email="cdd.aquilone@martesanasolidale.it",
            indirizzo="Via Verdi 27, Bussero",
            orari="Da lunedì a venerdì 9:00-16:00",
            capacita=30,
            lista_attesa=4,
            accreditamento="Accreditamento regionale, contratto ATS e convenzione con "
            "l'Ambito " + _triennio(anno_contratti),
        ),
        _risorsa(
            "comunita-casa-ponte",
            620,
            "Comunità educativa per minori «Casa Ponte» – Coop. sociale La Ringhiera",
            "cooperativa_sociale",
            TUTTI,
            ["FAM"],
            descrizione="Comunità educativa residenziale per preadolescenti e adolescenti "
            "allontanati dalla famiglia con provvedimento del Tribunale per i minorenni.",
            prestazioni=["A3.02", "A1.14"],
            servizi=["Accoglienza residenziale", "Pronto intervento", "Autonomia"],
            telefono="02 95306655",
            email="casaponte@laringhiera.org",
            indirizzo="Via Restelli 3, Gorgonzola",
            capacita=8,
            lista_attesa=2,
            accreditamento="Accreditamento regionale e convenzione con l'Ambito per le "
            "rette " + _triennio(anno_contratti),
        ),
        _risorsa(
            "coop-lavoro-dignita",
            615,
            "Cooperativa sociale di tipo B «Lavoro & Dignità»",
            "cooperativa_sociale",
            TUTTI,
            ["DIS", "POV", "ADD"],
            descrizione="Inserimento lavorativo di persone svantaggiate in manutenzione del "
            "verde, pulizie e logistica.",
            prestazioni=["A2.09", "A1.18"],
            servizi=["Tirocini di inclusione", "Borse lavoro", "Manutenzione del verde"],
            telefono="02 95356610",
            email="info@lavoroedignita.coop",
            indirizzo="Via dell'Artigianato 6, Pozzuolo Martesana",
            orari="Da lunedì a venerdì 8:00-17:00",
            accreditamento="Convenzione ex art. 5 L. 381/1991 con l'Ambito "
            + _triennio(anno_contratti),
        ),
        _risorsa(
            "coop-contatto-adm",
            615,
            "Cooperativa sociale Contatto – Assistenza domiciliare minori",
            "cooperativa_sociale",
            TUTTI,
            ["FAM"],
            descrizione="Educativa domiciliare (ADM), incontri protetti e spazio neutro su "
            "mandato del servizio tutela minori.",
            prestazioni=["A2.02"],
            servizi=["Educativa domiciliare", "Incontri protetti", "Spazio neutro"],
            telefono="02 95307781",
            email="adm@coopcontatto.it",
            indirizzo="Via Milano 88, Gorgonzola",
            orari="Ufficio da lunedì a venerdì 9:00-13:00",
            accreditamento="Accreditamento ADM dell'Ambito e contratto di servizio "
            + _triennio(anno_contratti),
        ),
        # associazioni
        _risorsa(
            "caritas-gorgonzola",
            600,
            "Caritas – Centro di ascolto interparrocchiale di Gorgonzola",
            "associazione",
            [GORGONZOLA],
            ["POV", "IMMNOM"],
            descrizione="Ascolto, distribuzione di pacchi viveri e vestiario, piccoli aiuti "
            "per utenze e affitto.",
            servizi=["Centro di ascolto", "Pacchi viveri", "Guardaroba"],
            telefono="02 95304001",
            email="cda.gorgonzola@caritasambrosiana.it",
            indirizzo="Via Serbelloni 2, Gorgonzola",
            orari="Martedì e sabato 9:30-11:30",
        ),
        _risorsa(
            "auser-martesana",
            600,
            "Auser Martesana – Filo d'Argento",
            "associazione",
            TUTTI,
            ["ELD", "DIS"],
            descrizione="Volontariato per anziani soli: compagnia telefonica, "
            "accompagnamenti a visite mediche.",
            servizi=["Compagnia telefonica", "Accompagnamenti"],
            telefono="02 95305090",
            email="auser.martesana@auser.lombardia.it",
            indirizzo="Piazza Cagnola 4, Gorgonzola",
            orari="Da lunedì a venerdì 9:00-12:00",
        ),
        _risorsa(
            "acli-pozzuolo",
            600,
            "ACLI – Circolo e patronato di Pozzuolo Martesana",
            "associazione",
            [POZZUOLO, GORGONZOLA],
            ["ELD", "POV", "IMMNOM"],
            descrizione="Patronato: pensioni, invalidità, permessi di soggiorno e "
            "ricongiungimenti; CAF per ISEE.",
            servizi=["Patronato", "CAF e ISEE", "Pratiche di soggiorno"],
            telefono="02 95356120",
            email="pozzuolo@aclimilano.it",
            indirizzo="Via Roma 5, Pozzuolo Martesana",
            orari="Lunedì e giovedì 15:00-18:30",
        ),
        _risorsa(
            "banco-pane-condiviso",
            600,
            "Banco di solidarietà alimentare «Pane Condiviso»",
            "associazione",
            TUTTI,
            ["POV"],
            descrizione="Raccolta e distribuzione mensile di generi alimentari alle famiglie "
            "segnalate dai servizi sociali.",
            servizi=["Distribuzione alimentare mensile", "Raccolta alimentare"],
            telefono="02 95332290",
            email="info@panecondiviso.org",
            indirizzo="Via Gramsci 15, Bussero",
            orari="Distribuzione il primo sabato del mese 9:00-12:00",
        ),
        _risorsa(
            "famiglie-insieme",
            600,
            "Associazione famiglie con disabili «Insieme si può»",
            "associazione",
            TUTTI,
            ["DIS"],
            descrizione="Auto-organizzazione delle famiglie: tempo libero, weekend di "
            "sollievo, informazione sui diritti.",
            servizi=["Tempo libero", "Weekend di sollievo", "Sportello diritti"],
            telefono="02 95338840",
            email="segreteria@insiemesipuo-martesana.it",
            indirizzo="Via Verdi 27, Bussero",
            orari="Sportello mercoledì 17:00-19:00",
        ),
        _risorsa(
            "cav-donne-in-rete",
            600,
            "Centro antiviolenza «Donne in Rete Martesana»",
            "associazione",
            TUTTI,
            ["FAM"],
            descrizione="Accoglienza, consulenza legale e psicologica a donne vittime di "
            "violenza; case rifugio in rete regionale.",
            servizi=["Accoglienza telefonica", "Consulenza legale", "Casa rifugio"],
            telefono="02 95309900",
            email="accoglienza@donneinretemartesana.it",
            indirizzo="Via Mazzini 10, Gorgonzola",
            orari="Da lunedì a venerdì 9:30-17:30; reperibilità notturna tramite 1522",
            accreditamento="Convenzione con l'Ambito per la rete territoriale antiviolenza "
            + _triennio(anno_contratti),
        ),
        _risorsa(
            "melograno-doposcuola",
            600,
            "Associazione «Il Melograno» – Doposcuola di Bussero",
            "associazione",
            [BUSSERO],
            ["FAM"],
            descrizione="Doposcuola volontario per alunni della primaria e della secondaria "
            "con difficoltà di apprendimento.",
            servizi=["Doposcuola", "Aiuto compiti"],
            telefono="02 95330417",
            email="ilmelograno.bussero@gmail.com",
            indirizzo="Via Manzoni 2, Bussero",
            orari="Da lunedì a giovedì 14:30-17:00 durante l'anno scolastico",
        ),
        # gruppi di auto mutuo aiuto
        _risorsa(
            "aa-martesana",
            595,
            "Alcolisti Anonimi – Gruppo «Martesana»",
            "gruppo_auto_mutuo_aiuto",
            TUTTI,
            ["ADD"],
            descrizione="Gruppo di auto mutuo aiuto per persone con problemi di alcol; "
            "riunioni aperte il primo venerdì del mese.",
            telefono="02 95305551",
            email="martesana@alcolistianonimiitalia.it",
            indirizzo="Oratorio San Luigi, Via Serbelloni 4, Gorgonzola",
            orari="Martedì e venerdì 21:00",
        ),
        _risorsa(
            "caregiver-alzheimer",
            595,
            "Gruppo di auto mutuo aiuto per caregiver di persone con Alzheimer",
            "gruppo_auto_mutuo_aiuto",
            [GORGONZOLA, BUSSERO],
            ["ELD"],
            descrizione="Incontri quindicinali tra familiari con un facilitatore.",
            telefono="02 95305090",
            email="caregiver.martesana@auser.lombardia.it",
            indirizzo="Piazza Cagnola 4, Gorgonzola",
            orari="Un giovedì ogni due settimane, 17:30-19:00",
        ),
        # altro
        _risorsa(
            "oratorio-san-luigi",
            590,
            "Oratorio San Luigi – Comunità pastorale di Gorgonzola",
            "altro",
            [GORGONZOLA],
            ["FAM"],
            descrizione="Oratorio estivo con posti riservati su segnalazione dei servizi, "
            "spazio compiti per adolescenti.",
            servizi=["Oratorio estivo", "Spazio compiti"],
            telefono="02 9513090",
            email="oratorio@parrocchiagorgonzola.it",
            indirizzo="Via Serbelloni 4, Gorgonzola",
            orari="Da lunedì a venerdì 16:00-19:00",
        ),
        _risorsa(
            "fondazione-comunita",
            590,
            "Fondazione della comunità Martesana – Fondo emergenze famiglie",
            "altro",
            TUTTI,
            ["POV", "FAM"],
            descrizione="Bandi e fondo di emergenza per famiglie in difficoltà temporanea, "
            "su segnalazione dei servizi sociali.",
            servizi=["Fondo emergenze", "Bandi per il terzo settore"],
            telefono="02 95302770",
            email="info@fondazionemartesana.it",
            indirizzo="Via Italia 40, Gorgonzola",
        ),
        # entered later
        _risorsa(
            "ponti-sportello-immigrazione",
            300,
            "Associazione «Ponti» – Sportello immigrazione",
            "associazione",
            [GORGONZOLA, POZZUOLO],
            ["IMMNOM"],
            descrizione="Orientamento su permessi di soggiorno, residenza, cittadinanza; "
            "corsi di italiano per adulti stranieri.",
            servizi=["Sportello immigrazione", "Corsi di italiano L2", "Mediazione culturale"],
            telefono="02 95303340",
            email="sportello@associazioneponti.org",
            indirizzo="Via Italia 40, Gorgonzola",
            orari="Mercoledì 15:00-18:00; sabato 9:30-12:00",
        ),
        _risorsa(
            "gruppo-genitori",
            150,
            "Gruppo genitori «Crescere insieme»",
            "gruppo_auto_mutuo_aiuto",
            TUTTI,
            ["FAM"],
            descrizione="Gruppo di auto mutuo aiuto per genitori di adolescenti, con il "
            "sostegno del consultorio.",
            telefono="02 92654310",
            email="crescereinsieme.martesana@gmail.com",
            indirizzo="Via Bellini 5, Gorgonzola",
            orari="Secondo lunedì del mese 20:45",
        ),
    ]


DUE_FOR_REVIEW = (
    "procura-minorenni",
    "banco-pane-condiviso",
    "caregiver-alzheimer",
    "fondazione-comunita",
)
"""Resources last confirmed more than 12 months ago: their yearly review is due."""

DISMISSED = "melograno-doposcuola"


# -- the commands ----------------------------------------------------------------------


@dataclass
class _Esecuzione:
    network: NetworkApplication
    richiesta: Richiesta
    collaborazioni: dict[str, UUID] = field(default_factory=dict)

    def collaborazione(self, chiave: str, oggetto: str) -> UUID:
        """The collaboration started by this run, or by the interrupted one: found in the
        ledger by its subject."""
        if chiave in self.collaborazioni:
            return self.collaborazioni[chiave]
        recorder = self.network.ledger.recorder
        for notification in recorder.select_notifications(
            1, 100_000, topics=["CollaborazioneAvviata"]
        ):
            event = self.network.mapper.to_domain_event(notification)
            if isinstance(event, network_events.CollaborazioneAvviata) and event.oggetto == oggetto:
                return event.originator_id
        raise LookupError(f"collaborazione demo non trovata: {chiave}")


@dataclass(frozen=True)
class Comando:
    quando: datetime
    descrizione: str
    esegui: Callable[[_Esecuzione, Atto], object]


def _alle(oggi: date, giorni: int, ora: int) -> datetime:
    return datetime.combine(oggi - timedelta(days=giorni), time(ora), tzinfo=UTC)


def _censimento(risorsa: RisorsaDemo) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.censisci(
            risorsa.dati, run.richiesta, atto, risorsa_id=risorsa_id(risorsa.slug)
        )

    return esegui


def _conferma(slug: str, nota: str) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.conferma(risorsa_id(slug), nota, run.richiesta, atto)

    return esegui


def _aggiornamento(slug: str, changes: dict[str, Any]) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.aggiorna(risorsa_id(slug), changes, run.richiesta, atto)

    return esegui


def _dismissione(slug: str, motivo: str) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.dismetti(risorsa_id(slug), motivo, run.richiesta, atto)

    return esegui


def _avvio(
    chiave: str,
    parti: Sequence[str],
    servizi: Sequence[ServizioDistretto],
    tipo: TipoCollaborazione,
    oggetto: str,
    inizio: date,
) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        registrazione = run.network.avvia_collaborazione(
            [risorsa_id(slug) for slug in parti],
            servizi,
            tipo,
            oggetto,
            inizio,
            run.richiesta,
            atto,
        )
        run.collaborazioni[chiave] = registrazione.id
        return registrazione

    return esegui


def _conclusione(
    chiave: str, oggetto: str, fine: date, motivo: str
) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        collaborazione_id = run.collaborazione(chiave, oggetto)
        return run.network.concludi_collaborazione(
            collaborazione_id, fine, motivo, run.richiesta, atto
        )

    return esegui


def _incontro(
    data: date,
    partecipanti: Sequence[str],
    servizi: Sequence[ServizioDistretto],
    temi: list[str],
    decisioni: str,
) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.registra_incontro(
            data,
            [risorsa_id(slug) for slug in partecipanti],
            servizi,
            temi,
            decisioni,
            run.richiesta,
            atto,
        )

    return esegui


def _controllo(
    slug: str, data: date, rilievi: str, esito: Esito
) -> Callable[[_Esecuzione, Atto], object]:
    def esegui(run: _Esecuzione, atto: Atto) -> object:
        return run.network.registra_controllo(
            risorsa_id(slug), data, rilievi, esito, run.richiesta, atto
        )

    return esegui


CONFERME: tuple[tuple[str, int], ...] = (
    # (slug, days ago): the yearly review, by phone or e-mail with the resource
    ("servizi-sociali-gorgonzola", 330),
    ("servizi-sociali-pozzuolo", 328),
    ("consultorio-gorgonzola", 325),
    ("serd-gorgonzola", 323),
    ("npia-gorgonzola", 321),
    ("adi-martesana", 318),
    ("protezione-giuridica", 316),
    ("melograno-doposcuola", 314),
    ("tribunale-minorenni", 310),
    ("giudice-tutelare", 308),
    ("carabinieri-gorgonzola", 305),
    ("polizia-locale-gorgonzola", 303),
    ("cpi-melzo", 296),
    ("aler-martesana", 290),
    ("ic-gorgonzola", 270),
    ("ic-bussero", 268),
    ("ic-pozzuolo", 266),
    ("cfp-martesana", 262),
    ("coop-il-naviglio-sad", 240),
    ("coop-lavoro-dignita", 236),
    ("coop-contatto-adm", 234),
    ("caritas-gorgonzola", 226),
    ("acli-pozzuolo", 222),
    ("famiglie-insieme", 218),
    ("aa-martesana", 214),
    ("oratorio-san-luigi", 206),
    ("sad-bussero", 140),
    ("coop-il-naviglio-sad", 45),
)


def _aggiornamenti() -> tuple[tuple[str, int, dict[str, Any]], ...]:
    return (
        (
            "servizi-sociali-bussero",
            300,
            {"orari": "Lunedì e giovedì 9:00-12:30; mercoledì 15:00-18:00"},
        ),
        (
            "auser-martesana",
            280,
            {"servizi": ["Compagnia telefonica", "Accompagnamenti", "Trasporto sociale"]},
        ),
        ("comunita-casa-ponte", 250, {"capacita": 10, "lista_attesa": 3}),
        (
            "cps-gorgonzola",
            200,
            {
                "contatti": Contatti(
                    telefono="02 92654355",
                    email="cps.gorgonzola@asst-melegnano-martesana.it",
                    indirizzo="Via Matteotti 30, Gorgonzola",
                ),
                "descrizione": "Presa in carico territoriale dei disturbi psichiatrici "
                "dell'adulto; progetti di residenzialità leggera. Trasferito nella sede "
                "di via Matteotti insieme alla UONPIA.",
            },
        ),
        (
            "inps-gorgonzola",
            160,
            {"orari": "Da lunedì a venerdì 8:30-12:30, solo su appuntamento (contact center)"},
        ),
        ("cdd-aquilone", 120, {"lista_attesa": 6}),
        (
            "cav-donne-in-rete",
            100,
            {"orari": "Da lunedì a sabato 9:30-17:30; reperibilità notturna tramite 1522"},
        ),
        ("asilo-nido-gorgonzola", 80, {"lista_attesa": 14}),
        ("npia-gorgonzola", 35, {"lista_attesa": 38}),
    )


@dataclass(frozen=True)
class _Collaborazione:
    chiave: str
    giorni: int
    parti: tuple[str, ...]
    servizi: tuple[ServizioDistretto, ...]
    tipo: TipoCollaborazione
    oggetto: str


COLLABORAZIONI: tuple[_Collaborazione, ...] = (
    _Collaborazione(
        "doposcuola-bussero",
        560,
        ("melograno-doposcuola", "ic-bussero", "servizi-sociali-bussero"),
        (),
        "accordo_informale",
        "Doposcuola per gli alunni segnalati dalla scuola e dai servizi sociali di Bussero: "
        "posti riservati e raccordo mensile con gli insegnanti.",
    ),
    _Collaborazione(
        "scuola-servizi",
        540,
        (
            "npia-gorgonzola",
            "consultorio-gorgonzola",
            "ic-gorgonzola",
            "ic-bussero",
            "ic-pozzuolo",
        ),
        (SERVIZIO_SOCIALE,),
        "protocollo_intesa",
        "Protocollo d'intesa scuola-servizi per la rilevazione precoce del disagio, la "
        "dispersione scolastica e le segnalazioni di pregiudizio.",
    ),
    _Collaborazione(
        "rete-antiviolenza",
        500,
        (
            "cav-donne-in-rete",
            "carabinieri-gorgonzola",
            "polizia-locale-gorgonzola",
            "consultorio-gorgonzola",
        ),
        (SEGRETARIATO, SERVIZIO_SOCIALE),
        "protocollo_intesa",
        "Protocollo della rete territoriale antiviolenza: accoglienza, messa in protezione e "
        "percorsi di uscita dalla violenza per donne e minori.",
    ),
    _Collaborazione(
        "sad-accreditato",
        480,
        ("coop-il-naviglio-sad", "servizi-sociali-gorgonzola", "servizi-sociali-pozzuolo"),
        (SERVIZIO_SOCIALE,),
        "convenzione",
        "Contratto di servizio per l'assistenza domiciliare accreditata a Gorgonzola e "
        "Pozzuolo Martesana: attivazione su progetto del servizio sociale.",
    ),
    _Collaborazione(
        "inserimenti-lavorativi",
        450,
        ("coop-lavoro-dignita", "cpi-melzo", "cfp-martesana"),
        (SERVIZIO_SOCIALE,),
        "convenzione",
        "Convenzione per tirocini di inclusione e inserimenti lavorativi di persone "
        "svantaggiate (L. 381/1991), con orientamento del Centro per l'impiego.",
    ),
    _Collaborazione(
        "rete-alimentare",
        420,
        ("caritas-gorgonzola", "banco-pane-condiviso", "servizi-sociali-gorgonzola"),
        (SEGRETARIATO,),
        "accordo_informale",
        "Raccordo sulle distribuzioni alimentari: elenco condiviso delle famiglie seguite e "
        "invii reciproci tra centro di ascolto, banco e segretariato sociale.",
    ),
    _Collaborazione(
        "trasporto-sociale",
        380,
        ("auser-martesana", "servizi-sociali-bussero", "servizi-sociali-pozzuolo"),
        (),
        "convenzione",
        "Convenzione per il trasporto sociale di anziani e persone con disabilità verso "
        "visite, terapie e centri diurni.",
    ),
    _Collaborazione(
        "percorsi-dipendenze",
        350,
        ("serd-gorgonzola", "cps-gorgonzola", "aa-martesana"),
        (SERVIZIO_SOCIALE,),
        "protocollo_intesa",
        "Protocollo per percorsi integrati su dipendenze e salute mentale: valutazione "
        "congiunta, gruppi di auto aiuto, progetti di reinserimento.",
    ),
    _Collaborazione(
        "sportello-immigrazione",
        280,
        ("ponti-sportello-immigrazione", "acli-pozzuolo"),
        (SEGRETARIATO,),
        "accordo_informale",
        "Invii dal segretariato sociale allo sportello immigrazione e al patronato per "
        "permessi di soggiorno, residenza e ricongiungimenti (Gorgonzola e Pozzuolo).",
    ),
    _Collaborazione(
        "dimissioni-protette",
        260,
        ("adi-martesana", "coop-il-naviglio-sad", "protezione-giuridica"),
        (SERVIZIO_SOCIALE,),
        "protocollo_intesa",
        "Protocollo per le dimissioni protette dall'ospedale: valutazione multidimensionale, "
        "attivazione di ADI e SAD entro 72 ore, amministrazione di sostegno se serve.",
    ),
    _Collaborazione(
        "sollievo-disabili",
        200,
        ("cdd-aquilone", "famiglie-insieme"),
        (SERVIZIO_SOCIALE,),
        "convenzione",
        "Convenzione per weekend e periodi di sollievo alle famiglie di persone con "
        "disabilità grave, nelle sedi del centro diurno.",
    ),
)

_DOPOSCUOLA = COLLABORAZIONI[0]


def _incontri(oggi: date) -> list[tuple[int, Callable[[_Esecuzione, Atto], object]]]:
    """Network meetings, one a fortnight for the last three months (days ago, command)."""

    def giorno(giorni: int) -> date:
        return oggi - timedelta(days=giorni)

    return [
        (
            98,
            _incontro(
                giorno(98),
                [
                    "consultorio-gorgonzola",
                    "npia-gorgonzola",
                    "ic-gorgonzola",
                    "ic-bussero",
                    "ic-pozzuolo",
                    "coop-contatto-adm",
                ],
                [SERVIZIO_SOCIALE],
                ["Avvio dell'anno scolastico", "Segnalazioni di dispersione scolastica"],
                "Le scuole inviano entro ottobre l'elenco degli alunni con assenze ripetute; "
                "il servizio sociale fissa un colloquio con ogni famiglia entro 30 giorni.",
            ),
        ),
        (
            84,
            _incontro(
                giorno(84),
                [
                    "adi-martesana",
                    "coop-il-naviglio-sad",
                    "sad-bussero",
                    "auser-martesana",
                    "protezione-giuridica",
                ],
                [SERVIZIO_SOCIALE, SEGRETARIATO],
                ["Anziani soli nel periodo estivo", "Dimissioni protette"],
                "Bilancio del piano caldo: 41 anziani contattati. Si conferma la scheda "
                "unica di dimissione protetta; l'ADI avvisa il servizio sociale via PEC.",
            ),
        ),
        (
            70,
            _incontro(
                giorno(70),
                [
                    "caritas-gorgonzola",
                    "banco-pane-condiviso",
                    "acli-pozzuolo",
                    "fondazione-comunita",
                    "aler-martesana",
                    "inps-gorgonzola",
                ],
                [SEGRETARIATO],
                ["Povertà e sostegno al reddito", "Morosità incolpevole", "Assegno di inclusione"],
                "Si crea un elenco unico delle famiglie con aiuti alimentari. ALER segnala "
                "le morosità prima dello sfratto; il fondo emergenze copre fino a tre "
                "mensilità su proposta del servizio sociale.",
            ),
        ),
        (
            56,
            _incontro(
                giorno(56),
                [
                    "cav-donne-in-rete",
                    "carabinieri-gorgonzola",
                    "polizia-locale-gorgonzola",
                    "consultorio-gorgonzola",
                    "comunita-casa-ponte",
                ],
                [SERVIZIO_SOCIALE, SEGRETARIATO],
                ["Rete antiviolenza: casi dell'anno", "Collocamento in emergenza"],
                "Si aggiorna la procedura di messa in protezione notturna: reperibilità "
                "del servizio sociale tramite i Carabinieri, posto di pronto intervento "
                "presso la comunità.",
            ),
        ),
        (
            42,
            _incontro(
                giorno(42),
                ["serd-gorgonzola", "cps-gorgonzola", "aa-martesana", "coop-lavoro-dignita"],
                [SERVIZIO_SOCIALE],
                ["Dipendenze e reinserimento lavorativo", "Gioco d'azzardo"],
                "Due tirocini di inclusione riservati a persone in carico al SerD. Serata "
                "pubblica sul gioco d'azzardo a Bussero in primavera.",
            ),
        ),
        (
            28,
            _incontro(
                giorno(28),
                [
                    "ponti-sportello-immigrazione",
                    "acli-pozzuolo",
                    "caritas-gorgonzola",
                    "servizi-sociali-bussero",
                ],
                [SEGRETARIATO],
                ["Cittadini stranieri: orientamento", "Scoperture territoriali"],
                "Bussero non ha uno sportello per cittadini stranieri: si valuta con "
                "l'associazione Ponti un'apertura mensile presso il municipio di Bussero "
                "dal prossimo anno.",
            ),
        ),
        (
            14,
            _incontro(
                giorno(14),
                [
                    "cdd-aquilone",
                    "famiglie-insieme",
                    "npia-gorgonzola",
                    "cfp-martesana",
                    "coop-lavoro-dignita",
                ],
                [SERVIZIO_SOCIALE],
                ["Disabilità: passaggio alla maggiore età", "Liste d'attesa del CDD"],
                "Progetto ponte NPIA-servizi per adulti dai 16 anni; il CDD apre due posti "
                "part time; il CFP propone un percorso personalizzato per tre ragazzi.",
            ),
        ),
    ]


def _controlli(oggi: date) -> list[tuple[int, Callable[[_Esecuzione, Atto], object]]]:
    """Quality checks of accredited providers (days ago, command)."""

    def giorno(giorni: int) -> date:
        return oggi - timedelta(days=giorni)

    return [
        (
            150,
            _controllo(
                "coop-il-naviglio-sad",
                giorno(150),
                "Verifica documentale e visite a 5 utenti: piani individuali aggiornati, "
                "turni coperti, formazione degli operatori in regola.",
                "conforme",
            ),
        ),
        (
            130,
            _controllo(
                "cdd-aquilone",
                giorno(130),
                "Rapporto operatori-utenti rispettato; progetti individuali di 4 utenti non "
                "rivisti da oltre 12 mesi: da aggiornare entro 60 giorni.",
                "conforme_con_rilievi",
            ),
        ),
        (
            110,
            _controllo(
                "comunita-casa-ponte",
                giorno(110),
                "Visita in struttura: requisiti strutturali e di personale rispettati; "
                "progetti educativi condivisi con il servizio tutela.",
                "conforme",
            ),
        ),
        (
            90,
            _controllo(
                "coop-contatto-adm",
                giorno(90),
                "Interventi educativi rendicontati ma non svolti in 3 casi su 12; "
                "educatori senza titolo richiesto. Diffida e piano di adeguamento entro "
                "30 giorni.",
                "non_conforme",
            ),
        ),
        (
            60,
            _controllo(
                "coop-lavoro-dignita",
                giorno(60),
                "Quota di lavoratori svantaggiati oltre il 30%; relazioni sui tirocini "
                "consegnate in ritardo.",
                "conforme_con_rilievi",
            ),
        ),
    ]


def demo_network_commands(now: datetime | None = None) -> list[Comando]:
    """The demo network's commands, in the order they are recorded (by when they happened:
    the dates are relative to ``now``, all in the past)."""
    now = now or datetime.now(UTC)
    oggi = now.astimezone(UTC).date()
    comandi: list[Comando] = []
    for index, risorsa in enumerate(demo_resources(oggi)):
        comandi.append(
            Comando(
                _alle(oggi, risorsa.censita, 8) + timedelta(minutes=index),
                f"censimento {risorsa.slug}",
                _censimento(risorsa),
            )
        )
    for slug, giorni in CONFERME:
        nota = "Verifica annuale: dati confermati dal referente"
        comandi.append(Comando(_alle(oggi, giorni, 10), f"conferma {slug}", _conferma(slug, nota)))
    for slug, giorni, changes in _aggiornamenti():
        comandi.append(
            Comando(_alle(oggi, giorni, 11), f"aggiornamento {slug}", _aggiornamento(slug, changes))
        )
    for collaborazione in COLLABORAZIONI:
        inizio = oggi - timedelta(days=collaborazione.giorni)
        comandi.append(
            Comando(
                _alle(oggi, collaborazione.giorni, 12),
                f"collaborazione {collaborazione.chiave}",
                _avvio(
                    collaborazione.chiave,
                    collaborazione.parti,
                    collaborazione.servizi,
                    collaborazione.tipo,
                    collaborazione.oggetto,
                    inizio,
                ),
            )
        )
    comandi.append(
        Comando(
            _alle(oggi, 172, 12),
            f"conclusione {_DOPOSCUOLA.chiave}",
            _conclusione(
                _DOPOSCUOLA.chiave,
                _DOPOSCUOLA.oggetto,
                oggi - timedelta(days=175),
                "L'associazione ha cessato il doposcuola alla fine dell'anno scolastico.",
            ),
        )
    )
    comandi.append(
        Comando(
            _alle(oggi, 165, 9),
            f"dismissione {DISMISSED}",
            _dismissione(
                DISMISSED,
                "L'associazione si è sciolta per delibera dell'assemblea dei soci; il "
                "doposcuola è cessato e gli alunni seguiti sono stati presentati "
                "all'Istituto comprensivo per lo spazio compiti pomeridiano.",
            ),
        )
    )
    for giorni, esegui in _incontri(oggi):
        comandi.append(Comando(_alle(oggi, giorni, 15), "incontro di rete", esegui))
    for giorni, esegui in _controlli(oggi):
        comandi.append(Comando(_alle(oggi, giorni, 14), "controllo di qualità", esegui))
    comandi.sort(key=lambda comando: comando.quando)  # stable: same-time order kept
    return comandi


def demo_network_principal(comuni: list[str]) -> Principal:
    return Principal(
        subject=DEMO_NETWORK_USER,
        kind="user",
        role="ufficio_di_piano",
        comuni=frozenset(comuni),
        aree=frozenset(ALL_AREE),
    )


def record_demo_network(network: NetworkApplication, comuni: list[str], already: int = 0) -> int:
    """Records the demo network as the Ufficio di piano's demo user, skipping the first
    ``already`` commands (the events an interrupted run recorded: one per command);
    returns how many commands it recorded now."""
    richiesta = Richiesta(demo_network_principal(comuni), "cli")
    run = _Esecuzione(network, richiesta)
    comandi = demo_network_commands()
    for comando in comandi[already:]:
        comando.esegui(run, Atto(occurred_at=comando.quando))
    return len(comandi) - min(already, len(comandi))
