"""What a failing schema check says: each violation at its own pointer, in a line a
person can read, and never an exception for input a validator cannot report on.

Shared by everything that shapes jsonschema-rs errors: the simulators' request validation
and lint's ``structure`` rule (an OpenAPI document checked against the official OpenAPI
schemas, a 3.1 Schema Object against its dialect). Both meet the same two problems:

jsonschema-rs answers "invalid" for a whole invoice whose top level is a ``oneOf`` with one
error quoting the entire request (or, in lint, a whole component schema failing OpenAPI
3.0's ``oneOf: [Schema, Reference]``); a person needs "/lines/0/netAmount/amount: 79.5 is
not of type string". And a body with a lone surrogate or nesting deeper than the validator
converts makes it raise while it builds its errors: those parts are reported at their
pointers instead, and the rest is validated on a cleaned copy. Only invalid instances reach
this module; valid ones stop at the validator's fast ``is_valid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ledgerpact.registry.pointer import join as _pointer
from ledgerpact.registry.pointer import resolve as _resolve

# A Python str holds a surrogate code point only unpaired (json.loads pairs valid escapes).
_SURROGATE = re.compile("[\ud800-\udfff]")

MESSAGE_LIMIT = 500
# Longest quoted instance kept at the start of a message: jsonschema messages begin with
# the failing instance, which for an object is the whole (sub)document.
INSTANCE_LIMIT = 80
# jsonschema-rs raises "Recursion limit reached" converting an instance nested 256 levels
# deep when it reports an error. Deeper input is reported as such, and validated with the
# containers at this depth emptied (so they stay at most 255 levels deep).
MAX_DEPTH = 254
# Hostile parts reported per instance: a body full of them needs a few, not thousands.
HOSTILE_LIMIT = 20
_BRANCHING = ("oneOf", "anyOf")


def _short(message: str) -> str:
    """jsonschema messages quote the whole failing instance (a full invoice for a oneOf);
    a problem body and a log line need the gist, not a copy of the request."""
    message = clip_instance(message)
    if len(message) <= MESSAGE_LIMIT:
        return message
    return message[:MESSAGE_LIMIT - 40] + " ... " + message[-35:]


def clip_instance(message: str) -> str:
    """The message with a long leading value (the instance, quoted by jsonschema-rs as
    compact JSON, by Python's jsonschema as its repr) cut to its first characters: the
    pointer says where it is, and the reason that follows the instance is what a reader
    needs."""
    if not message or message[0] not in _OPENING or len(message) <= INSTANCE_LIMIT:
        return message
    end = _value_end(message)
    if end <= INSTANCE_LIMIT:
        return message
    return message[:INSTANCE_LIMIT - 20] + "..." + _OPENING[message[0]] + message[end:]


# What a quoted instance opens with, and what closes it.
_OPENING = {"{": "}", "[": "]", '"': '"', "'": "'"}


def _value_end(text: str) -> int:
    """Where the object, array or string at the start of ``text`` ends (its length; the
    whole text when it does not end). JSON quotes strings with ``"``; a Python repr with
    ``'`` or ``"``, the other one unescaped inside: a string ends at its own quote."""
    depth = 0
    quote = ""
    escaped = False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
                if depth == 0:
                    return i + 1
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _kind_name(err: Any) -> str:
    return type(err.kind).__name__


def leaves(err: Any, root: Any, document: Mapping[str, Any] | None, depth: int = 0, *,
           document_uri: str | None = None) -> list[tuple[str, str]]:
    """(pointer, message) for the violations one validator error stands for: a failed
    oneOf/anyOf descends into its best-matching alternative (as jsonschema's ``best_match``
    does), so a float amount deep in an invoice is reported at /lines/0/netAmount/amount.

    ``document`` is the schema document the validator was compiled from, registered under
    ``document_uri``: with both, a failing oneOf's OpenAPI ``discriminator`` picks the
    alternative. Without, the choice rests on the errors alone."""
    return list(dict.fromkeys((_pointer(leaf.instance_path), _short(leaf.message))
                              for leaf in leaf_errors(err, root, document, depth,
                                                      document_uri=document_uri)))


def leaf_errors(err: Any, root: Any, document: Mapping[str, Any] | None = None,
                depth: int = 0, *, document_uri: str | None = None) -> list[Any]:
    """The validator errors ``err`` stands for (itself when it is not a oneOf/anyOf with a
    plausible alternative), for a caller that words them itself: lint names an unexpected
    property the way Spectral does, which needs the error's kind, not only its message.
    ``root`` is the instance validated (a discriminator's value is read from it)."""
    context = getattr(err.kind, "context", None) if depth < 32 else None
    if _kind_name(err) in ("OneOfNotValid", "AnyOf") and context:
        here = list(err.instance_path)
        branch = _best_branch(err, here, context, root, document, document_uri)
        if branch is not None:
            out = [leaf for sub in branch
                   for leaf in leaf_errors(sub, root, document, depth + 1,
                                           document_uri=document_uri)]
            if out:
                return out
    return [err]


def _best_branch(err: Any, here: list[Any], context: list[list[Any]], root: Any,
                 document: Mapping[str, Any] | None,
                 document_uri: str | None) -> list[Any] | None:
    """The errors of the alternative the instance most plausibly meant; None when none
    stands out (every alternative refuses the instance's very type), where the oneOf's own
    message is the honest one."""
    candidates = list(enumerate(context))
    chosen = _by_discriminator(err, here, context, root, document, document_uri)
    if chosen is not None:
        return context[chosen]
    level = len(here)
    # A Reference alternative (OpenAPI's `oneOf: [Schema, Reference]`, `[Parameter,
    # Reference]`...) that the instance fails only by having no "$ref": the instance is not
    # a reference, whatever the other alternatives say of it, even an enum refusing a
    # misspelt "type" (which the tag test below would read as another kind of document).
    referenced = [(i, b) for i, b in candidates if not all(
        _kind_name(e) == "Required" and len(e.instance_path) == level
        and getattr(e.kind, "property", None) == "$ref" for e in b)]
    candidates = referenced or candidates
    # A const/enum tag: an alternative refusing a direct member by const or enum (a credit
    # note's typeCode on an invoice) is another kind of document, unless all are.
    tagged = [(i, b) for i, b in candidates if not any(
        _kind_name(e) in ("Constant", "Enum") and len(e.instance_path) == len(here) + 1
        for e in b)]
    candidates = tagged or candidates

    def wrong_type(branch: list[Any]) -> bool:
        return all(_kind_name(e) == "Type" and len(e.instance_path) == level
                   for e in branch)

    plausible = [(i, b) for i, b in candidates if not wrong_type(b)]
    if not plausible:
        return None
    # An alternative the instance fails only by lacking a member it requires (OpenAPI
    # 3.0's Reference, `oneOf: [Schema, Reference]`, wants "$ref") is less plausible than
    # one whose keywords reached into the instance and found something deeper wrong: a
    # schema with a misspelt keyword two properties down is a Schema, not a Reference
    # missing "$ref", however few errors the Reference alternative counts.
    if any(len(e.instance_path) > level for _, b in plausible for e in b):
        engaged = [(i, b) for i, b in plausible if not all(
            _kind_name(e) == "Required" and len(e.instance_path) == level for e in b)]
        plausible = engaged or plausible
    return min(plausible, key=lambda ib: (len(ib[1]), ib[0]))[1]


def _by_discriminator(err: Any, here: list[Any], context: list[list[Any]], root: Any,
                      document: Mapping[str, Any] | None,
                      document_uri: str | None) -> int | None:
    """The alternative an OpenAPI ``discriminator`` names for this instance, if any (read
    from ``document``, which the validator knows as ``document_uri``)."""
    location = getattr(err, "absolute_keyword_location", None)
    if document is None or document_uri is None or not isinstance(location, str):
        return None
    prefix = document_uri + "#"
    if not location.startswith(prefix):
        return None
    pointer = unquote(location[len(prefix):])
    keyword = pointer.rsplit("/", 1)[-1]
    if keyword not in _BRANCHING:
        return None
    try:
        parent = _resolve(document, pointer[:-len(keyword) - 1])
        instance = _resolve(root, _pointer(here))
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    if not isinstance(parent, Mapping) or not isinstance(instance, Mapping):
        return None
    disc = parent.get("discriminator")
    branches = parent.get(keyword)
    if (not isinstance(disc, Mapping) or not isinstance(branches, list)
            or len(branches) != len(context)):
        return None
    value = instance.get(disc.get("propertyName"))
    if not isinstance(value, str):
        return None
    mapping = disc.get("mapping")
    target = mapping.get(value) if isinstance(mapping, Mapping) else None
    for i, branch in enumerate(branches):
        ref = branch.get("$ref") if isinstance(branch, Mapping) else None
        if not isinstance(ref, str):
            continue
        if (target is not None and (ref == target or ref.endswith("/" + str(target)))) or (
                target is None and ref.rsplit("/", 1)[-1] == value):
            return i
    return None


def hostile_parts(instance: Any, *, depth_limit: bool = True) -> list[tuple[str, str]]:
    """(pointer, message) for what no schema validator can report on: strings with lone
    surrogates (not Unicode, so not I-JSON, RFC 7493) and, with ``depth_limit``, nesting
    deeper than MAX_DEPTH. Recursion stops at MAX_DEPTH, so the walk itself cannot
    overflow the stack."""
    out: list[tuple[str, str]] = []
    lone = _has_surrogate

    def walk(node: Any, path: list[str | int], depth: int) -> None:
        if len(out) >= HOSTILE_LIMIT:
            return
        if isinstance(node, str):
            if lone(node):
                out.append((_pointer(path), "the string holds a lone surrogate (an unpaired "
                            "\\uD800-\\uDFFF escape), which is not Unicode text"))
            return
        if not isinstance(node, dict | list):
            return
        if depth >= MAX_DEPTH:
            if depth_limit:
                out.append((_pointer(path), f"the value is nested deeper than {MAX_DEPTH} "
                            f"levels, more than the simulator validates"))
            return
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and lone(key):
                out.append((_pointer([*path, _SURROGATE.sub("\ufffd", key)]),
                            "the member name holds a lone surrogate (an unpaired "
                            "\\uD800-\\uDFFF escape), which is not Unicode text"))
            walk(value, [*path, key], depth + 1)

    walk(instance, [], 0)
    return out


def sanitize(instance: Any, depth: int = 0) -> Any:
    """A copy the validator can report on: lone surrogates as U+FFFD, containers nested
    deeper than MAX_DEPTH emptied (hostile_parts reports both)."""
    if isinstance(instance, str):
        if not _has_surrogate(instance):
            return instance
        return _SURROGATE.sub("\ufffd", instance)
    if isinstance(instance, dict):
        if depth >= MAX_DEPTH:
            return {}
        return {sanitize(k, depth) if isinstance(k, str) else k: sanitize(v, depth + 1)
                for k, v in instance.items()}
    if isinstance(instance, list):
        if depth >= MAX_DEPTH:
            return []
        return [sanitize(v, depth + 1) for v in instance]
    return instance


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


