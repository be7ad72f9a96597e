"""The operators' deployment files say what Ambito really reads (acceptance 5 of the Kafka
issue): every ``AMBITO_*`` variable that deploy/compose.yaml and the manifests under
deploy/kubernetes/ set is a field of ``shared.settings.Settings``, every service they start
exists and each runs exactly once, each service gets its own ledger database, and Compose's
``depends_on`` names services that exist. The checkers are plain functions over parsed YAML,
so that the last tests can prove they catch what they are meant to catch.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import click
import pytest
import yaml
from sqlalchemy.engine import make_url

from services.cli import main as ambito_command
from shared.keys import ASYMMETRIC, SYMMETRIC
from shared.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"
INITDB = DEPLOY / "compose" / "initdb.sql"

PREFIX = str(Settings.model_config.get("env_prefix", "")).upper()
SETTING_VARIABLES = frozenset(f"{PREFIX}{name.upper()}" for name in Settings.model_fields)
"""The environment variables Ambito reads its settings from, e.g. ``AMBITO_LEDGER_URL``."""
DATABASE_URLS = (
    "AMBITO_LEDGER_URL",
    "AMBITO_KEYSTORE_URL",
    "AMBITO_IDENTITY_URL",
    "AMBITO_VIEWS_URL",
)
"""What a service process in district mode needs besides AMBITO_KAFKA_BOOTSTRAP: without any
of them it would fall back to a SQLite file inside its own container."""

Document = dict[str, Any]


class Located(NamedTuple):
    file: str
    document: Document


class Assignment(NamedTuple):
    """One environment variable set by a deployment file."""

    file: str
    where: str
    name: str
    value: str | None


class Mount(NamedTuple):
    target: str
    read_only: bool
    source: str
    """The volume's kind and name, e.g. ``volume keys`` or ``secret ambito-keys``."""


class Process(NamedTuple):
    """One ``ambito serve`` a deployment file starts, ``times`` times (replicas)."""

    file: str
    where: str
    services: tuple[str, ...]
    times: int
    environment: dict[str, str | None]
    mounts: tuple[Mount, ...]


# -- loading -----------------------------------------------------------------------------


def _label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def load_compose() -> Located:
    document = yaml.safe_load(COMPOSE.read_text("utf-8"))
    assert isinstance(document, dict), f"{_label(COMPOSE)}: not a mapping"
    return Located(_label(COMPOSE), document)


def load_kubernetes() -> list[Located]:
    """Every YAML document under deploy/kubernetes/, templates included."""
    located: list[Located] = []
    for path in sorted([*KUBERNETES.rglob("*.yaml"), *KUBERNETES.rglob("*.yml")]):
        for document in yaml.safe_load_all(path.read_text("utf-8")):
            if document is None:
                continue
            assert isinstance(document, dict), f"{_label(path)}: a document is not a mapping"
            located.append(Located(_label(path), document))
    return located


# -- what the files set and start ---------------------------------------------------------


def _words(value: Any) -> list[str]:
    """A Compose or Kubernetes command: a list of words, or one string in shell syntax."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(word) for word in value]


def _value_options(command: click.Command) -> frozenset[str]:
    """The options of an ``ambito`` (sub)command that take a value, from click itself."""
    return frozenset(
        name
        for parameter in command.params
        if isinstance(parameter, click.Option) and not parameter.is_flag
        for name in parameter.opts
    )


def _positionals(words: Sequence[str], value_options: frozenset[str]) -> Iterator[tuple[int, str]]:
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
        elif word == "--":
            yield from ((index + 1 + i, rest) for i, rest in enumerate(words[index + 1 :]))
            return
        elif word.startswith("-"):
            skip = word in value_options  # "--port=8000" carries its value
        else:
            yield index, word


def served_services(argv: Sequence[str]) -> tuple[str, ...] | None:
    """The services ``ambito [OPTIONS] serve [OPTIONS] [SERVICE]...`` starts (all of them
    when it names none); None when ``argv`` is another command."""
    start = next((i for i, word in enumerate(argv) if PurePosixPath(word).name == "ambito"), None)
    if start is None:
        return None
    words = list(argv[start + 1 :])
    subcommand = next(_positionals(words, _value_options(ambito_command)), None)
    if subcommand is None or subcommand[1] != "serve":
        return None
    serve = ambito_command.commands["serve"]
    named = tuple(
        word for _, word in _positionals(words[subcommand[0] + 1 :], _value_options(serve))
    )
    return named or SERVICES


def _compose_environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):  # ["NAME=value", "NAME"]
        pairs = (str(item).partition("=") for item in environment)
        return {name: value if separator else None for name, separator, value in pairs}
    return {str(name): None if value is None else str(value) for name, value in environment.items()}


def _compose_services(compose: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    services = compose.get("services") or {}
    assert isinstance(services, dict), "services: not a mapping"
    return {str(name): service or {} for name, service in services.items()}


def compose_assignments(located: Located) -> list[Assignment]:
    return [
        Assignment(located.file, f"services.{name}.environment", variable, value)
        for name, service in _compose_services(located.document).items()
        for variable, value in _compose_environment(service).items()
    ]


def _compose_mounts(service: Mapping[str, Any]) -> tuple[Mount, ...]:
    mounts: list[Mount] = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):  # "source:target[:mode]"
            parts = volume.split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
            read_only = len(parts) > 2 and "ro" in parts[2].split(",")
            mounts.append(Mount(target, read_only, f"volume {source}"))
        else:
            kind, source = volume.get("type", "volume"), volume.get("source", "")
            mounts.append(
                Mount(volume["target"], bool(volume.get("read_only")), f"{kind} {source}")
            )
    return tuple(mounts)


def compose_processes(located: Located) -> list[Process]:
    processes: list[Process] = []
    for name, service in _compose_services(located.document).items():
        argv = [*_words(service.get("entrypoint")), *_words(service.get("command"))]
        served = served_services(argv)
        if served is None:
            continue
        replicas = (service.get("deploy") or {}).get("replicas", service.get("scale", 1))
        processes.append(
            Process(
                located.file,
                f"services.{name}.command",
                served,
                int(replicas),
                _compose_environment(service),
                _compose_mounts(service),
            )
        )
    return processes


def _name(document: Mapping[str, Any]) -> str:
    return f"{document.get('kind')} {(document.get('metadata') or {}).get('name')}"


def _pod_spec(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = document.get("spec") or {}
    if document.get("kind") == "Pod":
        return spec
    if document.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template")
    return (template.get("spec") or {}) if isinstance(template, Mapping) else None


def _containers(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    pod = _pod_spec(document) or {}
    return [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]


def kubernetes_assignments(documents: Iterable[Located]) -> list[Assignment]:
    assignments: list[Assignment] = []
    for file, document in documents:
        if document.get("kind") in ("ConfigMap", "Secret"):
            for field in ("data", "stringData"):
                for key, value in (document.get(field) or {}).items():
                    where = f"{_name(document)} {field}"
                    assignments.append(Assignment(file, where, str(key), str(value)))
        for container in _containers(document):
            where = f"{_name(document)} container {container.get('name')} env"
            for entry in container.get("env") or []:
                value = entry.get("value")
                assignments.append(
                    Assignment(
                        file, where, str(entry["name"]), None if value is None else str(value)
                    )
                )
    return assignments


def _config_maps(documents: Iterable[Located]) -> dict[str, dict[str, str]]:
    return {
        str(document["metadata"]["name"]): {
            str(key): str(value) for key, value in (document.get("data") or {}).items()
        }
        for _, document in documents
        if document.get("kind") == "ConfigMap"
    }


def _container_environment(
    container: Mapping[str, Any], config_maps: Mapping[str, Mapping[str, str]]
) -> dict[str, str | None]:
    """What the container's process sees: envFrom ConfigMaps, overridden by env."""
    environment: dict[str, str | None] = {}
    for source in container.get("envFrom") or []:
        reference = source.get("configMapRef")
        if reference is not None:
            prefix = str(source.get("prefix", ""))
            data = config_maps.get(str(reference["name"]), {})
            environment.update({prefix + key: value for key, value in data.items()})
    for entry in container.get("env") or []:
        value = entry.get("value")
        reference = (entry.get("valueFrom") or {}).get("configMapKeyRef")
        if value is None and reference is not None:
            value = config_maps.get(str(reference["name"]), {}).get(str(reference["key"]))
        environment[str(entry["name"])] = None if value is None else str(value)
    return environment


def _kubernetes_mounts(container: Mapping[str, Any], pod: Mapping[str, Any]) -> tuple[Mount, ...]:
    volumes = {str(volume["name"]): volume for volume in pod.get("volumes") or []}
    mounts: list[Mount] = []
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(str(mount["name"]), {})
        kinds = [kind for kind in volume if kind != "name"] or ["missing"]
        detail = volume.get(kinds[0]) or {}
        source = detail.get("secretName") or detail.get("claimName") or detail.get("name") or ""
        mounts.append(
            Mount(str(mount["mountPath"]), bool(mount.get("readOnly")), f"{kinds[0]} {source}")
        )
    return tuple(mounts)


def kubernetes_processes(documents: Sequence[Located]) -> list[Process]:
    config_maps = _config_maps(documents)
    processes: list[Process] = []
    for file, document in documents:
        pod = _pod_spec(document)
        if pod is None:
            continue
        replicas = (document.get("spec") or {}).get("replicas", 1)
        for container in _containers(document):
            served = served_services(
                [*_words(container.get("command")), *_words(container.get("args"))]
            )
            if served is None:
                continue
            processes.append(
                Process(
                    file,
                    f"{_name(document)} container {container.get('name')}",
                    served,
                    int(replicas),
                    _container_environment(container, config_maps),
                    _kubernetes_mounts(container, pod),
                )
            )
    return processes


# -- the checks ---------------------------------------------------------------------------


def unknown_settings(assignments: Iterable[Assignment]) -> list[str]:
    """(a) Every AMBITO_* variable set is a field of Settings."""
    return [
        f"{a.file}: {a.where}: {a.name} is not a setting (shared.settings.Settings has no "
        f"field {a.name.removeprefix(PREFIX).lower()!r})"
        for a in assignments
        if a.name.startswith(PREFIX) and a.name not in SETTING_VARIABLES
    ]


def start_problems(label: str, processes: Iterable[Process]) -> list[str]:
    """(b) Every service started exists, and each of the four is started exactly once."""
    problems: list[str] = []
    started: Counter[str] = Counter()
    for process in processes:
        for service in process.services:
            if service not in SERVICES:
                problems.append(
                    f"{process.file}: {process.where}: `ambito serve {service}`: {service!r} "
                    f"is not a service (shared.settings.SERVICES: {', '.join(SERVICES)})"
                )
            else:
                started[service] += process.times
    problems += [
        f"{label}: service {service!r} is started {started[service]} times, not exactly once"
        for service in SERVICES
        if started[service] != 1
    ]
    return problems


def _without_interpolation(value: str) -> str:
    """A Compose value with ``${VARIABLE...}`` replaced, so that a URL parses."""
    return re.sub(r"\$\{[^}]*\}", "secret", value).replace("$$", "$")


def ledger_problems(processes: Iterable[Process]) -> list[str]:
    """(c) AMBITO_LEDGER_URL contains {service}, or each service gets its own database."""
    problems: list[str] = []
    owners: dict[str, str] = {}
    for process in processes:
        url = process.environment.get("AMBITO_LEDGER_URL")
        if not url:
            problems.append(
                f"{process.file}: {process.where}: AMBITO_LEDGER_URL is not set (the ledger "
                "would be a SQLite file inside the container)"
            )
            continue
        for service in (name for name in process.services if name in SERVICES):
            database = make_url(_without_interpolation(url).replace("{service}", service))
            # where the events land, without credentials: database, server and port
            port = f":{database.port}" if database.port else ""
            key = f"{database.database} on {database.host}{port}"
            if owners.setdefault(key, service) != service:
                problems.append(
                    f"{process.file}: {process.where}: AMBITO_LEDGER_URL gives {service} the "
                    f"ledger database of {owners[key]} ({key}): put {{service}} in it or give "
                    "each service its own"
                )
    return problems


def created_databases(sql: str) -> set[str]:
    return set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", sql, flags=re.IGNORECASE))


def district_mode_problems(processes: Iterable[Process], databases: set[str]) -> list[str]:
    """Each process runs in district mode on PostgreSQL databases that initdb.sql creates."""
    problems: list[str] = []
    for process in processes:
        if not process.environment.get("AMBITO_KAFKA_BOOTSTRAP"):
            problems.append(f"{process.file}: {process.where}: AMBITO_KAFKA_BOOTSTRAP is not set")
        for variable in DATABASE_URLS:
            url = process.environment.get(variable)
            if not url:
                problems.append(f"{process.file}: {process.where}: {variable} is not set")
                continue
            for service in process.services:
                parsed = make_url(_without_interpolation(url).replace("{service}", service))
                if parsed.get_backend_name() != "postgresql" or parsed.database not in databases:
                    problems.append(
                        f"{process.file}: {process.where}: {variable} names database "
                        f"{parsed.database!r}, which deploy/compose/initdb.sql does not create"
                    )
    return problems


def depends_on_problems(located: Located) -> list[str]:
    """(d) Every service named in a Compose depends_on exists."""
    services = _compose_services(located.document)
    return [
        f"{located.file}: services.{name}.depends_on: {dependency!r} is not a service of the file"
        for name, service in services.items()
        for dependency in service.get("depends_on") or []  # a list, or a mapping's keys
        if dependency not in services
    ]


def key_mount_problems(processes: Iterable[Process], kind: str) -> list[str]:
    """The key directory is mounted read-only where AMBITO_KEY_DIR points, from a volume of
    the given kind (a Compose ``volume``, a Kubernetes ``secret``), and a writable volume
    is mounted where the service appends its signed checkpoints (AMBITO_CHECKPOINT_DIR, or
    checkpoints/ in the key directory: ``Settings.checkpoints_directory``)."""
    problems: list[str] = []
    for process in processes:
        key_dir = process.environment.get("AMBITO_KEY_DIR")
        if not key_dir:
            problems.append(f"{process.file}: {process.where}: AMBITO_KEY_DIR is not set")
            continue
        checkpoint_dir = process.environment.get("AMBITO_CHECKPOINT_DIR")
        settings = Settings.model_construct(  # no validation, no environment: just the rule
            key_dir=Path(key_dir), checkpoint_dir=Path(checkpoint_dir) if checkpoint_dir else None
        )
        mounts = {Path(mount.target): mount for mount in process.mounts}
        keys = mounts.get(settings.key_dir)
        checkpoints = mounts.get(settings.checkpoints_directory())
        if keys is None or not keys.read_only or keys.source.split()[0] != kind:
            problems.append(
                f"{process.file}: {process.where}: no {kind} is mounted read-only at "
                f"AMBITO_KEY_DIR ({key_dir})"
            )
        if checkpoints is None or checkpoints.read_only:
            problems.append(
                f"{process.file}: {process.where}: no writable volume at "
                f"{settings.checkpoints_directory()}, where the service appends its checkpoints"
            )
    return problems


# -- the real files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> Located:
    return load_compose()


@pytest.fixture(scope="module")
def kubernetes() -> list[Located]:
    documents = load_kubernetes()
    assert documents, f"no YAML document under {_label(KUBERNETES)}"
    return documents


def _report(problems: list[str]) -> str:
    return "\n".join(problems)


def test_every_ambito_variable_compose_sets_is_a_setting(compose: Located) -> None:
    assignments = compose_assignments(compose)
    assert any(a.name.startswith(PREFIX) for a in assignments)
    problems = unknown_settings(assignments)
    assert not problems, _report(problems)


def test_every_ambito_variable_the_kubernetes_manifests_set_is_a_setting(
    kubernetes: list[Located],
) -> None:
    assignments = kubernetes_assignments(kubernetes)
    assert any(a.name.startswith(PREFIX) for a in assignments)
    problems = unknown_settings(assignments)
    assert not problems, _report(problems)


def test_compose_starts_each_service_exactly_once(compose: Located) -> None:
    problems = start_problems(compose.file, compose_processes(compose))
    assert not problems, _report(problems)


def test_kubernetes_starts_each_service_exactly_once(kubernetes: list[Located]) -> None:
    problems = start_problems(f"{_label(KUBERNETES)}/", kubernetes_processes(kubernetes))
    assert not problems, _report(problems)


def test_each_service_has_its_own_ledger_database(
    compose: Located, kubernetes: list[Located]
) -> None:
    in_compose, in_kubernetes = compose_processes(compose), kubernetes_processes(kubernetes)
    databases = created_databases(INITDB.read_text("utf-8"))
    problems = ledger_problems(in_compose) + ledger_problems(in_kubernetes)
    problems += district_mode_problems([*in_compose, *in_kubernetes], databases)
    assert not problems, _report(problems)


def test_compose_depends_on_names_existing_services(compose: Located) -> None:
    problems = depends_on_problems(compose)
    assert not problems, _report(problems)


def test_the_key_directory_is_read_only_and_the_checkpoints_writable(
    compose: Located, kubernetes: list[Located]
) -> None:
    problems = key_mount_problems(compose_processes(compose), "volume")
    problems += key_mount_problems(kubernetes_processes(kubernetes), "secret")
    assert not problems, _report(problems)


def test_kubernetes_postgres_creates_the_same_databases_as_compose(
    kubernetes: list[Located],
) -> None:
    initdb = _config_maps(kubernetes)["postgres-initdb"]["initdb.sql"]
    assert initdb == INITDB.read_text("utf-8"), (
        "20-postgres.yaml: initdb.sql differs from compose's"
    )


def test_the_key_secret_template_lists_what_ambito_init_writes(
    kubernetes: list[Located],
) -> None:
    written = {*SYMMETRIC, *(name for pair in ASYMMETRIC for name in pair)}
    secrets = {
        str(document["metadata"]["name"]): set(document.get("data") or {})
        for _, document in kubernetes
        if document.get("kind") == "Secret"
    }
    assert secrets.get("ambito-keys") == written, (
        f"{_label(KUBERNETES)}/secrets/secrets.template.yaml: the Secret ambito-keys should list "
        f"{sorted(written)}"
    )


# -- the checkers catch what they must ------------------------------------------------------

IN_MEMORY_COMPOSE = """
services:
  intake:
    command: ["ambito", "--key-dir", "/keys", "serve", "--port", "8000", "intake"]
    environment:
      AMBITO_LEDGER_URL: postgresql+psycopg://ambito:${PASSWORD:?}@db/ambito
      AMBITO_NOT_A_SETTING: "1"
    depends_on: [db]
  casework:
    command: ambito serve casework billing
    environment:
      - AMBITO_LEDGER_URL=postgresql+psycopg://ambito@db/ambito
      - AMBITO_NOT_A_SETTING=2
    depends_on:
      intake:
        condition: service_healthy
  reporting:
    command: ["ambito", "serve", "reporting"]
    deploy:
      replicas: 2
"""

IN_MEMORY_KUBERNETES = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  AMBITO_NOT_A_SETTING: "1"
  AMBITO_LEDGER_URL: postgresql+psycopg://ambito@db/ambito
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: intake}
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: intake
          args: ["ambito", "serve", "intake", "intake"]
          envFrom: [{configMapRef: {name: settings}}]
          env:
            - {name: AMBITO_NOT_A_SETTING, value: "2"}
"""


def _compose_in_memory() -> Located:
    return Located("memory/compose.yaml", yaml.safe_load(IN_MEMORY_COMPOSE))


def _kubernetes_in_memory() -> list[Located]:
    return [Located("memory/k8s.yaml", d) for d in yaml.safe_load_all(IN_MEMORY_KUBERNETES)]


def test_an_unknown_ambito_variable_is_caught_naming_file_and_variable() -> None:
    compose = unknown_settings(compose_assignments(_compose_in_memory()))
    assert compose == [
        f"memory/compose.yaml: services.{service}.environment: AMBITO_NOT_A_SETTING is not a "
        "setting (shared.settings.Settings has no field 'not_a_setting')"
        for service in ("intake", "casework")
    ]
    kubernetes = unknown_settings(kubernetes_assignments(_kubernetes_in_memory()))
    assert [problem.split(" is not")[0] for problem in kubernetes] == [
        "memory/k8s.yaml: ConfigMap settings data: AMBITO_NOT_A_SETTING",
        "memory/k8s.yaml: Deployment intake container intake env: AMBITO_NOT_A_SETTING",
    ]


def test_an_unknown_or_repeated_service_is_caught() -> None:
    compose = start_problems("memory/compose.yaml", compose_processes(_compose_in_memory()))
    assert compose == [
        "memory/compose.yaml: services.casework.command: `ambito serve billing`: 'billing' is "
        "not a service (shared.settings.SERVICES: intake, casework, network, reporting)",
        "memory/compose.yaml: service 'network' is started 0 times, not exactly once",
        "memory/compose.yaml: service 'reporting' is started 2 times, not exactly once",
    ]
    kubernetes = start_problems("memory/", kubernetes_processes(_kubernetes_in_memory()))
    assert "memory/: service 'intake' is started 2 times, not exactly once" in kubernetes


def test_a_ledger_database_shared_by_two_services_is_caught() -> None:
    problems = ledger_problems(compose_processes(_compose_in_memory()))
    assert len(problems) == 2
    assert problems[0].startswith(
        "memory/compose.yaml: services.casework.command: AMBITO_LEDGER_URL gives casework the "
        "ledger database of intake"
    )
    assert "secret" not in problems[0]  # no credentials in the message
    assert problems[1] == (
        "memory/compose.yaml: services.reporting.command: AMBITO_LEDGER_URL is not set (the "
        "ledger would be a SQLite file inside the container)"
    )


def test_a_missing_dependency_is_caught() -> None:
    assert depends_on_problems(_compose_in_memory()) == [
        "memory/compose.yaml: services.intake.depends_on: 'db' is not a service of the file"
    ]


def test_commands_that_serve_nothing_are_told_apart() -> None:
    assert served_services(["ambito", "init"]) is None
    assert served_services(["python", "-c", "print()"]) is None
    assert served_services(["/usr/local/bin/ambito", "serve"]) == SERVICES
    assert served_services(["ambito", "--data-dir", "serve", "users"]) is None
    assert served_services(["ambito", "serve", "--host", "0.0.0.0", "network"]) == ("network",)


def test_a_writable_key_directory_or_read_only_checkpoints_are_caught() -> None:
    documents = yaml.safe_load_all(
        """
kind: Deployment
metadata: {name: network}
spec:
  template:
    spec:
      containers:
        - name: network
          args: ["ambito", "serve", "network"]
          env: [{name: AMBITO_KEY_DIR, value: /keys}]
          volumeMounts:
            - {name: keys, mountPath: /keys}
            - {name: checkpoints, mountPath: /keys/checkpoints, readOnly: true}
      volumes:
        - {name: keys, secret: {secretName: ambito-keys}}
        - {name: checkpoints, emptyDir: {}}
---
kind: Deployment
metadata: {name: casework}
spec:
  template:
    spec:
      containers:
        - name: casework
          args: ["ambito", "serve", "casework"]
          env:
            - {name: AMBITO_KEY_DIR, value: /keys}
            - {name: AMBITO_CHECKPOINT_DIR, value: /signed}
          volumeMounts:
            - {name: keys, mountPath: /keys, readOnly: true}
            - {name: checkpoints, mountPath: /keys/checkpoints}
      volumes:
        - {name: keys, secret: {secretName: ambito-keys}}
        - {name: checkpoints, persistentVolumeClaim: {claimName: checkpoints}}
"""
    )
    processes = kubernetes_processes([Located("memory/k8s.yaml", d) for d in documents])
    assert key_mount_problems(processes, "secret") == [
        "memory/k8s.yaml: Deployment network container network: no secret is mounted "
        "read-only at AMBITO_KEY_DIR (/keys)",
        "memory/k8s.yaml: Deployment network container network: no writable volume at "
        "/keys/checkpoints, where the service appends its checkpoints",
        "memory/k8s.yaml: Deployment casework container casework: no writable volume at "
        "/signed, where the service appends its checkpoints",
    ]
