"""UBL supporting documents (cac:AdditionalDocumentReference, BG-24) in the canonical model.

Embedded files are hashed and dropped: the canonical model references attachments by
SHA-256 so that messages stay small and attachments are tamper-evident; the bytes belong in
a document store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from ledgerpact.adapters.ubl.nodes import Node
from ledgerpact.adapters.ubl.values import put


def supporting_document(node: Node) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": node.require_value("cbc:ID", "BT-122 supporting document reference")
    }
    put(result, "description", node.value("cbc:DocumentDescription"))
    put(result, "typeCode", node.value("cbc:DocumentTypeCode"))
    attachment = node.child("cac:Attachment")
    if attachment is not None:
        external = attachment.child("cac:ExternalReference")
        put(result, "uri", external.value("cbc:URI") if external is not None else None)
        embedded = attachment.child("cbc:EmbeddedDocumentBinaryObject")
        if embedded is not None:
            result["attachment"] = _embedded(embedded, result["id"])
    return result


def _embedded(node: Node, document_id: str) -> dict[str, Any]:
    """BT-125: the bytes are hashed and dropped; the canonical model references them by SHA-256."""
    filename = node.attr("filename")
    media_type = node.attr("mimeCode")
    if filename is None or media_type is None:
        raise node.error(
            "attached document needs both filename and mimeCode attributes (BT-125-1, BT-125-2)"
        )
    try:
        content = base64.b64decode("".join(node.text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise node.error("attached document is not valid base64") from None
    return {
        "filename": filename,
        "mediaType": media_type,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "documentReference": document_id,
    }
