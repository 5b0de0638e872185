"""`python manage.py smsc_sandbox`: run the local sandbox SMSC and show what it receives."""

from __future__ import annotations

import asyncio
import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sending.sandbox import SandboxOptions, SandboxSmsc


class Command(BaseCommand):
    help = _(
        "Run a local SMPP server (sandbox SMSC) that accepts binds with the configured "
        "credentials, answers submit_sm, sends delivery receipts on transceiver binds and prints "
        "what it receives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SMSC_SANDBOX_HOST)
        parser.add_argument(
            "--port",
            type=int,
            default=settings.SMSC_SANDBOX_PORT,
            help=_("TCP port; 0 picks a free one."),
        )
        # The demo profile's credentials (settings.SMSC_SANDBOX_*) unless options say otherwise.
        parser.add_argument("--system-id", default=settings.SMSC_SANDBOX_SYSTEM_ID)
        parser.add_argument("--password", default=settings.SMSC_SANDBOX_PASSWORD)
        parser.add_argument("--tls-cert", default="", help=_("PEM certificate: serve over TLS."))
        parser.add_argument("--tls-key", default="", help=_("PEM private key for --tls-cert."))
        parser.add_argument("--no-receipts", action="store_true", help=_("Send no receipts."))
        parser.add_argument(
            "--receipt-delay", type=float, default=0.2, help=_("Seconds before each receipt.")
        )
        parser.add_argument("--log", help=_("Also append every event as a JSON line to this file."))
        parser.add_argument("--quiet", action="store_true", help=_("Do not print each event."))
        # Test knobs: the interop suite runs the same cases against the sandbox as against peers.
        parser.add_argument(
            "--throttle-every",
            type=int,
            default=0,
            help=_("Answer every Nth submit_sm with ESME_RTHROTTLED."),
        )
        parser.add_argument(
            "--drop-after",
            type=int,
            default=0,
            help=_("Close the connection at the Nth submit_sm (once)."),
        )
        parser.add_argument(
            "--stall-after",
            type=int,
            default=0,
            help=_("Stop answering from the Nth submit_sm on (once)."),
        )
        parser.add_argument(
            "--enquire-interval",
            type=float,
            default=0.0,
            help=_("Send enquire_link every S seconds."),
        )

    def handle(self, *args, **options):
        sandbox_options = SandboxOptions(
            host=options["host"],
            port=options["port"],
            system_id=options["system_id"],
            password=options["password"],
            receipts=not options["no_receipts"],
            receipt_delay=options["receipt_delay"],
            throttle_every=options["throttle_every"],
            drop_after=options["drop_after"],
            stall_after=options["stall_after"],
            tls_cert=options["tls_cert"],
            tls_key=options["tls_key"],
            enquire_interval=options["enquire_interval"],
        )
        log = open(options["log"], "a", buffering=1) if options["log"] else None  # noqa: SIM115
        quiet = options["quiet"]

        def on_event(event: dict) -> None:
            if log:
                log.write(json.dumps({"t": time.time(), **event}) + "\n")  # t: epoch s
            if not quiet:
                self.stdout.write(self._describe(event))

        async def run():
            smsc = SandboxSmsc(sandbox_options, None if quiet and not log else on_event)
            port = await smsc.start()
            self.stdout.write(
                _("Sandbox SMSC listening on %(host)s:%(port)s (system_id “%(id)s”).")
                % {"host": sandbox_options.host, "port": port, "id": sandbox_options.system_id}
            )
            self.stdout.flush()
            await smsc.serve_forever()

        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            raise CommandError(
                _("Cannot listen on %(host)s:%(port)s: %(error)s")
                % {"host": options["host"], "port": options["port"], "error": exc.strerror or exc}
            ) from exc
        finally:
            if log:
                log.close()

    def _describe(self, event: dict) -> str:
        kind = event["event"]
        if kind == "submit_sm":
            status = event["status"]
            outcome = f"id {event['message_id']}" if status == 0 else f"status 0x{status:02X}"
            if status < 0:
                outcome = "connection dropped" if status == -1 else "not answered"
            return (
                f"[{event['session']}] submit_sm {event['source_addr']} -> "
                f"{event['destination_addr']} dc={event['data_coding']} "
                f"esm=0x{event['esm_class']:02X} {len(event['short_message']) // 2} octets: "
                f"{outcome}"
            )
        if kind == "bind":
            result = "ok" if event["status"] == 0 else f"refused 0x{event['status']:02X}"
            return f"[{event['session']}] bind_{event['mode']} {event['system_id']}: {result}"
        return f"[{event.get('session', '-')}] {kind}"
