"""finance-events envelopes: built from the AsyncAPI contract, validated before they leave.

The simulators publish only what the ``finance-events`` contract allows, so every envelope
is checked against the message's own payload schema (the canonical CloudEvents envelope with
``type`` fixed and ``data`` narrowed) at build time: a behaviour that emits a wrong payload
fails its request loudly instead of sending consumers something they would reject.

Delivery downstream is at least once; consumers deduplicate on the CloudEvents ``source`` +
``id``, which is why ``build`` takes the id from the caller (the outbox row keeps it stable
across redeliveries) instead of inventing one.

Money stays exact: ``Decimal`` values pass through untouched (jsonschema-rs validates them as
numbers) and ``dumps`` (``jsonio.dumps``) writes them with their exact digits as JSON numbers;
``loads`` reads numbers with a fraction back as ``Decimal``. Each message's validator is
compiled once, when the factory is built, never per event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from ledgerpact.generators.simulators import jsonio
from ledgerpact.registry.errors import InputError

CONTRACT_ID = "finance-events"
DOCUMENT_URI = "urn:ledgerpact:finance-events"
_WRAPPER_URI = "urn:ledgerpact:finance-events-message"
CLOUDEVENTS_JSON = "application/cloudevents+json"
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
# Where the subject (the business object an event is about) sits in the data of each event
# family (dev.ledgerpact.<family>.<event>.v<major>), as the contract's examples use it.
_SUBJECT_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "invoice": (("invoiceId",), ("invoice", "invoiceId")),
    "payment": (("paymentId",),),
    "supplier": (("supplierNumber",), ("supplier", "supplierNumber")),
    "purchase-order": (("poNumber",),),
}
_MAX_VIOLATIONS = 5


# -- exact JSON ------------------------------------------------------------------------------

# One exact-decimal JSON for the store, the outbox and the sinks (``jsonio``): Decimals go out
# with their own digits, numbers with a fraction come back as Decimals.
dumps = jsonio.dumps
loads = jsonio.loads


# -- the compiled contract -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One finance-events message, compiled: what ``build`` needs, nothing else."""

    name: str  # the channel's message key, e.g. invoicePosted
    component: str  # the components/messages key, e.g. InvoicePosted
    event_type: str  # the CloudEvents type the payload schema fixes
    channel: str  # channel key, e.g. invoiceLifecycle
    address_template: str  # e.g. finance.invoice.{eventType}
    fixed_params: Mapping[str, str]  # parameter values known from the contract
    located_params: Mapping[str, str]  # parameter -> JSON pointer into the envelope
    dataschema: str | None
    examples: tuple[Mapping[str, Any], ...] = field(repr=False)
    validator: Any = field(repr=False)

    def address(self, envelope: Mapping[str, Any]) -> str:
        values = dict(self.fixed_params)
        for param, pointer in self.located_params.items():
            found = _resolve(envelope, pointer)
            if not isinstance(found, str | int) or isinstance(found, bool):
                raise ValueError(f"{self.name}: channel parameter {param} has no value at "
                                 f"{pointer} of the event")
            values[param] = str(found)
        return _TEMPLATE.sub(lambda m: values[m.group(1)], self.address_template)

    def violations(self, envelope: Mapping[str, Any]) -> list[str]:
        """``"<pointer>: <message>"`` for each way ``envelope`` breaks the message schema.

        ``is_valid`` first: it stops at the first error and builds no error objects, and
        nearly every envelope is valid (this runs for every event of every posting)."""
        if self.validator.is_valid(envelope):
            return []
        return [f"{_pointer(err.instance_path) or '/'}: {err.message}"
                for err in self.validator.iter_errors(envelope)]


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


class _Walker:
    """Follows the bundle's internal ``$ref``s; every ref must stay inside the document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def deref(self, node: Any, where: str) -> tuple[Any, str]:
        seen: set[str] = set()
        pointer = where
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                raise InputError(f"unresolvable $ref {ref!r} (bundle the contract first)",
                                 file=CONTRACT_ID, pointer=where)
            seen.add(ref)
            pointer = ref[1:]
            node = _resolve(self.document, pointer)
            if node is None:
                raise InputError(f"$ref {ref!r} points at nothing", file=CONTRACT_ID,
                                 pointer=where)
        return node, pointer

    def type_const(self, schema: Any, where: str, depth: int = 0) -> str | None:
        """The ``type`` property's const in a payload schema (through refs and allOf)."""
        if depth > 32:
            return None
        schema, where = self.deref(schema, where)
        if not isinstance(schema, Mapping):
            return None
        props = schema.get("properties")
        if isinstance(props, Mapping):
            prop, _ = self.deref(props.get("type"), where)
            if isinstance(prop, Mapping) and isinstance(prop.get("const"), str):
                return str(prop["const"])
        for index, sub in enumerate(schema.get("allOf") or ()):
            found = self.type_const(sub, f"{where}/allOf/{index}", depth + 1)
            if found is not None:
                return found
        return None


def _message_refs(channels: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for channel_key, channel in channels.items():
        if isinstance(channel, Mapping) and isinstance(channel.get("messages"), Mapping):
            for message_key, message in channel["messages"].items():
                yield channel_key, message_key, message


def _operation_keys(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Message ref -> the AMQP ``cc`` routing keys its send operations declare."""
    out: dict[str, list[str]] = {}
    for operation in (document.get("operations") or {}).values():
        if not isinstance(operation, Mapping):
            continue
        cc = ((operation.get("bindings") or {}).get("amqp") or {}).get("cc")
        for ref in operation.get("messages") or ():
            if isinstance(ref, Mapping) and isinstance(ref.get("$ref"), str) and cc:
                out.setdefault(ref["$ref"], []).extend(str(key) for key in cc)
    return out


def _template_regex(template: str) -> re.Pattern[str]:
    parts = _TEMPLATE.split(template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{_group(p)}>[^.]+)"
                    for i, p in enumerate(parts))
    return re.compile(regex + r"\Z")


def _group(param: str) -> str:
    return "p_" + re.sub(r"\W", "_", param)


def _fill_params(template: str, params: Mapping[str, Any], event_type: str,
                 routing_keys: list[str], walker: _Walker, where: str,
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """Values for the address's parameters: from the send operation's routing key when the
    contract names one, else the enum value the CloudEvents type carries as a segment
    (``...invoice.posted.v1`` -> ``posted``), else a runtime ``location`` expression."""
    names = _TEMPLATE.findall(template)
    fixed: dict[str, str] = {}
    located: dict[str, str] = {}
    regex = _template_regex(template)
    for key in routing_keys:
        match = regex.match(key)
        if match:
            fixed.update({n: match.group(_group(n)) for n in names})
            break
    segments = event_type.split(".")
    for name in names:
        if name in fixed:
            continue
        param, _ = walker.deref(params.get(name), f"{where}/parameters/{name}")
        param = param if isinstance(param, Mapping) else {}
        enum = [str(v) for v in param.get("enum") or ()]
        hits = [v for v in enum if v in segments]
        location = param.get("location")
        if len(hits) == 1:
            fixed[name] = hits[0]
        elif isinstance(location, str) and location.startswith("$message.payload#"):
            located[name] = location.split("#", 1)[1]
        else:
            raise InputError(f"cannot tell the value of channel parameter {name} for event "
                             f"type {event_type}", file=CONTRACT_ID, pointer=where)
    return fixed, located


def _compile(document: Mapping[str, Any]) -> dict[str, MessageSpec]:
    walker = _Walker(document)
    registry = jsonschema_rs.Registry([(DOCUMENT_URI, dict(document))],
                                      draft=jsonschema_rs.Draft202012)
    routing = _operation_keys(document)
    channels = document.get("channels")
    if not isinstance(channels, Mapping) or not channels:
        raise InputError("the AsyncAPI document has no channels", file=CONTRACT_ID,
                         pointer="/channels")
    specs: dict[str, MessageSpec] = {}
    for channel_key, message_key, ref in _message_refs(channels):
        where = f"/channels/{channel_key}/messages/{message_key}"
        message, message_pointer = walker.deref(ref, where)
        channel = channels[channel_key]
        if not isinstance(message, Mapping) or "payload" not in message:
            raise InputError("message has no payload", file=CONTRACT_ID, pointer=where)
        payload_ref = message["payload"]
        _, payload_pointer = walker.deref(payload_ref, f"{message_pointer}/payload")
        event_type = walker.type_const(payload_ref, f"{message_pointer}/payload")
        if event_type is None:
            amqp = (message.get("bindings") or {}).get("amqp") or {}
            event_type = amqp.get("messageType")
        if not isinstance(event_type, str):
            raise InputError("cannot tell the message's CloudEvents type (no const on "
                             "payload property type)", file=CONTRACT_ID, pointer=where)
        template = str(channel.get("address") or channel_key)
        keys = routing.get(f"#{where}", []) + routing.get(f"#{message_pointer}", [])
        fixed, located = _fill_params(template, channel.get("parameters") or {}, event_type,
                                      keys, walker, f"/channels/{channel_key}")
        examples = tuple(ex["payload"] for ex in message.get("examples") or ()
                         if isinstance(ex, Mapping) and isinstance(ex.get("payload"), Mapping))
        dataschema = next((ex["dataschema"] for ex in examples
                           if isinstance(ex.get("dataschema"), str)), None)
        dataschema = message.get("x-dataschema", dataschema)
        wrapper = {"$ref": f"{DOCUMENT_URI}#{quote(payload_pointer, safe='/~')}"}
        try:
            validator = jsonschema_rs.validator_for(
                wrapper, registry=registry, base_uri=_WRAPPER_URI, validate_formats=True)
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"payload schema does not compile: {first}", file=CONTRACT_ID,
                             pointer=where) from exc
        specs[message_key] = MessageSpec(
            name=message_key, component=message_pointer.rsplit("/", 1)[-1],
            event_type=event_type, channel=channel_key, address_template=template,
            fixed_params=fixed, located_params=located, dataschema=dataschema,
            examples=examples, validator=validator)
    return specs


def rfc3339(moment: datetime) -> str:
    """UTC with ``Z``; a naive datetime is taken as UTC (the simulator clock's zone)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = utc.replace(tzinfo=None).isoformat(timespec="seconds")  # faster than strftime
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def default_subject(event_type: str, data: Mapping[str, Any]) -> str | None:
    """The id of the business object an event is about, from its family's usual id field."""
    parts = event_type.split(".")
    family = parts[-3] if len(parts) >= 3 else ""
    for path in _SUBJECT_PATHS.get(family, ()):
        node: Any = data
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node:
            return node
    return None


class EventFactory:
    """Builds finance-events CloudEvents envelopes and refuses ones the contract would not.

    Messages are known by their channel key (``invoicePosted``), their components key
    (``InvoicePosted``) and their ``name``; all resolve to the same compiled message."""

    def __init__(self, asyncapi_document: dict[str, Any], source: str) -> None:
        if not isinstance(asyncapi_document, Mapping) or "asyncapi" not in asyncapi_document:
            raise InputError("not an AsyncAPI document", file=CONTRACT_ID)
        self.document = asyncapi_document
        self.source = source
        self.messages: dict[str, MessageSpec] = _compile(asyncapi_document)
        self._alias: dict[str, MessageSpec] = {}
        self._by_type: dict[str, MessageSpec] = {}
        for spec in self.messages.values():
            component = _resolve(asyncapi_document, f"/components/messages/{spec.component}")
            extra = component.get("name") if isinstance(component, Mapping) else None
            for alias in (spec.component, extra):
                if isinstance(alias, str):
                    self._alias.setdefault(alias, spec)
            self._by_type.setdefault(spec.event_type, spec)
        self._alias.update(self.messages)

    @classmethod
    def from_registry(cls, source: str, registry_root: Path | None = None) -> EventFactory:
        """The registry's finance-events contract, bundled (every $ref internal)."""
        from ledgerpact.registry.bundle import bundle
        from ledgerpact.registry.cli_support import catalog_for, open_registry

        workspace = open_registry(registry_root).workspace()
        entry = catalog_for(workspace).get(CONTRACT_ID)
        return cls(bundle(workspace, entry.document_path).document, source)

    def names(self) -> list[str]:
        """Channel message keys, in document order."""
        return list(self.messages)

    def message(self, message_name: str) -> MessageSpec:
        spec = self._alias.get(message_name)
        if spec is None:
            raise ValueError(f"unknown finance-events message {message_name!r} (known: "
                             f"{', '.join(self.messages)})")
        return spec

    def message_for_type(self, event_type: str) -> MessageSpec | None:
        return self._by_type.get(event_type)

    def build(self, message_name: str, data: Mapping[str, Any], *, event_id: str,
              time: datetime, subject: str | None = None,
              correlation_id: str | None = None) -> dict[str, Any]:
        """``{"address": <channel address>, "envelope": <CloudEvents event>}``, validated.

        The contract requires ``subject`` and ``correlationid``: without a subject the data's
        id (invoiceId, paymentId, ...) is used; without a correlation id the event starts a
        business transaction of its own, so its id is the correlation id.
        Raises ``ValueError`` naming the message and its first violations."""
        spec = self.message(message_name)
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": event_id,
            "source": self.source,
            "type": spec.event_type,
            "time": rfc3339(time),
            "datacontenttype": "application/json",
        }
        if spec.dataschema is not None:
            envelope["dataschema"] = spec.dataschema
        chosen_subject = subject if subject is not None else default_subject(spec.event_type,
                                                                          data)
        if chosen_subject is not None:
            envelope["subject"] = chosen_subject
        envelope["correlationid"] = correlation_id if correlation_id is not None else event_id
        envelope["data"] = data if isinstance(data, dict) else dict(data)
        self.check(spec.name, envelope)
        return {"address": spec.address(envelope), "envelope": envelope}

    def check(self, message_name: str, envelope: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` naming the message and its first violations, if any."""
        spec = self.message(message_name)
        found = spec.violations(envelope)
        if found:
            more = len(found) - _MAX_VIOLATIONS
            listed = "; ".join(found[:_MAX_VIOLATIONS]) + (f"; ... {more} more" if more > 0
                                                             else "")
            raise ValueError(f"{spec.name}: event does not match finance-events: {listed}")

    def validate(self, envelope: Mapping[str, Any]) -> list[str]:
        """What a consumer checks: violations of the message the envelope's ``type`` names."""
        event_type = envelope.get("type") if isinstance(envelope, Mapping) else None
        spec = self._by_type.get(event_type) if isinstance(event_type, str) else None
        if spec is None:
            return [f"/type: {event_type!r} is not a finance-events type"]
        return spec.violations(envelope)

    def address_of(self, envelope: Mapping[str, Any]) -> str:
        """The channel address (routing key / subject) an envelope of a known type goes to."""
        spec = self._by_type.get(str(envelope.get("type")))
        if spec is None:
            raise ValueError(f"{envelope.get('type')!r} is not a finance-events type")
        return spec.address(envelope)
