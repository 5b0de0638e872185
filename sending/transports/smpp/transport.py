"""SMPP 3.4 transport: one bind per transport, pipelined within the profile's window.

The protocol work lives beside it (codec, part building, status names, the session loop);
this class maps it onto the common Transport interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from ..base import (
    ConnectionReport,
    OutgoingMessage,
    SendResult,
    Transport,
    TransportError,
)
from .errors import status_error
from .parts import PartBuilder
from .session import Job, Session

CHECK_TIMEOUT = 10.0  # Test connection answers within seconds, whatever the bind timeout says


class SmppTransport(Transport):
    def __init__(self, profile, *, sink=None, limiter=None):
        super().__init__(profile, sink=sink, limiter=limiter)
        self.builder = PartBuilder(profile)
        self.session = Session(profile, sink)
        self.session.window.limiter = limiter

    def set_sink(self, sink) -> None:
        """Receipts from now on go to `sink`; the ones owed are answered only once written, so
        the previous sink must have been flushed (acknowledge_receipts) first."""
        self.sink = self.session.sink = sink

    def acknowledge_receipts(self) -> None:
        self.session.acknowledge_receipts()

    def open(self) -> None:
        if self.session.conn is None:
            self.session.connect()

    def close(self) -> None:
        self.session.close()

    def _job(self, message: OutgoingMessage) -> Job:
        try:
            plan = message.plan_for(self.profile)
        except TransportError as exc:
            job = Job(message, [])
            job.error = exc
            return job
        bodies = self.builder.build(
            message.to, message.sender, plan, reference=message.concat_ref, only=message.only
        )
        message.concat_ref = self.builder.last_reference
        job = Job(message, bodies)
        job.encoding = plan.encoding
        return job

    def send_many(
        self, messages: Iterable[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, SendResult | TransportError]]:
        """Pipeline every message's parts within the window; yield each outcome once."""
        jobs = map(self._job, messages)
        for job in self.session.run(jobs):
            if job.error is not None:
                job.message.accepted = job.ids  # parts the SMSC took before the failure
                yield job.message, job.error.maybe_sent() if job.resent else job.error
            else:
                yield (
                    job.message,
                    SendResult(job.ids, job.encoding, len(job.ids), possibly_duplicate=job.resent),
                )

    def send(self, message: OutgoingMessage) -> SendResult:
        for _message, outcome in self.send_many([message]):
            if isinstance(outcome, TransportError):
                raise outcome
            return outcome
        raise TransportError(_("The message was not sent."), permanent=False)

    def poll_receipts(self, seconds: float) -> None:
        """Listen on the bind for `seconds`: receipts go to the sink, written then answered;
        the SMSC's enquire_link is answered and the link kept alive."""
        self.session.poll(seconds)

    def check_connection(self) -> ConnectionReport:
        report = ConnectionReport()
        session = Session(self.profile)  # no sink: a receipt is left to the receiver
        timeout = min(float(self.profile.bind_timeout), CHECK_TIMEOUT)
        where = f"{session.host}:{session.port}"

        def bind():
            session.connect(timeout)
            return _("Bound to %(where)s as %(mode)s; the SMSC calls itself “%(id)s”.") % {
                "where": where,
                "mode": self.profile.get_bind_mode_display(),
                "id": session.smsc_system_id,
            }

        def enquire():
            session.enquire_link(timeout)
            return _("The SMSC answered enquire_link.")

        def unbind():
            try:
                status = session.call("unbind", timeout).status
            except TransportError as exc:
                if exc.code != "connection_lost":
                    raise
                # Some SMSCs (smpp34's server among them) just close the connection: unbound too.
                return _("The SMSC closed the connection instead of answering unbind.")
            finally:
                session.drop()
            if status:
                raise status_error(status)
            return _("Unbound.")

        try:
            if report.timed(_("Bind"), bind) and report.timed(_("enquire_link"), enquire):
                report.timed(_("Unbind"), unbind)
        finally:
            session.drop()
        return report
