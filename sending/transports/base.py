"""The interface every transport implements, and the one error type they raise."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from profiles.message import parts
from profiles.message.parts import PartPlan


class TransportError(Exception):
    """A send or connection failure.

    permanent=True fails the message (bad number, bind refused, 4xx); False means retry later
    (throttled, timeout, connection lost). `code` is the provider's code (SMPP status name such as
    "ESME_RTHROTTLED", or the HTTP status as a string); `reason` reads well in the admin, e.g.
    "ESME_RTHROTTLED (0x58): throttled". `retry_after` (seconds) overrides the default backoff.
    `possibly_sent`: the message may have reached the gateway all the same (it was written and
    never answered), so it is never sent again without a flag.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: str = "",
        retry_after: float | None = None,
        possibly_sent: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after
        self.possibly_sent = possibly_sent

    def maybe_sent(self) -> TransportError:
        """This error for a message that was written before it and never answered."""
        return TransportError(
            self.reason, permanent=self.permanent, code=self.code, retry_after=self.retry_after,
            possibly_sent=True,
        )  # fmt: skip


@dataclass
class OutgoingMessage:
    """One rendered message to one recipient; `reference` is our id for it (for correlation).

    `plan` is how its parts go (profiles.message.parts), decided when the message was composed;
    a transport handed none plans the text with the same function.
    """

    to: str
    sender: str
    text: str
    reference: str = ""
    plan: PartPlan | None = None
    # A retry of a long message: send only these part numbers (1-based), joined to the earlier
    # parts by their concatenation reference. The SMPP transport sets concat_ref to the reference
    # it used, and `accepted` to the provider id of each part sent ("" where none) on failure.
    only: tuple[int, ...] | None = None
    concat_ref: int | None = None
    accepted: list[str] = field(default_factory=list)

    def plan_for(self, profile) -> PartPlan:
        """The message's plan; a TransportError (permanent) when it has too many parts."""
        plan = self.plan or parts.plan(self.text, profile)
        if plan.too_long:
            raise TransportError(plan.too_long_reason(), permanent=True, code=parts.TOO_LONG)
        return plan


@dataclass
class SendResult:
    """The provider's message id for each part, in part order."""

    provider_ids: list[str]
    encoding: str = ""
    parts: int = 1
    # A part was written twice (again after a lost connection): the recipient may get it twice.
    possibly_duplicate: bool = False


def storable(text: str) -> str:
    """Text as a database can keep it: PostgreSQL's text refuses NUL, which gateways send (a
    long message's receipt quotes its UDH, whose second octet is 0; Latin-1 or UCS-2 content)."""
    return text.replace("\0", "\ufffd")


@dataclass
class Receipt:
    """A delivery receipt as received from the gateway (its texts storable as they come)."""

    provider_id: str
    status: str  # DELIVRD, UNDELIV, EXPIRED, REJECTD, ... (SMPP appendix B stat values)
    error_code: str = ""
    raw: str = ""
    delivered: bool = False
    final: bool = True

    def __post_init__(self):
        self.provider_id, self.status = storable(self.provider_id), storable(self.status)
        self.error_code, self.raw = storable(self.error_code), storable(self.raw)


class ReceiptSink(Protocol):
    """Where a bind's delivery receipts go (sending.receipt_matching.ReceiptQueue). The bind
    answers a receipt only after a flush() that followed its add() has returned."""

    def add(self, receipt: Receipt) -> None: ...

    def flush(self) -> None:
        """Write every receipt added so far durably (raise if that fails)."""
        ...


@dataclass
class CheckStep:
    """One step of Test connection: what was done, whether it worked, how long it took."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class ConnectionReport:
    steps: list[CheckStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def timed(self, name: str, action: Callable[[], str | None]) -> bool:
        """Run one step, record its outcome and duration; False stops the check."""
        started = time.monotonic()
        try:
            detail = action() or ""
        except TransportError as exc:
            self.steps.append(CheckStep(name, False, time.monotonic() - started, exc.reason))
            return False
        self.steps.append(CheckStep(name, True, time.monotonic() - started, detail))
        return True


class Transport(ABC):
    """One session with one gateway for one profile. Use as a context manager.

    Subclasses implement open(), close(), send() and check_connection(); send_many() may be
    overridden to pipeline (SMPP windowing) but must report every message exactly once.
    Secrets are read from the profile in memory; never log them.
    """

    def __init__(self, profile, *, sink: ReceiptSink | None = None, limiter=None):
        self.profile = profile
        # Receipts the gateway sends on this session go to the sink (SMPP); none: left to the
        # receiver. Swapped by the session pool between tasks (set_sink).
        self.sink = sink
        # A throughput cap shared by every worker (sending.jobs.throttle.Limiter), taken per part
        # before it is sent; without one SMPP keeps its per-session cap of profile.throughput.
        self.limiter = limiter

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult:
        """Send all parts of one message; raise TransportError on failure."""
        ...

    def send_many(
        self, messages: Iterable[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, SendResult | TransportError]]:
        """Send each message, yielding (message, result or error) once per message."""
        for message in messages:
            try:
                yield message, self.send(message)
            except TransportError as exc:
                yield message, exc

    @abstractmethod
    def check_connection(self) -> ConnectionReport: ...

    def set_sink(self, sink: ReceiptSink | None) -> None:
        self.sink = sink

    def acknowledge_receipts(self) -> None:
        """Have the sink write the receipts it holds, then answer them (SMPP answers only then)."""
        if self.sink is not None:
            self.sink.flush()

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()
