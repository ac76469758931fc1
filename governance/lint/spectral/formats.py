"""The string formats ajv-formats always checks and jsonschema checks only with optional
packages installed: ``uri``, ``uuid`` and ``hostname``.

Spectral's ``schema`` function validates with ajv plus ajv-formats, so a ruleset that asks
for ``format: uri`` gets findings there; with jsonschema's stock checker these formats
would pass silently. Written from RFC 3986 and RFC 1123 (no extra dependency).
"""

from __future__ import annotations

import ipaddress
import re
import uuid

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SEGMENT = rf"{_PCHAR}*"
_SEGMENT_NZ = rf"{_PCHAR}+"
_AUTHORITY = (rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"
              rf"(?:\[(?P<literal>[^\]/?#@]*)\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
              r"(?::[0-9]*)?")
# RFC 3986 section 3: URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+\-.]*:"
    rf"(?://{_AUTHORITY}(?:/{_SEGMENT})*|/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"
    rf"|{_SEGMENT_NZ}(?:/{_SEGMENT})*|)"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?")
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def is_uri(instance: object) -> bool:
    """An absolute URI (with a scheme), RFC 3986; an IP literal must be a real IPv6 address
    (no zone) or an IPvFuture."""
    if not isinstance(instance, str):
        return True
    match = _URI.fullmatch(instance)
    if match is None:
        return False
    literal = match.group("literal")
    if literal is None or _IP_FUTURE.fullmatch(literal):
        return True
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return "%" not in literal


def is_uuid(instance: object) -> bool:
    """The canonical 8-4-4-4-12 hexadecimal form (optionally ``urn:uuid:``), as ajv-formats;
    ``uuid.UUID`` alone would also take braces, no hyphens or underscores."""
    if not isinstance(instance, str):
        return True
    text = instance[9:] if instance[:9].lower() == "urn:uuid:" else instance
    if len(text) != 36 or any(text[i] != "-" for i in (8, 13, 18, 23)):
        return False
    if not all(c in _HEX_DIGITS for c in text.replace("-", "")):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def is_hostname(instance: object) -> bool:
    """RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most
    63 characters each and 253 in all (a final dot allowed)."""
    if not isinstance(instance, str):
        return True
    name = instance[:-1] if instance.endswith(".") else instance
    if not name or len(name) > 253:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in name.split("."))
