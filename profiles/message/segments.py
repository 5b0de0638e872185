"""GSM 03.38 / UCS-2 detection, counting and splitting: the one splitter every send uses.

The tables come from the `gsm0338` codec (the published 3GPP TS 23.038 default alphabet and its
extension table). Two things are fixed here rather than taken from the libraries:

* smpplib's ``gsm.make_parts`` cuts the encoded bytes every 153 octets, so an extension character
  (0x1B + code) can be split across two parts, and a surrogate pair can be cut in UCS-2. We split
  on characters, so neither ever happens.
* smpplib's own table maps "`" to 0x5F (which is "§") and cannot encode "§"; the codec's table is
  right, so we encode with the codec. The codec also accepts a raw ESC (U+001B) as a character;
  we treat it as not GSM, since it would corrupt the next character on the phone.

``static/profiles/sms_counter.js`` implements the same algorithm for the live counter;
``tests/message/segment_vectors.json`` proves both agree.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

GSM7 = "gsm7"
UCS2 = "ucs2"
DATA_CODING = {GSM7: 0, UCS2: 8}

# (single-part limit, per-part limit with a 6-octet concatenation UDH) in septets / UTF-16 units.
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

_ESC = 0x1B
_CODEC = "gsm03.38"


def _lookup(name: str) -> str:
    special = {"LINE FEED": "\n", "FORM FEED": "\f", "CARRIAGE RETURN": "\r"}
    return special.get(name) or unicodedata.lookup(name)


# Characters of the basic table (1 septet) and of the extension table (escape + code: 2 septets).
GSM_BASIC = frozenset(_lookup(name) for code, name in BASIC_CHARACTER_SET.items() if code != _ESC)
GSM_EXTENSION = frozenset(_lookup(name) for name in BASIC_CHARACTER_SET_EXTENSION.values())
_GSM_ALL = GSM_BASIC | GSM_EXTENSION

# Characters that look like GSM characters but force UCS-2, with their GSM replacement.
LOOKALIKES = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / typographic apostrophe
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\u200b": "",  # zero-width space
    "\ufeff": "",  # byte-order mark / zero-width no-break space
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # horizontal ellipsis
    "\u2022": "-",  # bullet
    "\u00b7": ".",  # middle dot
    "\t": " ",  # tab (not in the default alphabet)
}


@dataclass(frozen=True)
class Segmentation:
    encoding: str  # "gsm7" or "ucs2"
    data_coding: int  # 0 (GSM default alphabet, unpacked) or 8 (UCS-2 / UTF-16-BE)
    characters: int  # code points, as a user counts them
    units: int  # septets (gsm7; extension chars count 2) or UTF-16 code units (ucs2)
    parts: list[str]  # text of each part; never splits an escape or a surrogate pair
    forcing_ucs2: list[str]  # distinct characters that force UCS-2, in order of appearance
    per_part_limit: int = 0  # units allowed in each part of this split
    udh: bool = True

    @property
    def part_count(self) -> int:
        return len(self.parts)

    @property
    def multipart(self) -> bool:
        return len(self.parts) > 1

    @property
    def units_left(self) -> int:
        """Units still free in the last part (what a counter shows as "n left")."""
        if not self.parts:
            return LIMITS[self.encoding][0]
        return self.per_part_limit - units_of(self.parts[-1], self.encoding)


def char_units(char: str, encoding: str) -> int:
    """Cost of one code point: septets in GSM 7-bit, UTF-16 code units in UCS-2."""
    if encoding == GSM7:
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def units_of(text: str, encoding: str) -> int:
    return sum(char_units(char, encoding) for char in text)


def is_gsm7(char: str) -> bool:
    return char in _GSM_ALL


def forcing_characters(text: str) -> list[str]:
    """Distinct characters outside the GSM default alphabet, in order of appearance."""
    return [char for char in dict.fromkeys(text) if char not in _GSM_ALL]


def replace_lookalikes(text: str) -> str:
    """Swap characters that have a GSM lookalike (curly quotes, no-break spaces, dashes…)."""
    return "".join(LOOKALIKES.get(char, char) for char in text)


def segment(text: str, *, force_ucs2: bool = False, udh: bool = True) -> Segmentation:
    """Choose the encoding and split ``text`` into parts the way it will be sent.

    One part holds 160 septets / 70 UCS-2 units. Longer texts are split at 153 / 67 per part with
    a concatenation UDH, or at 160 / 70 when ``udh`` is False (SAR TLVs or message_payload carry
    the concatenation outside the short message). A character is never cut: an extension
    character (2 septets) or an emoji (surrogate pair) that does not fit starts the next part.
    """
    if not force_ucs2 and len(text) <= LIMITS[GSM7][0]:
        # The common case at C speed: a short text all in the GSM alphabet is one part.
        septets = text.translate(_GSM_SEPTETS)
        if text and septets.isascii() and len(septets) <= LIMITS[GSM7][0]:
            return Segmentation(GSM7, 0, len(text), len(septets), [text], [], LIMITS[GSM7][0], udh)
    return _segment(text, force_ucs2=force_ucs2, udh=udh)


def _segment(text: str, *, force_ucs2: bool, udh: bool) -> Segmentation:
    forcing = forcing_characters(text)
    encoding = UCS2 if force_ucs2 or forcing else GSM7
    single, per_part = LIMITS[encoding]
    if not udh:
        per_part = single
    units = _units(text, encoding)
    if not text:
        parts: list[str] = []
    elif units <= single:
        parts, per_part = [text], single
    else:
        parts = _split(text, [char_units(char, encoding) for char in text], per_part)
    return Segmentation(
        encoding=encoding,
        data_coding=DATA_CODING[encoding],
        characters=len(text),
        units=units,
        parts=parts,
        forcing_ucs2=forcing,
        per_part_limit=per_part,
        udh=udh,
    )


def _units(text: str, encoding: str) -> int:
    """units_of at C speed: septets of the unpacked encoding, or UTF-16 code units."""
    if encoding == GSM7:
        return len(text.translate(_GSM_SEPTETS))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _split(text: str, costs: list[int], limit: int) -> list[str]:
    parts, start, used = [], 0, 0
    for index, cost in enumerate(costs):
        if used + cost > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    return parts


def encode(text: str, encoding: str) -> bytes:
    """gsm7: unpacked GSM 03.38 octets (one septet per byte, 0x1B before extension characters);
    ucs2: UTF-16-BE (characters beyond the BMP as surrogate pairs, as phones expect)."""
    if encoding == GSM7:
        if "\x1b" in text:
            raise UnicodeEncodeError(
                _CODEC, text, text.index("\x1b"), text.index("\x1b") + 1, "ESC is not a character"
            )
        return codecs.encode(text, _CODEC)
    if encoding == UCS2:
        return text.encode("utf-16-be")
    raise ValueError(f"unknown encoding {encoding!r}")


def _septet_table() -> dict[int, str]:
    """str.translate table: GSM characters to their unpacked septets (an extension character to
    ESC + code), every other ASCII character to a non-ASCII marker. Built from the codec that
    `encode` uses, so `septets()` and the fast path of `segment` cannot disagree with it."""
    table = {}
    for char in GSM_BASIC | GSM_EXTENSION:
        table[ord(char)] = encode(char, GSM7).decode("latin-1")
    for code in range(128):
        table.setdefault(code, "\uffff")
    return table


def decode(data: bytes, encoding: str) -> str:
    if encoding == GSM7:
        return codecs.decode(data, _CODEC)
    if encoding == UCS2:
        return data.decode("utf-16-be")
    raise ValueError(f"unknown encoding {encoding!r}")


_GSM_SEPTETS = _septet_table()


def septets(text: str) -> bytes:
    """`encode(text, GSM7)` at C speed, for text `segment` has already judged GSM 7-bit."""
    return text.translate(_GSM_SEPTETS).encode("latin-1")
