"""A small SMPP 3.4 codec: just the PDUs an ESME and a sandbox SMSC exchange.

Hand-written with `struct` rather than smpplib's PDU classes: the send loop encodes one submit_sm
per part, and smpplib's per-PDU object building costs more than the socket write itself. The
bodies here are plain bytes; the session prepends the 16-octet header with the sequence number.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

HEADER = struct.Struct(">IIII")  # command_length, command_id, command_status, sequence_number
HEADER_SIZE = HEADER.size
MAX_PDU = 64 * 1024  # far above any legal PDU; a larger length means a broken stream

RESPONSE = 0x80000000
GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
BIND_TRANSCEIVER = 0x00000009
ENQUIRE_LINK = 0x00000015
SUBMIT_SM_RESP = SUBMIT_SM | RESPONSE
DELIVER_SM_RESP = DELIVER_SM | RESPONSE
UNBIND_RESP = UNBIND | RESPONSE
ENQUIRE_LINK_RESP = ENQUIRE_LINK | RESPONSE
BINDS = (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER)

COMMAND_NAMES = {
    GENERIC_NACK: "generic_nack",
    BIND_RECEIVER: "bind_receiver",
    BIND_TRANSMITTER: "bind_transmitter",
    SUBMIT_SM: "submit_sm",
    DELIVER_SM: "deliver_sm",
    UNBIND: "unbind",
    BIND_TRANSCEIVER: "bind_transceiver",
    ENQUIRE_LINK: "enquire_link",
}

# Optional parameter tags (SMPP 3.4 section 5.3.2).
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_SC_INTERFACE_VERSION = 0x0210
TLV_NETWORK_ERROR_CODE = 0x0423
TLV_MESSAGE_PAYLOAD = 0x0424
TLV_MESSAGE_STATE = 0x0427

ESM_UDHI = 0x40  # short_message starts with a user data header
ESM_RECEIPT = 0x04  # deliver_sm carries an SMSC delivery receipt
ESM_TYPE_MASK = 0x3C


def command_name(command_id: int) -> str:
    base = command_id & ~RESPONSE
    name = COMMAND_NAMES.get(base, f"0x{command_id:08x}")
    return name + "_resp" if command_id & RESPONSE and command_id != GENERIC_NACK else name


def pack(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(HEADER_SIZE + len(body), command_id, status, sequence) + body


def cstring(value: str | bytes, limit: int = 0) -> bytes:
    """A C-octet string. SMPP text fields are ASCII; anything else would corrupt the PDU."""
    data = value if isinstance(value, bytes) else value.encode("ascii", "replace")
    if limit:
        data = data[: limit - 1]
    return data + b"\0"


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


def bind_body(
    system_id: str,
    password: str,
    system_type: str = "",
    interface_version: int = 0x34,
    ton: int = 0,
    npi: int = 0,
    address_range: str = "",
) -> bytes:
    return b"".join(
        (
            cstring(system_id, 16),
            # SMPP 3.4 allows 8 characters, but some providers issue longer passwords (the
            # wizard accepts them with a warning): cutting one would only fail the bind.
            cstring(password),
            cstring(system_type, 13),
            bytes((interface_version, ton, npi)),
            cstring(address_range, 41),
        )
    )


@dataclass
class ShortMessage:
    """The fields a submit_sm and a deliver_sm share (SMPP 3.4 sections 4.4.1 and 4.6.1)."""

    source_addr: str = ""
    destination_addr: str = ""
    short_message: bytes = b""
    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    tlvs: dict[int, bytes] = field(default_factory=dict)

    def encode(self) -> bytes:
        return b"".join(
            (
                cstring(self.service_type, 6),
                bytes((self.source_addr_ton, self.source_addr_npi)),
                cstring(self.source_addr, 21),
                bytes((self.dest_addr_ton, self.dest_addr_npi)),
                cstring(self.destination_addr, 21),
                bytes((self.esm_class, self.protocol_id, self.priority_flag)),
                cstring(self.schedule_delivery_time, 17),
                cstring(self.validity_period, 17),
                bytes(
                    (
                        self.registered_delivery,
                        self.replace_if_present_flag,
                        self.data_coding,
                        self.sm_default_msg_id,
                        len(self.short_message),
                    )
                ),
                self.short_message,
                *(tlv(tag, value) for tag, value in self.tlvs.items()),
            )
        )

    @classmethod
    def decode(cls, body: bytes) -> ShortMessage:
        reader = Reader(body)
        sm = cls(service_type=reader.cstring())
        sm.source_addr_ton, sm.source_addr_npi = reader.octet(), reader.octet()
        sm.source_addr = reader.cstring()
        sm.dest_addr_ton, sm.dest_addr_npi = reader.octet(), reader.octet()
        sm.destination_addr = reader.cstring()
        sm.esm_class, sm.protocol_id, sm.priority_flag = reader.octets(3)
        sm.schedule_delivery_time = reader.cstring()
        sm.validity_period = reader.cstring()
        values = reader.octets(5)
        sm.registered_delivery, sm.replace_if_present_flag, sm.data_coding = values[:3]
        sm.sm_default_msg_id = values[3]
        sm.short_message = reader.take(values[4])
        sm.tlvs = reader.tlvs()
        return sm

    @property
    def payload(self) -> bytes:
        """The message octets: message_payload when present, else short_message."""
        return self.tlvs.get(TLV_MESSAGE_PAYLOAD, self.short_message)


@dataclass
class BindRequest:
    system_id: str
    password: str
    system_type: str
    interface_version: int
    ton: int
    npi: int
    address_range: str

    @classmethod
    def decode(cls, body: bytes) -> BindRequest:
        reader = Reader(body)
        system_id, password, system_type = reader.cstring(), reader.cstring(), reader.cstring()
        version, ton, npi = reader.octets(3)
        return cls(system_id, password, system_type, version, ton, npi, reader.cstring())


class Reader:
    """Sequential reads over a PDU body; a truncated body raises ValueError."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def cstring(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ValueError("C-octet string without its terminating NUL")
        value = self.data[self.pos : end].decode("latin-1")
        self.pos = end + 1
        return value

    def octet(self) -> int:
        return self.octets(1)[0]

    def octets(self, count: int) -> bytes:
        return self.take(count)

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise ValueError("PDU body shorter than its fields")
        value = self.data[self.pos : self.pos + count]
        self.pos += count
        return value

    def tlvs(self) -> dict[int, bytes]:
        values = {}
        while self.pos + 4 <= len(self.data):
            tag, length = struct.unpack_from(">HH", self.data, self.pos)
            self.pos += 4
            values[tag] = self.take(length)
        return values


def message_id_of(body: bytes) -> str:
    """The message_id of a submit_sm_resp (may be empty on an error response)."""
    end = body.find(b"\0")
    return (body if end < 0 else body[:end]).decode("latin-1")


def split_stream(buffer: bytearray) -> list[tuple[int, int, int, bytes]]:
    """Cut every complete PDU off the front of `buffer`: (command_id, status, sequence, body)."""
    pdus = []
    pos, size, unpack = 0, len(buffer), HEADER.unpack_from
    while size - pos >= HEADER_SIZE:
        length, command_id, status, sequence = unpack(buffer, pos)
        if length < HEADER_SIZE or length > MAX_PDU:
            raise ValueError(f"invalid command_length {length}")
        if size - pos < length:
            break
        pdus.append((command_id, status, sequence, bytes(buffer[pos + HEADER_SIZE : pos + length])))
        pos += length
    if pos:
        del buffer[:pos]
    return pdus
