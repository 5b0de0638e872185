"""A stand-in for Jasmin's HTTP API `/send`, answering on the test HTTP gateway (http_gateway.py).

No Jasmin runs here (it needs RabbitMQ, Redis and its own daemons), so this applies the rules of
Jasmin 0.11's `jasmin/protocols/http/endpoints/send.py` to each request and records the
short_message it would hand to its SMPP connector:

* every argument must be known, `to`, `username` and `password` must be present, and each
  matches Jasmin's pattern (`coding` one of the SMPP data codings, default 0);
* exactly one of `content` and `hex-content`: neither, or both, is a 400;
* `hex-content` becomes the short_message as it stands (hex to bytes); `content` is converted
  from UTF-8 to GSM 03.38 (unknown characters become "?") when coding=0, and is forwarded as its
  UTF-8 bytes for any other coding, which is how an Arabic `content` arrives garbled;
* a wrong account answers 403, success 200 `Success "<message id>"`.

`handset_texts()` decodes what was "delivered" as a phone would, by its data coding.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from profiles.message import segments

from .http_gateway import Recorded, Reply

_ANY = re.compile(r"^.*$", re.DOTALL)
FIELDS = {  # name: (mandatory, pattern), as Jasmin's Send.render_POST validates them
    "to": (True, re.compile(r"^\+{0,1}\d+$")),
    "from": (False, _ANY),
    "coding": (False, re.compile(r"^(0|1|2|3|4|5|6|7|8|9|10|13|14){1}$")),
    "username": (True, re.compile(r"^.{1,16}$")),
    "password": (True, re.compile(r"^.{1,16}$")),
    "priority": (False, re.compile(r"^[0-3]$")),
    "validity-period": (False, re.compile(r"^\d+$")),
    "dlr": (False, re.compile(r"^(yes|no)$")),
    "dlr-url": (False, re.compile(r"^(http|https)\://.*$")),
    "dlr-level": (False, re.compile(r"^[1-3]$")),
    "dlr-method": (False, re.compile(r"^(get|post)$", re.IGNORECASE)),
    "tags": (False, re.compile(r"^([-a-zA-Z0-9,])*$")),
    "content": (False, _ANY),
    "hex-content": (False, _ANY),
}


@dataclass
class Delivered:
    to: str
    sender: str
    data_coding: int
    short_message: bytes


class JasminSend:
    """gateway.responder = JasminSend(username, password)."""

    def __init__(self, username: str, password: str):
        self.account = (username, password)
        self.delivered: list[Delivered] = []

    def __call__(self, request: Recorded) -> Reply:
        args = request.params if request.method == "GET" else request.form
        for name in args:
            if name not in FIELDS:
                return _error(400, f"Argument {name} is unknown.")
        for name, (mandatory, pattern) in FIELDS.items():
            if name not in args:
                if mandatory:
                    return _error(400, f"Mandatory argument {name} is not found.")
            elif not pattern.match(args[name]):
                return _error(400, f"Argument {name} has an invalid value: {args[name]}.")
        if "content" not in args and "hex-content" not in args:
            return _error(400, "content or hex-content not present.")
        if "content" in args and "hex-content" in args:
            return _error(400, "content and hex-content cannot be used both in same request.")
        if (args["username"], args["password"]) != self.account:
            return _error(403, f"Authentication failure for username:{args['username']}")
        coding = int(args.get("coding", "0"))
        if "hex-content" in args:
            short_message = bytes.fromhex(args["hex-content"])
        elif coding == 0:
            short_message = b"".join(_gsm0338(char) for char in args["content"])
        else:
            short_message = args["content"].encode()
        self.delivered.append(Delivered(args["to"], args.get("from", ""), coding, short_message))
        return Reply(200, f'Success "{uuid.uuid4()}"')

    def handset_texts(self) -> list[str]:
        return [_as_a_phone_shows(d.short_message, d.data_coding) for d in self.delivered]


def _gsm0338(char: str) -> bytes:
    try:
        return segments.encode(char, segments.GSM7)
    except UnicodeEncodeError:
        return b"?"


def _as_a_phone_shows(data: bytes, data_coding: int) -> str:
    if data_coding == 8:
        return data.decode("utf-16-be", errors="replace")
    return segments.decode(data, segments.GSM7)


def _error(status: int, message: str) -> Reply:
    return Reply(status, f'Error "{message}"')
