"""`python manage.py smpp_listen`: receiving binds kept open for receipts and inbound messages."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sending.receiver.runner import Receiver


class Command(BaseCommand):
    help = _(
        "Keep a receiving bind (transceiver, or receiver for transmitter profiles) open per SMPP "
        "profile for late delivery receipts and inbound messages; several of these processes "
        "share the binds within each profile's maximum."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--profile", type=int, action="append", help=_("Only this profile id (repeatable).")
        )

    def handle(self, *args, profile=None, **options):
        receiver = Receiver(profile or None)
        stop = lambda *_args: receiver.stopping.set()  # noqa: E731
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(_("Receiver running; Ctrl-C stops it."))
        self.stdout.flush()
        receiver.run()
