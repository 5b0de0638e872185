"""The server-side splitter against the published GSM 03.38 tables and the shared vectors."""

from __future__ import annotations

import pytest
from smpplib import gsm as smpplib_gsm

from profiles.message import segments
from profiles.message.segments import GSM7, UCS2, decode, encode, segment

from .vectors import VECTORS, vector_text

# 3GPP TS 23.038 §6.2.1, default alphabet, index = septet ("\x1b" = escape to extension).
PUBLISHED_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# §6.2.1.1, default alphabet extension table.
PUBLISHED_EXTENSION = {
    0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
    0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
}  # fmt: skip


@pytest.mark.parametrize("vector", VECTORS["segments"], ids=lambda v: v["name"])
def test_it_agrees_with_the_shared_vectors(vector):
    text = vector_text(vector)
    result = segment(text, force_ucs2=vector.get("force_ucs2", False), udh=vector.get("udh", True))
    assert result.encoding == vector["encoding"]
    assert result.data_coding == {"gsm7": 0, "ucs2": 8}[vector["encoding"]]
    assert result.characters == vector["characters"]
    assert result.units == vector["units"]
    assert [len(part) for part in result.parts] == vector["part_chars"]
    assert "".join(result.parts) == text
    assert result.forcing_ucs2 == vector["forcing_ucs2"]


@pytest.mark.parametrize("vector", VECTORS["lookalikes"], ids=lambda v: v["replaced"])
def test_it_replaces_lookalikes_with_gsm_characters(vector):
    assert segments.replace_lookalikes(vector["text"]) == vector["replaced"]


def test_it_knows_the_published_basic_table():
    for septet, char in enumerate(PUBLISHED_BASIC):
        if char == "\x1b":
            assert char not in segments.GSM_BASIC
            continue
        assert char in segments.GSM_BASIC
        assert encode(char, GSM7) == bytes([septet])
        assert decode(bytes([septet]), GSM7) == char
    assert len(segments.GSM_BASIC) == 127


def test_it_knows_the_published_extension_table():
    assert segments.GSM_EXTENSION == frozenset(PUBLISHED_EXTENSION.values())
    for code, char in PUBLISHED_EXTENSION.items():
        assert encode(char, GSM7) == bytes([0x1B, code])
        assert decode(bytes([0x1B, code]), GSM7) == char
        assert segment(char).units == 2


def test_it_encodes_gsm_unpacked_and_never_as_utf8():
    data = encode("Café 10€ @home", GSM7)
    assert data == b"Caf\x05 10\x1be \x00home"
    assert decode(data, GSM7) == "Café 10€ @home"


def test_it_encodes_ucs2_as_utf16_big_endian_with_surrogate_pairs():
    assert encode("مرحبا", UCS2) == "مرحبا".encode("utf-16-be")
    assert encode("😀", UCS2) == b"\xd8\x3d\xde\x00"
    assert decode(b"\xd8\x3d\xde\x00\x00a", UCS2) == "😀a"


def test_it_refuses_to_encode_what_gsm_cannot_hold():
    for text in ("ç", "`", "\x1b", "😀"):
        with pytest.raises(UnicodeEncodeError):
            encode(text, GSM7)


def test_it_fixes_the_escape_split_of_smpplib():
    text = "a" * 152 + "€" + "b" * 10
    smpplib_parts, _, _ = smpplib_gsm.make_parts(text)
    # smpplib cuts the octets at 153: the first part ends with a lone escape octet.
    assert smpplib_parts[0][6:].endswith(b"\x1b")
    ours = segment(text)
    payloads = [encode(part, GSM7) for part in ours.parts]
    assert not payloads[0].endswith(b"\x1b")
    assert payloads[1].startswith(b"\x1be")
    assert all(len(payload) <= 153 for payload in payloads)
    assert "".join(decode(p, GSM7) for p in payloads) == text


def test_it_fixes_the_backtick_and_section_sign_of_smpplib():
    assert smpplib_gsm.gsm_encode("`") == b"\x5f"  # 0x5F is "§" on the phone
    assert segment("`").encoding == UCS2
    assert encode("§", GSM7) == b"\x5f"


def test_it_keeps_surrogate_pairs_whole_in_every_part():
    text = "x" + "😀" * 40
    split = segment(text)
    assert "".join(split.parts) == text
    for part in split.parts:
        octets = encode(part, UCS2)
        assert len(octets) <= 134
        first, last = int.from_bytes(octets[:2]), int.from_bytes(octets[-2:])
        assert not 0xDC00 <= first <= 0xDFFF  # a part never starts with a pair's second half
        assert not 0xD800 <= last <= 0xDBFF  # nor ends with its first half


def test_it_reports_the_units_left_in_the_last_part():
    assert segment("").units_left == 160
    assert segment("a" * 10).units_left == 150
    assert segment("a" * 160).units_left == 0
    assert segment("a" * 161).units_left == 145
    assert segment("ب" * 3).units_left == 67
