"""Cypher, one module per dialect. Each module exposes the same named builders; every value goes
in as a parameter. Labels and relationship types are identifiers, not values: where a dialect has to
write one into the text, it is first checked against the vocabulary in ``schema/model.json``."""

from __future__ import annotations

import re

from loupan.graph.model import node_labels, relationship_types

_IDENT = re.compile(r"^[A-Z][A-Za-z_]*$")


def checked_label(label: str) -> str:
    if label not in node_labels() or not _IDENT.match(label):
        raise ValueError(f"unknown node label {label!r}; known: {', '.join(node_labels())}")
    return label


def checked_type(rel_type: str) -> str:
    if rel_type not in relationship_types() or not _IDENT.match(rel_type):
        raise ValueError(f"unknown relationship type {rel_type!r}; known: {', '.join(relationship_types())}")
    return rel_type
