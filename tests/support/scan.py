"""Byte scans for personal data in every file under a folder, in every encoding privacy.md lists (T8)."""

from __future__ import annotations

import base64
import json
import unicodedata
import urllib.parse
from pathlib import Path


def encodings(value: str) -> dict[str, bytes]:
    """The ways a value can sit in a file: raw, case, UTF-16-LE, JSON-escaped, URL-encoded, base64, hex, NFD."""
    forms = {
        "raw": value.encode(),
        "lower": value.lower().encode(),
        "upper": value.upper().encode(),
        "utf16le": value.encode("utf-16-le"),
        "json": json.dumps(value).strip('"').encode(),
        "url": urllib.parse.quote(value).encode(),
        "base64": base64.b64encode(value.encode()).rstrip(b"="),
        "hex": value.encode().hex().encode(),
        "HEX": value.encode().hex().upper().encode(),
        "nfd": unicodedata.normalize("NFD", value).encode(),
    }
    return {name: form for name, form in forms.items() if len(form) >= 6}


def find_plaintext(root: Path, values: list[str]) -> list[str]:
    """Every (file, value, encoding) where a value appears; files are read whole, WAL and journals too."""
    hits = []
    needles = [(value, name, form) for value in values for name, form in encodings(value).items()]
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        lowered = data.lower()
        for value, name, form in needles:
            haystack = lowered if name in ("raw", "lower", "upper") else data
            needle = form.lower() if name in ("raw", "lower", "upper") else form
            if needle in haystack:
                hits.append(
                    f"{path.relative_to(root)}: {name} form of a canary value ({len(value)} chars)"
                )
    return hits


def files_scanned(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
