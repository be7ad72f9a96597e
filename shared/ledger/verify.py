"""Recomputes every seal of a ledger and checks it against the signed checkpoints.

The verifier trusts nothing it reads from the database: it recomputes each seal from the
stored bytes with the seal key, follows both chains (log and stream), and compares the
heads with checkpoints whose signatures it checks with the public key only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.ledger.checkpoints import CheckpointFileError, CheckpointLog, SignedCheckpoint
from shared.ledger.recorder import LedgerRecorder
from shared.ledger.seals import GENESIS, SealedRecord, reseal, streams_digest


@dataclass(frozen=True)
class BrokenLink:
    position: int
    reason: str
    aggregate: str | None = None
    version: int | None = None
    topic: str | None = None

    def describe(self) -> str:
        where = f"position {self.position}"
        if self.aggregate is not None:
            where += f" (aggregate {self.aggregate} v{self.version}, {self.topic})"
        return f"first broken link at {where}: {self.reason}"


@dataclass
class VerificationReport:
    ledger: str
    events: int = 0
    checkpoints: int = 0
    last_checkpoint_position: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def first_broken(self) -> BrokenLink | None:
        return min(self.broken, key=lambda link: link.position) if self.broken else None

    def summary(self) -> str:
        first = self.first_broken
        if first is not None:
            return f"{self.ledger}: BROKEN, {first.describe()}"
        unprotected = self.events - self.last_checkpoint_position
        tail = f"; {unprotected} newer events await the next checkpoint" if unprotected > 0 else ""
        return (
            f"{self.ledger}: ok, {self.events} events, {self.checkpoints} checkpoints "
            f"(last at position {self.last_checkpoint_position}){tail}"
        )


def verify_ledger(
    recorder: LedgerRecorder,
    seal_key: bytes,
    log: CheckpointLog,
    public_key: Ed25519PublicKey,
) -> VerificationReport:
    report = VerificationReport(recorder.name)
    try:
        checkpoints = list(log.read())
    except CheckpointFileError as error:
        report.broken.append(BrokenLink(0, str(error)))
        return report
    by_position = _check_checkpoint_file(checkpoints, public_key, report)

    expected_position = 1
    prev_log_seal = GENESIS
    streams: dict[str, tuple[int, bytes]] = {}
    for record in recorder.sealed_records():
        report.events += 1
        problem = _check_record(record, seal_key, expected_position, prev_log_seal, streams)
        if problem is not None:
            report.broken.append(_link(record, problem))
            return report
        expected_position = record.position + 1
        prev_log_seal = record.seal
        streams[record.originator_id] = (record.originator_version, record.seal)
        for checkpoint in by_position.pop(record.position, []):
            problem = _check_heads(checkpoint, record, streams)
            if problem is not None:
                report.broken.append(_link(record, problem))
                return report
    stored = recorder.count()
    if stored != report.events:
        report.broken.append(
            BrokenLink(
                expected_position,
                f"the ledger holds {stored} rows but {report.events} form its chain "
                "(duplicate positions)",
            )
        )
        return report
    if by_position:
        covered = max(by_position)
        sequence = max(c.checkpoint.sequence for c in by_position[covered])
        report.broken.append(
            BrokenLink(
                expected_position,
                f"events missing: checkpoint #{sequence} covers up to position {covered}, "
                f"but the ledger ends at position {expected_position - 1}",
            )
        )
    return report


def verify_missing_ledger(
    ledger: str, log: CheckpointLog, public_key: Ed25519PublicKey
) -> VerificationReport:
    """A ledger that does not exist is fine only if no checkpoint says it had events."""
    report = VerificationReport(ledger)
    try:
        checkpoints = list(log.read())
    except CheckpointFileError as error:
        report.broken.append(BrokenLink(0, str(error)))
        return report
    _check_checkpoint_file(checkpoints, public_key, report)
    if report.last_checkpoint_position > 0:
        report.broken.append(
            BrokenLink(
                1,
                f"the ledger is missing, but checkpoints cover it up to position "
                f"{report.last_checkpoint_position}",
            )
        )
    return report


def _check_checkpoint_file(
    checkpoints: list[SignedCheckpoint],
    public_key: Ed25519PublicKey,
    report: VerificationReport,
) -> dict[int, list[SignedCheckpoint]]:
    by_position: dict[int, list[SignedCheckpoint]] = {}
    previous_hash: str | None = None
    for index, signed in enumerate(checkpoints, start=1):
        checkpoint = signed.checkpoint
        if not signed.signature_valid(public_key):
            problem = f"checkpoint #{checkpoint.sequence}: signature does not verify"
        elif checkpoint.ledger != report.ledger:
            problem = f"checkpoint #{checkpoint.sequence} belongs to ledger {checkpoint.ledger}"
        elif checkpoint.sequence != index or checkpoint.previous != previous_hash:
            problem = f"checkpoint #{checkpoint.sequence}: checkpoint file altered or truncated"
        else:
            problem = None
        if problem is not None:
            report.broken.append(BrokenLink(checkpoint.position, problem))
        previous_hash = signed.line_hash
        report.checkpoints += 1
        report.last_checkpoint_position = max(report.last_checkpoint_position, checkpoint.position)
        if checkpoint.position > 0:
            by_position.setdefault(checkpoint.position, []).append(signed)
    return by_position


def _check_record(
    record: SealedRecord,
    seal_key: bytes,
    expected_position: int,
    prev_log_seal: bytes,
    streams: dict[str, tuple[int, bytes]],
) -> str | None:
    if record.position != expected_position:
        return f"events missing: expected position {expected_position} before this one"
    if record.prev_log_seal != prev_log_seal:
        return "does not chain to the previous event of the log"
    last_version, prev_stream_seal = streams.get(record.originator_id, (0, GENESIS))
    if record.originator_version != last_version + 1:
        return f"stream jumps from version {last_version} to {record.originator_version}"
    if record.prev_stream_seal != prev_stream_seal:
        return "does not chain to the previous event of its aggregate stream"
    if reseal(seal_key, record) != record.seal:
        return "seal does not match the stored event (altered or forged without the seal key)"
    return None


def _check_heads(
    signed: SignedCheckpoint, record: SealedRecord, streams: dict[str, tuple[int, bytes]]
) -> str | None:
    checkpoint = signed.checkpoint
    if checkpoint.head_seal != record.seal.hex():
        return f"differs from the head signed in checkpoint #{checkpoint.sequence}"
    if checkpoint.streams != len(streams) or checkpoint.streams_digest != streams_digest(streams):
        return f"stream heads differ from those signed in checkpoint #{checkpoint.sequence}"
    return None


def _link(record: SealedRecord, reason: str) -> BrokenLink:
    return BrokenLink(
        record.position, reason, record.originator_id, record.originator_version, record.topic
    )
