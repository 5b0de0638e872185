"""An SMSC for the interop tests, built on the PyPI `smpp34` package's Rust/tokio server: the PDU
codec, framing, bind handling and enquire_link answers are smpp34's, not ours.

    python smpp34_smsc.py --port 0 [--log FILE] [--throttle-every N] [--no-receipts]
        [--unbind-after N]

Prints "listening on 127.0.0.1:PORT" once ready. smpp34's server accepts every bind (it has no
credential check), cannot drop a connection mid-stream and never sends enquire_link itself: those
cases run against the Net::SMPP peer. It answers every Nth submit_sm with ESME_RTHROTTLED, sends a
delivery receipt per accepted submit_sm on transceiver binds, and can unbind the ESME after the
Nth submit_sm. Every submit_sm is logged as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import smpp34

TLV_NAMES = {
    0x020C: "sar_msg_ref_num",
    0x020E: "sar_total_segments",
    0x020F: "sar_segment_seqnum",
    0x0424: "message_payload",
}


def listening_port() -> int:
    """smpp34's Server does not report its port; find our listening socket in /proc."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    with open("/proc/self/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                return int(fields[1].split(":")[1], 16)
    raise SystemExit("listening socket not found")


async def main(args) -> None:
    server = smpp34.Server("127.0.0.1", args.port, system_id="smpp34")
    await server.start()
    print(f"listening on 127.0.0.1:{args.port or listening_port()}", flush=True)
    log = open(args.log, "a", buffering=1) if args.log else None
    esmes: dict[str, smpp34.Esme] = {}
    submits = 0
    tasks = set()

    async def receipt(esme, event, message_id):
        text = (
            f"id:{message_id} sub:001 dlvrd:001 submit date:2411261530 "
            f"done date:2411261531 stat:DELIVRD err:000 text:"
        ).encode()
        tlvs = [
            smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
            smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, b"\x02"),
        ]
        try:
            resp = await esme.deliver_sm(
                event.source_addr,
                text,
                source_addr=event.destination_addr,
                esm_class=0x04,
                tlvs=tlvs,
            )
            if log:
                log.write(
                    json.dumps({"event": "deliver_sm_resp", "status": resp.command_status}) + "\n"
                )
        except smpp34.SmppError as exc:
            if log:
                log.write(json.dumps({"event": "deliver_sm_error", "error": str(exc)}) + "\n")

    while True:
        event = await server.next()
        if isinstance(event, smpp34.Esme):
            esmes[event.session_id] = event
            if log:
                log.write(
                    json.dumps(
                        {
                            "event": "bind",
                            "session": event.session_id,
                            "system_id": event.system_id,
                            "status": 0,
                            "mode": "transceiver" if event.can_receive else "transmitter",
                        }
                    )
                    + "\n"
                )
        elif isinstance(event, smpp34.Unbound):
            esmes.pop(event.session_id, None)
            if log:
                log.write(json.dumps({"event": "closed", "session": event.session_id}) + "\n")
        elif isinstance(event, smpp34.SubmitSmEvent):
            submits += 1
            record = (
                {
                    "event": "submit_sm",
                    "session": event.session_id,
                    "source_addr": event.source_addr,
                    "source_addr_ton": event.source_addr_ton,
                    "source_addr_npi": event.source_addr_npi,
                    "destination_addr": event.destination_addr,
                    "dest_addr_ton": event.dest_addr_ton,
                    "dest_addr_npi": event.dest_addr_npi,
                    "esm_class": event.esm_class,
                    "data_coding": event.data_coding,
                    "registered_delivery": event.registered_delivery,
                    "short_message": event.short_message.hex(),
                    "tlvs": {
                        TLV_NAMES[t.tag]: t.value.hex() for t in event.tlvs if t.tag in TLV_NAMES
                    },
                }
                if log
                else None
            )
            if args.throttle_every and submits % args.throttle_every == 0:
                event.reject(smpp34.ESME_RTHROTTLED)
                if log:
                    log.write(json.dumps({**record, "status": 0x58}) + "\n")
                continue
            message_id = f"{submits:08x}"
            event.accept(message_id)
            if log:
                log.write(json.dumps({**record, "status": 0, "message_id": message_id}) + "\n")
            esme = esmes.get(event.session_id)
            if esme is not None and args.unbind_after and submits == args.unbind_after:
                task = asyncio.ensure_future(esme.unbind())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif (
                esme is not None
                and esme.can_receive
                and not args.no_receipts
                and event.registered_delivery & 3
            ):
                task = asyncio.ensure_future(receipt(esme, event, message_id))
                tasks.add(task)
                task.add_done_callback(tasks.discard)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--throttle-every", type=int, default=0)
    parser.add_argument("--unbind-after", type=int, default=0)
    parser.add_argument("--no-receipts", action="store_true")
    for ignored in ("--system-id", "--password"):  # accepted for a uniform command line
        parser.add_argument(ignored)
    try:
        asyncio.run(main(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)
