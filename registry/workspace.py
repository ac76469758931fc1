"""Parsed documents from one source, each parsed at most once.

Lint, diff, bundling and validation all ask for the same files; the workspace is the cache
that makes "parse once" true, and the place that turns a pointer into a line for messages.
"""

from __future__ import annotations

import posixpath

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import Document, decode, parse
from ledgerpact.registry.source import Source


class Workspace:
    def __init__(self, source: Source) -> None:
        self.source = source
        self._docs: dict[str, Document] = {}

    def document(self, rel: str) -> Document:
        rel = posixpath.normpath(rel)
        doc = self._docs.get(rel)
        if doc is None:
            text = decode(self.source.read(rel), rel)
            doc = Document(path=rel, data=parse(text, rel), text=text)
            self._docs[rel] = doc
        return doc

    def error(self, message: str, file: str, pointer: str) -> InputError:
        """An InputError located at ``pointer`` in ``file``, with its line when known."""
        line = None
        doc = self._docs.get(file)
        if doc is not None:
            line = doc.line_of(pointer)
        return InputError(message, file=file, pointer=pointer, line=line)

    @property
    def files(self) -> list[str]:
        """Every file parsed so far, in the order first read."""
        return list(self._docs)
