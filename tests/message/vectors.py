"""Loads the shared segment vectors (also run by the JavaScript counter)."""

from __future__ import annotations

import json
from pathlib import Path

VECTORS_PATH = Path(__file__).with_name("segment_vectors.json")
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def vector_text(vector: dict) -> str:
    if "text" in vector:
        return vector["text"]
    return "".join(chunk * count for chunk, count in vector["repeat"])
