"""Helpers for tests of commands that print several JSON documents (chained reports, several jobs)."""
from __future__ import annotations

import json


def json_documents(text: str) -> list:
    """The JSON documents printed one after the other on stdout, in order."""
    decoder, docs, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        doc, at = decoder.raw_decode(text, at)
        docs.append(doc)
    return docs
