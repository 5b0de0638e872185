"""python manage.py sendsms --profile NAME --to NUMBER [--lang fr] [--data key=value …] [--text …]

Sends one message synchronously, without a worker, and records it like any other message."""

from __future__ import annotations

from django import forms
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sending import services
from sending.forms import normalise_number, parse_data
from sending.management.profile_option import profile_named
from sending.models import Message


class Command(BaseCommand):
    help = _("Send one SMS through a profile now and print each part's provider message id.")

    def add_arguments(self, parser):
        parser.add_argument("--profile", help=_("Profile name (default: the applied profile)."))
        parser.add_argument("--to", required=True, help=_("Number in international format."))
        parser.add_argument("--lang", default="", help=_("Recipient language, e.g. fr or fr-CA."))
        parser.add_argument(
            "--data",
            nargs="+",
            action="extend",
            default=[],
            metavar="KEY=VALUE",
            help=_("Values for the message's placeholders, e.g. customer.first_name=Ada."),
        )
        parser.add_argument("--text", help=_("Send this text instead of the profile's message."))
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help=_("On an SMPP transceiver bind, wait this long for delivery receipts."),
        )

    def handle(self, *args, **options):
        profile = profile_named(options["profile"])
        try:
            to = normalise_number(options["to"])
            data = parse_data("\n".join(options["data"]))
        except forms.ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        message = services.create_message(
            profile,
            to,
            kind=Message.Kind.SINGLE,
            language=options["lang"],
            data=data,
            text=options["text"],
        )
        if message.status == Message.Status.QUEUED:
            # No worker will retry it: a temporary failure fails it now, with its reason.
            message = services.send_message(message.pk, allow_retry=False, listen=options["wait"])
        if message is None or message.status == Message.Status.FAILED:
            reason = message.error_reason if message else _("another process is sending it")
            raise CommandError(_("Not sent: %(reason)s") % {"reason": reason})
        self._report(message)

    def _report(self, message: Message) -> None:
        self.stdout.write(
            _("Sent to %(to)s via “%(profile)s”: %(parts)s part(s), %(encoding)s, message #%(id)s.")
            % {
                "to": message.to,
                "profile": message.profile.name,
                "parts": message.parts_count,
                "encoding": message.encoding or "?",
                "id": message.pk,
            }
        )
        for part in message.parts.all():
            receipt = f"  {part.receipt_status}" if part.receipt_status else ""
            self.stdout.write(f"part {part.index}: {part.provider_id or '-'}{receipt}")
        if message.status != Message.Status.SENT:
            self.stdout.write(_("Status: %(status)s") % {"status": message.get_status_display()})
