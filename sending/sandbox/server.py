"""The sandbox SMSC: an asyncio SMPP 3.4 server speaking just enough for an ESME.

A development tool, not part of sending; it speaks through the same codec (smpplib's commands),
decoding every PDU it gets and encoding every PDU it sends with smpplib.

It accepts binds with the configured credentials (ESME_RINVPASWD for a wrong password,
ESME_RBINDFAIL for an unknown system_id), answers submit_sm with hexadecimal message ids, sends an
appendix-B delivery receipt (with receipted_message_id and message_state TLVs) for each accepted
submit_sm on the transceiver bind that sent it, or on another receiving bind once that one is
gone (kept, as an SMSC keeps them, until a receiving bind opens when there is none; unless
nobody watches: the benchmark's fast path makes none), answers enquire_link and unbind, and
reports every event to a callback. Optional TLS (certificate and key files). Test knobs:
throttle every Nth submit_sm, drop the connection at the Nth (once), stop answering from the Nth
on that connection (once, a hung SMSC), send enquire_link every S seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..transports.smpp import codec
from ..transports.smpp.codec import (
    BIND_RECEIVER,
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    BINDS,
    ESM_RECEIPT,
    RESPONSE,
    SUBMIT_SM,
    as_text,
    split_stream,
)
from ..transports.smpp.errors import (
    ESME_RBINDFAIL,
    ESME_RINVCMDID,
    ESME_RINVPASWD,
    ESME_RTHROTTLED,
)
from ..transports.smpp.receipts import receipt_text

MODES = {
    BIND_TRANSMITTER: "transmitter",
    BIND_TRANSCEIVER: "transceiver",
    BIND_RECEIVER: "receiver",
}
# The TLVs a handset needs to put parts together, logged as hex octets of their value.
KEPT_RECEIPTS = 100_000  # receipts kept while no receiving bind is open (the oldest go first)
LOGGED_TLVS = {"sar_msg_ref_num": 2, "sar_total_segments": 1, "sar_segment_seqnum": 1}


@dataclass
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = "sandbox"
    password: str = "sandbox"
    receipts: bool = True
    receipt_delay: float = 0.2
    throttle_every: int = 0
    drop_after: int = 0
    stall_after: int = 0
    enquire_interval: float = 0.0
    tls_cert: str = ""
    tls_key: str = ""


class SandboxSmsc:
    def __init__(self, options: SandboxOptions, on_event: Callable[[dict], None] | None = None):
        self.options = options
        self.on_event = on_event or (lambda event: None)
        self.recording = on_event is not None
        self.port = options.port
        self.submits = 0
        self._dropped = False
        self._stalled = False
        self._ids = itertools.count(0x1000)
        self._sessions = itertools.count(1)
        self._server: asyncio.base_events.Server | None = None
        self._receiving: list[tuple] = []  # (writer, state) of receiver and transceiver binds
        self._kept: deque[tuple] = deque(maxlen=KEPT_RECEIPTS)  # (sm, message_id) not yet sent
        self._resp = codec.make("submit_sm_resp", 0)

    async def start(self) -> int:
        context = None
        if self.options.tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.options.tls_cert, self.options.tls_key or None)
        self._server = await asyncio.start_server(
            self._serve, self.options.host, self.options.port, ssl=context
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def serve_forever(self) -> None:
        async with self._server:
            await self._server.serve_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = next(self._sessions)
        state = {"mode": "", "sequence": 0, "stalled": False}
        buffer = bytearray()
        pinger = None
        if self.options.enquire_interval:
            pinger = asyncio.ensure_future(self._ping(writer, state, session))
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                buffer += data
                for command_id, status, sequence, body in split_stream(buffer):
                    if not self._handle(writer, state, session, command_id, status, sequence, body):
                        writer.close()
                        return
                await writer.drain()
        except (ConnectionError, ValueError, ssl.SSLError):
            pass
        finally:
            self._receiving = [(w, s) for w, s in self._receiving if w is not writer]
            if pinger:
                pinger.cancel()
            self.on_event({"event": "closed", "session": session})
            writer.close()

    def _send(self, writer, state, name: str, **fields) -> None:
        state["sequence"] += 1
        writer.write(codec.encode(name, state["sequence"], **fields))

    async def _ping(self, writer, state, session) -> None:
        while True:
            await asyncio.sleep(self.options.enquire_interval)
            if state["mode"]:
                self._send(writer, state, "enquire_link")
                self.on_event({"event": "enquire_link_sent", "session": session})

    def _handle(self, writer, state, session, command_id, status, sequence, body) -> bool:
        """Answer one PDU; False closes the connection."""
        if command_id == SUBMIT_SM:
            return self._submit(writer, state, session, sequence, body)
        try:
            pdu = codec.decode(command_id, status, sequence, body)
        except ValueError:
            if not command_id & RESPONSE:
                writer.write(codec.encode("generic_nack", sequence, ESME_RINVCMDID))
            return True
        if command_id in BINDS:
            return self._bind(writer, state, session, pdu)
        if pdu.command in ("enquire_link", "unbind"):
            self.on_event({"event": pdu.command, "session": session})
            writer.write(codec.encode(pdu.command + "_resp", sequence))
            return pdu.command != "unbind"
        if pdu.command in ("enquire_link_resp", "deliver_sm_resp"):
            self.on_event({"event": pdu.command, "session": session})
        elif not command_id & RESPONSE:  # a command the sandbox does not play (query_sm, …)
            writer.write(codec.encode("generic_nack", sequence, ESME_RINVCMDID))
        return True

    def _bind(self, writer, state, session, request) -> bool:
        system_id, password = as_text(request.system_id), as_text(request.password)
        status = 0
        if system_id != self.options.system_id:
            status = ESME_RBINDFAIL
        elif password != self.options.password:
            status = ESME_RINVPASWD
        mode = MODES[codec.command_id(request.command)]
        self.on_event(
            {
                "event": "bind",
                "session": session,
                "mode": mode,
                "system_id": system_id,
                "status": status,
            }
        )
        fields = {} if status else {"system_id": "sandbox", "sc_interface_version": 0x34}
        writer.write(codec.encode(request.command + "_resp", request.sequence, status, **fields))
        if status:
            return False
        state["mode"] = mode
        if mode != "transmitter":
            self._receiving.append((writer, state))
            while self._kept:
                self._send_receipt(writer, state, *self._kept.popleft())
        return True

    def _submit(self, writer, state, session, sequence, body) -> bool:
        self.submits += 1
        options = self.options
        receipt_due = options.receipts and self._receiving  # a receiving bind could get one
        if not (self.recording or options.throttle_every or options.drop_after) and (
            not options.stall_after and not receipt_due
        ):
            # Nobody watches and no receipt is due (a benchmark): answer without decoding.
            writer.write(self._submit_resp(sequence, format(next(self._ids), "x")))
            return True
        sm = codec.decode(SUBMIT_SM, 0, sequence, body)
        tlvs = {
            name: format(getattr(sm, name), f"0{2 * size}x")
            for name, size in LOGGED_TLVS.items()
            if getattr(sm, name) is not None
        }
        if sm.message_payload is not None:
            tlvs["message_payload"] = sm.message_payload.hex()
        record = {
            "event": "submit_sm",
            "session": session,
            "seq": sequence,
            "at": time.time(),
            "source_addr": as_text(sm.source_addr),
            "source_addr_ton": sm.source_addr_ton,
            "source_addr_npi": sm.source_addr_npi,
            "destination_addr": as_text(sm.destination_addr),
            "dest_addr_ton": sm.dest_addr_ton,
            "dest_addr_npi": sm.dest_addr_npi,
            "esm_class": sm.esm_class,
            "data_coding": sm.data_coding,
            "registered_delivery": sm.registered_delivery,
            "priority_flag": sm.priority_flag,
            "validity_period": as_text(sm.validity_period),
            "service_type": as_text(sm.service_type),
            "short_message": (sm.short_message or b"").hex(),
            "tlvs": tlvs,
        }
        if state["stalled"] or (
            options.stall_after and not self._stalled and self.submits == options.stall_after
        ):
            self._stalled = state["stalled"] = True
            self.on_event({**record, "status": -2})  # received, never answered
            return True
        if options.drop_after and not self._dropped and self.submits == options.drop_after:
            self._dropped = True
            self.on_event({**record, "status": -1})
            return False
        if options.throttle_every and self.submits % options.throttle_every == 0:
            self.on_event({**record, "status": ESME_RTHROTTLED})
            writer.write(codec.encode("submit_sm_resp", sequence, ESME_RTHROTTLED))
            return True
        message_id = format(next(self._ids), "x")
        self.on_event({**record, "status": 0, "message_id": message_id})
        writer.write(self._submit_resp(sequence, message_id))
        if options.receipts and sm.registered_delivery & 3:
            asyncio.get_running_loop().call_later(
                options.receipt_delay, self._receipt, writer, state, sm, message_id
            )
        return True

    def _submit_resp(self, sequence: int, message_id: str) -> bytes:
        # One smpplib object reused: building a new one per answer would make the sandbox, not
        # the client, what a benchmark against it measures.
        resp = self._resp
        resp.sequence, resp.message_id = sequence, message_id
        return resp.generate()

    def _receipt(self, writer, state, sm, message_id: str) -> None:
        if writer.is_closing() or state["mode"] != "transceiver":
            # Like an SMSC: the receipt goes to another receiving bind of the account (the
            # receiver's), or waits for the next one to bind.
            receiving = [(w, s) for w, s in self._receiving if not w.is_closing()]
            if not receiving:
                self._kept.append((sm, message_id))
                return
            writer, state = receiving[0]
        self._send_receipt(writer, state, sm, message_id)

    def _send_receipt(self, writer, state, sm, message_id: str) -> None:
        stamp = time.strftime("%y%m%d%H%M")
        text = receipt_text(message_id, "DELIVRD", submit_date=stamp, done_date=stamp)
        self._send(
            writer,
            state,
            "deliver_sm",
            source_addr=as_text(sm.destination_addr),
            source_addr_ton=sm.dest_addr_ton,
            source_addr_npi=sm.dest_addr_npi,
            destination_addr=as_text(sm.source_addr),
            dest_addr_ton=sm.source_addr_ton,
            dest_addr_npi=sm.source_addr_npi,
            esm_class=ESM_RECEIPT,
            short_message=text.encode("ascii"),
            receipted_message_id=message_id,
            message_state=2,  # DELIVERED
        )
