"""The JavaScript counter runs the shared vectors under Node and agrees with Python."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from profiles.message import segments
from tests.support import need_executable

from .vectors import VECTORS, VECTORS_PATH, vector_text

COUNTER = Path(__file__).resolve().parents[2] / "profiles/static/profiles/sms_counter.js"

_RUNNER = r"""
const counter = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = {
  segments: input.segments.map(
    (v) => counter.segment(v.text, {forceUcs2: v.force_ucs2, udh: v.udh})
  ),
  lookalikes: input.lookalikes.map((t) => counter.replaceLookalikes(t)),
  gsm: input.probe.map((ch) => [counter.isGsm7(ch), counter.charUnits(ch, "gsm7")]),
};
process.stdout.write(JSON.stringify(out));
"""


def _run_node(payload: dict) -> dict:
    node = need_executable("node", "apt-get install nodejs")
    done = subprocess.run(
        [node, "-e", _RUNNER, str(COUNTER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def node_results():
    cases = [
        {
            "text": vector_text(v),
            "force_ucs2": v.get("force_ucs2", False),
            "udh": v.get("udh", True),
        }
        for v in VECTORS["segments"]
    ]
    probe = [chr(cp) for cp in range(0x3000) if not 0xD800 <= cp <= 0xDFFF] + ["😀", "€", "ﷺ"]
    results = _run_node(
        {
            "segments": cases,
            "lookalikes": [v["text"] for v in VECTORS["lookalikes"]],
            "probe": probe,
        }
    )
    return cases, probe, results


def test_it_passes_the_shared_vectors_in_node(node_results):
    _, _, results = node_results
    for vector, got in zip(VECTORS["segments"], results["segments"], strict=True):
        assert got["encoding"] == vector["encoding"], vector["name"]
        assert got["characters"] == vector["characters"], vector["name"]
        assert got["units"] == vector["units"], vector["name"]
        assert [len(list(p)) for p in got["parts"]] == vector["part_chars"], vector["name"]
        assert got["forcing_ucs2"] == vector["forcing_ucs2"], vector["name"]
    assert results["lookalikes"] == [v["replaced"] for v in VECTORS["lookalikes"]]


def test_it_returns_exactly_what_python_returns(node_results):
    cases, _, results = node_results
    for case, got in zip(cases, results["segments"], strict=True):
        ours = segments.segment(case["text"], force_ucs2=case["force_ucs2"], udh=case["udh"])
        assert got["parts"] == ours.parts
        assert got["data_coding"] == ours.data_coding
        assert got["per_part_limit"] == ours.per_part_limit
        assert got["units_left"] == ours.units_left


def test_it_classifies_every_character_like_python(node_results):
    _, probe, results = node_results
    for char, (is_gsm, units) in zip(probe, results["gsm"], strict=True):
        assert is_gsm == segments.is_gsm7(char), repr(char)
        if is_gsm:
            assert units == segments.char_units(char, "gsm7"), repr(char)


def test_it_shares_the_lookalike_table_with_python():
    node = need_executable("node", "apt-get install nodejs")
    done = subprocess.run(
        [node, "-e", "process.stdout.write(JSON.stringify(require(process.argv[1]).LOOKALIKES))",
         str(COUNTER)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout) == segments.LOOKALIKES
    assert VECTORS_PATH.exists()
