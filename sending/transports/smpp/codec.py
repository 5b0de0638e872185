"""The SMPP 3.4 codec: smpplib's command classes and constants, our framing, two proven fast paths.

Every PDU the session and the sandbox SMSC exchange is encoded with `encode()` and decoded with
`decode()`, both smpplib's `smpplib.command` classes underneath, with two thin adapters where
smpplib falls short (the bind classes below, and `_Tolerant`). smpplib has no socket loop we can
use (it is blocking, not thread-safe, and has no window), so the 16-octet framing of a byte
stream (`split_stream`) is ours.

Exactly two fast paths are hand-written, because they run once per part of a bulk send:

* encoding submit_sm: `parts.PartBuilder` (smpplib's `SubmitSM.generate()` costs ~40 µs, several
  times the whole per-part budget of a 25,000 msg/s send);
* decoding submit_sm_resp: `message_id_of()` below (smpplib's parse costs ~8 µs, against well
  under 1 µs for cutting the message_id at its NUL).

`bench/smpp_send.py --codec` measures both against smpplib (README, Speed);
tests/sending/smpp/test_fast_paths.py proves both byte-for-byte equal to smpplib with hypothesis,
so smpplib stays the reference.
"""

from __future__ import annotations

import struct
import sys

from smpplib import command, command_codes, consts, exceptions
from smpplib.command import Param
from smpplib.ptypes import ostr

HEADER = struct.Struct(">IIII")  # command_length, command_id, command_status, sequence_number
HEADER_SIZE = HEADER.size
MAX_PDU = 64 * 1024  # far above any legal PDU; a larger length means a broken stream

_code = command_codes.get_command_code  # smpplib's table of command ids
RESPONSE = 0x80000000  # the response bit of command_id (SMPP 3.4 section 5.1.2.1)
GENERIC_NACK = _code("generic_nack")
BIND_RECEIVER = _code("bind_receiver")
BIND_TRANSMITTER = _code("bind_transmitter")
BIND_TRANSCEIVER = _code("bind_transceiver")
SUBMIT_SM = _code("submit_sm")
SUBMIT_SM_RESP = _code("submit_sm_resp")
DELIVER_SM = _code("deliver_sm")
UNBIND = _code("unbind")
ENQUIRE_LINK = _code("enquire_link")
ENQUIRE_LINK_RESP = _code("enquire_link_resp")
BINDS = (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER)

TLV_MESSAGE_PAYLOAD = consts.OPTIONAL_PARAMS["message_payload"]
TLV_SAR_MSG_REF_NUM = consts.OPTIONAL_PARAMS["sar_msg_ref_num"]
TLV_SAR_TOTAL_SEGMENTS = consts.OPTIONAL_PARAMS["sar_total_segments"]
TLV_SAR_SEGMENT_SEQNUM = consts.OPTIONAL_PARAMS["sar_segment_seqnum"]
_TLV_NAMES = {tag: name for name, tag in consts.OPTIONAL_PARAMS.items()}

ESM_UDHI = consts.SMPP_GSMFEAT_UDHI  # short_message starts with a user data header
# esm_class message types of a deliver_sm (section 5.2.12); smpplib names only some of them.
ESM_TYPE_MASK = 0x3C
ESM_RECEIPT = 0x04  # SMSC delivery receipt
ESM_NOTIFICATIONS = frozenset({ESM_RECEIPT, consts.SMPP_MSGTYPE_DELIVERYACK, 0x10, 0x20})


def command_id(name: str) -> int:
    return command_codes.get_command_code(name)


def pdu_name(command_id: int) -> str:
    try:
        return command_codes.get_command_name(command_id)
    except exceptions.UnknownCommandError:
        return f"0x{command_id:08x}"


# Binds ---------------------------------------------------------------------------------------
# smpplib cuts the password to SMPP 3.4's 8 characters and always sends interface_version 0x34.
# Some providers issue longer passwords (the wizard accepts them with a warning): cutting one
# would only fail the bind. And the profile chooses the interface version.
_BIND_PARAMS = {**command.BindTransmitter.params, "password": Param(type=str, max=sys.maxsize)}


class _Bind:
    params = _BIND_PARAMS

    def __init__(self, name, interface_version=consts.SMPP_VERSION_34, **kwargs):
        super().__init__(name, **kwargs)
        self.interface_version = interface_version


class BindTransmitter(_Bind, command.BindTransmitter):
    pass


class BindReceiver(_Bind, command.BindReceiver):
    pass


class BindTransceiver(_Bind, command.BindTransceiver):
    pass


# Decoding ------------------------------------------------------------------------------------


class _Tolerant:
    """What an SMSC may send that smpplib's parser trips over.

    smpplib raises on a TLV it does not know for the command (a vendor tag, or a known tag the
    command does not list), and drops the last character of a C-octet-string TLV sent without its
    NUL (some SMSCs send receipted_message_id that way). Unknown TLVs are skipped, as SMPP 3.4
    section 3.2.4 asks; a missing NUL is put back before smpplib reads the value. smpplib also
    reads a truncated body quietly (a C-octet string without its NUL, a field past the end): that
    raises ValueError here, so a broken PDU is never taken for a complete one.
    """

    def parse_params(self, data):
        super().parse_params(data)
        for name in self.params_order:
            if self.field_is_optional(name):
                break
            if self.params[name].type is not ostr and getattr(self, name) is None:
                raise ValueError(f"{name} missing")

    def _parse_string(self, field, data, pos, length=None):
        if length is None and data.find(b"\0", pos) < 0:
            raise ValueError(f"{field} without its terminating NUL")
        return super()._parse_string(field, data, pos, length)

    def _parse_int(self, field, data, pos):
        if pos + self.params[field].size > len(data):
            raise ValueError(f"{field} past the end of the PDU")
        return super()._parse_int(field, data, pos)

    def _parse_ostring(self, field, data, pos, length=None):
        if length is None:
            length = int(getattr(self, self.params[field].len_field) or 0)
        if pos + length > len(data):
            raise ValueError(f"{field} past the end of the PDU")
        return super()._parse_ostring(field, data, pos, length)

    def parse_optional_params(self, data):
        kept, pos, size = [], 0, len(data)
        while pos + 4 <= size:
            tag, length = struct.unpack_from(">HH", data, pos)
            value = data[pos + 4 : pos + 4 + length]
            if len(value) < length:
                raise ValueError("TLV shorter than its length")
            pos += 4 + length
            name = _TLV_NAMES.get(tag)
            if name not in self.params:
                continue
            param = self.params[name]
            if param.type is str and not hasattr(param, "size") and not value.endswith(b"\0"):
                value += b"\0"
            elif param.type is int and len(value) != param.size:
                continue  # smpplib reads its own size whatever the length says
            kept.append(struct.pack(">HH", tag, len(value)) + value)
        super().parse_optional_params(b"".join(kept))


_CLASSES = {
    "generic_nack": command.GenericNAck,
    "bind_transmitter": BindTransmitter,
    "bind_receiver": BindReceiver,
    "bind_transceiver": BindTransceiver,
    "bind_transmitter_resp": command.BindTransmitterResp,
    "bind_receiver_resp": command.BindReceiverResp,
    "bind_transceiver_resp": command.BindTransceiverResp,
    "submit_sm": command.SubmitSM,
    "submit_sm_resp": command.SubmitSMResp,
    "deliver_sm": command.DeliverSM,
    "deliver_sm_resp": command.DeliverSMResp,
    "unbind": command.Unbind,
    "unbind_resp": command.UnbindResp,
    "enquire_link": command.EnquireLink,
    "enquire_link_resp": command.EnquireLinkResp,
}
_DECODERS = {
    _code(name): (name, type(cls.__name__, (_Tolerant, cls), {})) for name, cls in _CLASSES.items()
}


def _ascii(value):
    """SMPP text fields are C-octet strings of ASCII; anything else must not corrupt the PDU."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("ascii", "replace").decode("ascii")
    return value


def make(name: str, sequence: int, status: int = 0, **fields) -> command.Command:
    """The smpplib command `name` ("bind_transceiver", "deliver_sm_resp", …) with `fields`."""
    fields = {key: _ascii(value) for key, value in fields.items()}
    pdu = _CLASSES[name](name, sequence=sequence, status=status, **fields)
    pdu.sequence = sequence  # smpplib ignores the keyword while its dummy client says 0
    return pdu


def encode(name: str, sequence: int, status: int = 0, **fields) -> bytes:
    """One whole PDU, header included, encoded by smpplib."""
    return make(name, sequence, status, **fields).generate()


def decode(command_id: int, status: int, sequence: int, body: bytes) -> command.Command:
    """A PDU cut off the stream by split_stream, decoded by smpplib; ValueError if it cannot be."""
    try:
        name, cls = _DECODERS[command_id]
    except KeyError:
        raise ValueError(f"unsupported command {pdu_name(command_id)}") from None
    pdu = cls(name, sequence=sequence, status=status)
    pdu.sequence = sequence
    try:
        if body:
            pdu.parse_params(body)
    except (struct.error, IndexError, KeyError, TypeError, exceptions.UnknownCommandError) as exc:
        raise ValueError(f"undecodable {name}: {exc!r}") from exc
    return pdu


def as_text(value: bytes | None) -> str:
    """A decoded C-octet string field (smpplib gives bytes, or None when absent)."""
    return (value or b"").decode("latin-1")


# The two hot paths ---------------------------------------------------------------------------


def message_id_of(body: bytes) -> str:
    """The message_id of a submit_sm_resp body (empty on an error response without one).

    Equal to smpplib's parse (with unknown TLVs skipped), proven by test_fast_paths.py.
    """
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
