"""AsyncAPI diff on real documents: every change classified, directions right, each change
once where it happens.

The central test takes each real AsyncAPI example of ../shared/corpora/asyncapi and, for
every leaf value of the document, diffs the document against a copy where only that value
was changed (and, for every leaf, against a copy where it was deleted): the diff must report
something each time. The leaves left out are listed in ``_inert`` with the reason; they are
documentation, release metadata, or parts no operation can reach.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledgerpact.governance.diff.model import Change, Direction, Level
from tests.cli_helpers import run
from tests.conftest import CONTRACTS, SHARED
from tests.diff_helpers import diff_files, diff_texts

ASYNCAPI = SHARED / "corpora" / "asyncapi"
EXAMPLES = sorted(ASYNCAPI.glob("*.yml")) if ASYNCAPI.is_dir() else []
Path_ = tuple[str | int, ...]

# Keys whose values only document: a change to them changes no producer or consumer.
DOCS = frozenset({"description", "summary", "title", "examples", "example", "externalDocs",
                  "tags"})


def _corpus(name: str) -> Path:
    path = ASYNCAPI / name
    if not path.is_file():
        pytest.skip(f"AsyncAPI corpus not found at {ASYNCAPI} (tests read ../shared/corpora)")
    return path


def _leaves(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    stack = [(value, path)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, (*at, k)) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, (*at, i)) for i, v in reversed(list(enumerate(node))))
        else:
            yield at


def _pointer(path: Path_) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)


def _reachable(doc: dict[str, Any]) -> list[Path_]:
    """The roots of what some operation or channel can reach: everything outside
    ``components``, and whatever a reachable ``$ref`` (or, in 2.x, a security requirement)
    names, transitively. Written independently of the walker on purpose."""
    roots: list[Path_] = [(k,) for k in doc if k != "components"]
    seen: set[Path_] = set(roots)
    work = list(roots)
    v2 = str(doc.get("asyncapi", "")).startswith("2")
    while work:
        root = work.pop()
        node: Any = doc
        for token in root:
            node = node[token]
        stack = [(node, root)]
        while stack:
            value, at = stack.pop()
            targets: list[Path_] = []
            if isinstance(value, dict):
                ref = value.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/"):
                    targets.append(tuple(t.replace("~1", "/").replace("~0", "~")
                                         for t in ref[2:].split("/")))
                stack.extend((v, (*at, k)) for k, v in value.items())
            elif isinstance(value, list):
                if v2 and at and at[-1] == "security":
                    targets += [("components", "securitySchemes", name)
                                for req in value if isinstance(req, dict) for name in req]
                stack.extend((v, (*at, i)) for i, v in enumerate(value))
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    work.append(target)
    return list(seen)


def _inert(doc: dict[str, Any], path: Path_, reachable: list[Path_]) -> str | None:
    """Why a leaf cannot change any producer or consumer (None: it can)."""
    if path[0] in ("info", "asyncapi", "id"):
        return "document metadata (title, version, contact...): the version bump is checked " \
               "on its own"
    if path[-1] == "$ref":
        return "a reference: changing it to garbage is bad input; what it names is mutated " \
               "itself"
    for i, token in enumerate(path):
        if token in DOCS and (i == 0 or path[i - 1] != "properties"):
            return "documentation"
        if token in ("availableScopes", "scopes") and i + 2 == len(path) \
                and isinstance(path[-1], str):
            return "the description of an OAuth scope (documentation)"
    if path[0] == "components" and not any(path[:len(r)] == r for r in reachable):
        return "an unused component: part of no interface"
    return None


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) \
            and node["$ref"].startswith("#/"):
        target: Any = doc
        for token in node["$ref"][2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _declares(doc: dict[str, Any], schema: Any, kind: Any) -> bool:
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        return False
    return schema.get("type") == kind or any(
        _declares(doc, member, kind) for member in schema.get("allOf") or ())


def _same_when_deleted(doc: dict[str, Any], path: Path_) -> str | None:
    """Why deleting this leaf changes nothing that is accepted or produced (None: it does).
    Each case is one the diff rightly stays silent about."""
    parent: Any = doc
    for token in path[:-1]:
        parent = parent[token]
    key, value = path[-1], parent[path[-1]]
    if key == "address" and value is None:
        return "AsyncAPI 3: a null address and no address both mean a dynamic one"
    if key == "contentType" and value == doc.get("defaultContentType"):
        return "the message falls back to the same defaultContentType"
    if key == "type" and ("enum" in parent or "const" in parent):
        return "the enum or const values already fix the type"
    if key == "type" and isinstance(parent.get("oneOf"), list) \
            and all(_declares(doc, v, value) for v in parent["oneOf"]):
        return "every oneOf variant already declares the type"
    if len(path) >= 3 and path[-2] == "required":
        uses = _allof_uses(doc, path[:-2])
        if uses and all(any(value in (m.get("required") or ()) for m in others
                            if isinstance(m, dict)) for others in uses):
            return "wherever the schema is used, another allOf member still requires the " \
                   "property"
    return None


def _allof_uses(doc: dict[str, Any], schema: Path_) -> list[list[Any]]:
    """The other members (resolved) of each ``allOf`` the schema at ``schema`` is a member
    of, inline or through a local ``$ref``; empty when it is also used any other way."""
    if len(schema) >= 2 and schema[-2] == "allOf":
        holder: Any = doc
        for token in schema[:-2]:
            holder = holder[token]
        return [[_resolve(doc, m) for i, m in enumerate(holder["allOf"]) if i != schema[-1]]]
    ref = "#" + _pointer(schema)
    uses: list[list[Any]] = []
    stack: list[tuple[Any, Path_]] = [(doc, ())]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            if node.get("$ref") == ref:
                if len(at) < 2 or at[-2] != "allOf":
                    return []
                members: Any = doc
                for token in at[:-1]:
                    members = members[token]
                uses.append([_resolve(doc, m) for i, m in enumerate(members) if i != at[-1]])
            stack.extend((v, (*at, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*at, i)) for i, v in enumerate(node))
    return uses


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if value is None:
        return "x"
    return f"{value}-changed"


def _set(doc: dict[str, Any], path: Path_, value: Any, delete: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for token in path[:-1]:
        node = node[token]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, default=str, indent=1)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_change_to_a_real_document_is_reported(example: Path, tmp_path: Path) -> None:
    doc = yaml.safe_load(example.read_text(encoding="utf-8"))
    reachable = _reachable(doc)
    (tmp_path / "base").mkdir()
    (tmp_path / "revision").mkdir()
    base = tmp_path / "base" / "contract.json"
    revision = tmp_path / "revision" / "contract.json"
    base.write_text(_dump(doc))
    assert diff_files(base, base) == []
    silent = []
    checked = 0
    for path in _leaves(doc):
        if _inert(doc, path, reachable):
            continue
        node: Any = doc
        for token in path:
            node = node[token]
        mutations = [("changed", _set(doc, path, _changed(node)))]
        if not _same_when_deleted(doc, path):
            mutations.append(("deleted", _set(doc, path, None, delete=True)))
        for what, mutated in mutations:
            checked += 1
            revision.write_text(_dump(mutated))
            if not diff_files(base, revision):
                silent.append(f"{_pointer(path)} {what}")
    assert checked >= 10
    assert not silent, f"{len(silent)} of {checked} changes reported nothing: {silent}"


def test_inert_leaves_are_only_documentation_metadata_refs_or_unused() -> None:
    """The exclusions above stay narrow: in the Streetlights example (3.0), most leaves are
    checked, and an unused component is recognised as such."""
    doc = yaml.safe_load(_corpus("streetlights-kafka-asyncapi-3.0.0.yml").read_text())
    reachable = _reachable(doc)
    leaves = list(_leaves(doc))
    live = [p for p in leaves if not _inert(doc, p, reachable)]
    assert len(live) > len(leaves) / 3
    assert ("components", "schemas", "lightMeasuredPayload", "properties", "lumens",
            "minimum") in live
    oneof = yaml.safe_load(_corpus("oneof-asyncapi.yml").read_text())
    assert _inert(oneof, ("components", "messages", "testMessage1", "payload", "$ref"),
                  _reachable(oneof))
    assert _inert(oneof, ("components", "schemas", "objectWithKey", "type"),
                  _reachable(oneof)) is None


# -- the registry's own contract ---------------------------------------------------------------

def _registry_copy(tmp_path: Path, name: str) -> Path:
    """A copy of the registry's contracts (the AsyncAPI document and the canonical schemas
    its payloads reference), so a side can be edited."""
    root = tmp_path / name
    shutil.copytree(CONTRACTS, root / "contracts")
    return root / "contracts"


def test_finance_events_sent_payload_property_removed_is_breaking_at_the_canonical_schema(
        tmp_path: Path) -> None:
    base = _registry_copy(tmp_path, "base")
    revision = _registry_copy(tmp_path, "revision")
    payment = revision / "schemas" / "payment" / "payment.schema.json"
    schema = json.loads(payment.read_text(encoding="utf-8"))
    del schema["properties"]["remittanceInformation"]
    payment.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    changes = diff_files(base / "finance-events" / "asyncapi.yaml",
                         revision / "finance-events" / "asyncapi.yaml")
    assert len(changes) == 1, [c.as_dict() for c in changes]
    change = changes[0]
    assert change.level is Level.BREAKING and change.direction is Direction.PUBLISH
    assert "remittanceInformation" in change.message
    assert change.base is not None
    assert (change.base.file, change.base.pointer) == (
        "contracts/schemas/payment/payment.schema.json", "/properties/remittanceInformation")
    assert change.base.line > 1
    # Once, at the canonical schema, with every event that carries a payment.
    assert change.affects == ["send publishPaymentFailed", "send publishPaymentReleased",
                              "send publishPaymentReturned", "send publishPaymentSettled"]


def _finance_events_edited(tmp_path: Path, edit: Any) -> list[Change]:
    """Diff the finance-events contract against a copy of itself edited by ``edit(doc)``,
    each side in its own copy of the registry (its payloads reference the canonical
    schemas)."""
    sides = []
    for name in ("base", "revision"):
        contract = _registry_copy(tmp_path, name) / "finance-events" / "asyncapi.yaml"
        doc = yaml.safe_load(contract.read_text(encoding="utf-8"))
        if name == "revision":
            edit(doc)
        contract.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        sides.append(contract)
    return diff_files(*sides)


def test_finance_events_removed_channel_is_one_change_listing_its_operations(
        tmp_path: Path) -> None:
    def remove_payment_status(doc: dict[str, Any]) -> None:
        del doc["channels"]["paymentStatus"]
        for name in [n for n, op in doc["operations"].items()
                     if op["channel"]["$ref"] == "#/channels/paymentStatus"]:
            del doc["operations"][name]

    changes = _finance_events_edited(tmp_path, remove_payment_status)
    assert [(c.rule, c.level) for c in changes] == [("channel-removed", Level.BREAKING)]
    assert changes[0].affects == ["send publishPaymentFailed", "send publishPaymentReleased",
                                  "send publishPaymentReturned", "send publishPaymentSettled"]
    assert changes[0].base is not None and changes[0].base.pointer == "/channels/paymentStatus"


def test_finance_events_new_event_type_as_new_operation_is_additive(tmp_path: Path) -> None:
    """The compatible way to publish a new kind of event: a new message on the channel and
    a new send operation for it."""
    def add_event(doc: dict[str, Any]) -> None:
        channel = doc["channels"]["invoiceLifecycle"]
        channel["messages"]["invoiceArchived"] = {"$ref": "#/components/messages/InvoicePosted"}
        doc["operations"]["publishInvoiceArchived"] = {
            "action": "send", "channel": {"$ref": "#/channels/invoiceLifecycle"},
            "messages": [{"$ref": "#/channels/invoiceLifecycle/messages/invoiceArchived"}]}

    changes = _finance_events_edited(tmp_path, add_event)
    assert [(c.rule, c.level, c.bump.label) for c in changes] == [
        ("async-operation-added", Level.INFO, "minor")]


def test_finance_events_shared_exchange_renamed_is_one_breaking_change(tmp_path: Path) -> None:
    def rename_exchange(doc: dict[str, Any]) -> None:
        binding = doc["components"]["channelBindings"]["financeEventsExchange"]["amqp"]
        binding["exchange"]["name"] = "finance.events.v2"

    changes = _finance_events_edited(tmp_path, rename_exchange)
    assert [(c.rule, c.level) for c in changes] == [("amqp-destination-changed",
                                                     Level.BREAKING)]
    assert changes[0].revision is not None and changes[0].revision.pointer == \
        "/components/channelBindings/financeEventsExchange/amqp/exchange/name"
    assert len(changes[0].affects) == 17  # every send operation, on all four channels


# -- AsyncAPI 2.6 -------------------------------------------------------------------------------

def _gemini() -> dict[str, Any]:
    return yaml.safe_load(_corpus("websocket-gemini-2.6.0.yml").read_text(encoding="utf-8"))


def _diff_docs(tmp_path: Path, base: dict[str, Any], revision: dict[str, Any]) -> list[Any]:
    return diff_texts(tmp_path, _dump(base), _dump(revision), ".json")


def test_gemini_26_payload_change_is_breaking_in_the_publish_direction(tmp_path: Path) -> None:
    """2.x ``subscribe`` is what the application sends: a changed type in its payload breaks
    consumers."""
    base = _gemini()
    revision = copy.deepcopy(base)
    price = revision["components"]["schemas"]["events"]["items"]["properties"]["price"]
    price["type"] = "string"
    changes = _diff_docs(tmp_path, base, revision)
    assert [(c.rule, c.level, c.direction) for c in changes] == [
        ("type-changed", Level.BREAKING, Direction.PUBLISH)]
    assert changes[0].revision is not None
    assert changes[0].revision.pointer == "/components/schemas/events/items/properties/price/type"
    assert changes[0].affects == ["subscribe /v1/marketdata/{symbol}"]


def test_gemini_26_channel_parameter_binding_and_server_changes(tmp_path: Path) -> None:
    base = _gemini()
    revision = copy.deepcopy(base)
    channel = revision["channels"]["/v1/marketdata/{symbol}"]
    channel["parameters"]["symbol"]["schema"]["enum"].remove("btcusd")
    del channel["bindings"]["ws"]["query"]["properties"]["heartbeat"]
    revision["servers"]["public"]["url"] = "wss://api.sandbox.gemini.com"
    found = {(c.rule, c.level, c.direction) for c in _diff_docs(tmp_path, base, revision)}
    assert found == {
        # Fewer symbols is fewer addresses: clients subscribed to btcusd hear nothing again.
        ("enum-value-removed", Level.BREAKING, Direction.SUBSCRIBE),
        ("binding-changed", Level.WARNING, Direction.NONE),
        ("server-address-changed", Level.BREAKING, Direction.NONE)}


def test_gemini_26_operation_that_changed_keyword_is_one_operation(tmp_path: Path) -> None:
    """Paired by operationId when the keyword changed: one action change, not an operation
    removed and another added."""
    base = _gemini()
    channel = base["channels"]["/v1/marketdata/{symbol}"]
    channel["subscribe"]["operationId"] = "marketData"
    revision = copy.deepcopy(base)
    rchannel = revision["channels"]["/v1/marketdata/{symbol}"]
    rchannel["publish"] = rchannel.pop("subscribe")
    changes = _diff_docs(tmp_path, base, revision)
    assert [(c.rule, c.level) for c in changes] == [
        ("async-operation-action-changed", Level.BREAKING)]
    assert changes[0].message == "action changed from send to receive (subscribe -> publish)"


def test_gemini_26_against_its_31_version_reports_no_breaking_change(tmp_path: Path) -> None:
    """The same API written in AsyncAPI 2.6 and 3.1: channels pair by address, operations by
    action and channel, the 2.x server URL against the 3.x host."""
    changes = diff_files(_corpus("websocket-gemini-2.6.0.yml"),
                         _corpus("websocket-gemini-asyncapi.yml"))
    assert [c for c in changes if c.level is Level.BREAKING] == []


# -- directions, traits, pairing ----------------------------------------------------------------

_BOTH_WAYS = """asyncapi: 3.0.0
info: {title: Payments, version: 1.0.0}
channels:
  payments:
    address: finance.payments
    messages:
      payment: {$ref: '#/components/messages/Payment'}
  paymentsIn:
    address: finance.payments.incoming
    messages:
      payment: {$ref: '#/components/messages/Payment'}
operations:
  publishPayment:
    action: send
    channel: {$ref: '#/channels/payments'}
  receivePayment:
    action: receive
    channel: {$ref: '#/channels/paymentsIn'}
components:
  messages:
    Payment:
      payload:
        type: object
        properties:
          paymentId: {type: string}
          status: {type: string, enum: [released, settled]}
"""


def test_message_sent_and_received_is_compared_in_each_direction(tmp_path: Path) -> None:
    revision = _BOTH_WAYS.replace("enum: [released, settled]",
                                  "enum: [released, settled, returned]")
    changes = diff_texts(tmp_path, _BOTH_WAYS, revision)
    assert sorted((c.rule, c.direction.value, c.level.label, tuple(c.affects))
                  for c in changes) == [
        ("enum-value-added", "publish", "breaking", ("send publishPayment",)),
        ("enum-value-added", "subscribe", "info", ("receive receivePayment",))]


def test_change_in_a_shared_message_trait_is_reported_once_at_the_trait(
        tmp_path: Path) -> None:
    base = yaml.safe_load(_corpus("streetlights-kafka-asyncapi-3.0.0.yml").read_text())
    revision = copy.deepcopy(base)
    header = revision["components"]["messageTraits"]["commonHeaders"]["headers"]
    header["properties"]["my-app-header"]["maximum"] = 50
    changes = _diff_docs(tmp_path, base, revision)
    by_direction = {c.direction: c for c in changes}
    assert len(changes) == 2 and set(by_direction) == {Direction.PUBLISH, Direction.SUBSCRIBE}
    for change in changes:
        assert change.revision is not None
        assert change.revision.pointer == \
            "/components/messageTraits/commonHeaders/headers/properties/my-app-header/maximum"
    assert by_direction[Direction.PUBLISH].affects == ["send dimLight", "send turnOff",
                                                      "send turnOn"]
    assert by_direction[Direction.PUBLISH].level is Level.INFO  # sends fewer values
    assert by_direction[Direction.SUBSCRIBE].affects == ["receive receiveLightMeasurement"]
    assert by_direction[Direction.SUBSCRIBE].level is Level.BREAKING  # accepts fewer


def test_channel_renamed_with_the_same_address_is_no_change(tmp_path: Path) -> None:
    text = _corpus("streetlights-kafka-asyncapi-3.0.0.yml").read_text()
    renamed = text.replace("lightTurnOn", "turnLightOn")
    assert renamed != text
    assert diff_texts(tmp_path, text, renamed) == []


def test_default_content_type_used_by_messages_is_one_change_at_the_default(
        tmp_path: Path) -> None:
    base = yaml.safe_load(_corpus("streetlights-kafka-asyncapi-3.0.0.yml").read_text())
    revision = copy.deepcopy(base)
    revision["defaultContentType"] = "application/avro"
    changes = _diff_docs(tmp_path, base, revision)
    assert {(c.rule, c.direction) for c in changes} == {
        ("message-content-type-changed", Direction.PUBLISH)}
    change = changes[0]
    assert change.revision is not None and change.revision.pointer == "/defaultContentType"
    # lightMeasured declares its own content type; the commands rely on the default.
    assert change.affects == ["send dimLight", "send turnOff", "send turnOn"]


def test_avro_payload_change_is_reported_not_ignored(tmp_path: Path) -> None:
    base = yaml.safe_load(_corpus("adeo-kafka-request-reply-asyncapi.yml").read_text())
    revision = copy.deepcopy(base)
    payload = revision["components"]["messages"]["costingRequestV1"]["payload"]
    payload["schema"]["$ref"] = payload["schema"]["$ref"].replace(".avsc", "V2.avsc")
    changes = _diff_docs(tmp_path, base, revision)
    assert [(c.rule, c.level, c.direction) for c in changes] == [
        ("message-opaque-schema-changed", Level.WARNING, Direction.SUBSCRIBE)]
    assert changes[0].affects == ["receive receiveACostingRequest"]


def test_reply_messages_flow_the_other_way(tmp_path: Path) -> None:
    """Kraken's subscribe operation receives requests and replies on currencyInfo: a change
    to a reply message is judged as something the application sends."""
    base = yaml.safe_load(_corpus(
        "kraken-websocket-request-reply-multiple-channels-asyncapi.yml").read_text())
    revision = copy.deepcopy(base)
    payload = revision["components"]["messages"]["dummyCurrencyInfo"]["payload"]
    payload["required"] = []
    changes = _diff_docs(tmp_path, base, revision)
    assert {(c.level, c.direction) for c in changes} == {(Level.BREAKING, Direction.PUBLISH)}
    assert changes[0].affects == ["receive subscribe"]


def test_message_added_to_a_send_operation_is_breaking_and_to_a_receive_one_info(
        tmp_path: Path) -> None:
    doc = yaml.safe_load(_corpus("oneof-asyncapi.yml").read_text())
    revision = copy.deepcopy(doc)
    revision["channels"]["test"]["messages"]["testMessage1"] = {
        "$ref": "#/components/messages/testMessage1"}
    revision["operations"]["onTestMsg"]["messages"].append(
        {"$ref": "#/channels/test/messages/testMessage1"})
    revision["channels"]["test2"]["messages"]["objectWithKey3"] = {
        "$ref": "#/components/messages/testMessage2"}
    revision["operations"]["sendTest"]["messages"].append(
        {"$ref": "#/channels/test2/messages/objectWithKey3"})
    changes = _diff_docs(tmp_path, doc, revision)
    assert sorted((c.rule, c.direction.value, c.level.label, c.affects[0])
                  for c in changes) == [
        ("message-added", "publish", "breaking", "send sendTest"),
        ("message-added", "subscribe", "info", "receive onTestMsg")]


def test_migration_from_2_6_to_3_0_still_reports_real_changes(tmp_path: Path) -> None:
    """The compatible fixture pairs a 2.6 document with its 3.0 rewrite (no change); a real
    change made during the rewrite is still found, in the right direction."""
    case = Path(__file__).parent / "fixtures" / "diff" / "compatible" / \
        "asyncapi-2-6-migrated-to-3-0"
    revision = yaml.safe_load((case / "revision.yaml").read_text(encoding="utf-8"))
    currency = revision["components"]["messages"]["PaymentInstruction"]["payload"][
        "properties"]["currency"]
    currency["enum"].remove("GBP")
    changes = diff_texts(tmp_path, (case / "base.yaml").read_text(encoding="utf-8"),
                         yaml.safe_dump(revision, sort_keys=False))
    assert [(c.rule, c.level, c.direction, c.affects) for c in changes] == [
        ("enum-value-removed", Level.BREAKING, Direction.SUBSCRIBE,
         ["receive paymentInstruction"])]


_TRAITS = """asyncapi: {version}
info: {{title: Remittances, version: 1.0.0}}
channels:
  remittances:
{channel}
components:
  messageTraits:
    xmlBody:
      contentType: {trait}
  messages:
    Remittance:
      contentType: application/json
      traits:
        - $ref: '#/components/messageTraits/xmlBody'
      payload: {{type: object}}
"""
_V3_CHANNEL = """    address: finance.remittances
    messages:
      remittance: {$ref: '#/components/messages/Remittance'}
operations:
  sendRemittance:
    action: send
    channel: {$ref: '#/channels/remittances'}"""
_V2_CHANNEL = """    subscribe:
      message: {$ref: '#/components/messages/Remittance'}"""


@pytest.mark.parametrize(("version", "channel", "reported"), [
    ("3.0.0", _V3_CHANNEL, False),  # 3.x: the message's own value wins over its traits
    ("2.6.0", _V2_CHANNEL, True),   # 2.x: traits are merged over the message, in order
])
def test_traits_apply_with_each_versions_precedence(tmp_path: Path, version: str,
                                                    channel: str, reported: bool) -> None:
    base = _TRAITS.format(version=version, channel=channel, trait="application/xml")
    revision = _TRAITS.format(version=version, channel=channel, trait="text/csv")
    changes = diff_texts(tmp_path, base, revision)
    if not reported:
        assert changes == []
        return
    assert [(c.rule, c.message) for c in changes] == [
        ("message-content-type-changed",
         "content type changed from 'application/xml' to 'text/csv'")]
    assert changes[0].revision is not None
    assert changes[0].revision.pointer == "/components/messageTraits/xmlBody/contentType"


# -- ids are not on the wire (review R8) ---------------------------------------------------------

def _rename_operation(doc: dict[str, Any]) -> None:
    ops = doc["operations"]
    doc["operations"] = {("invoiceCapturedSend" if k == "publishInvoiceCaptured" else k): v
                         for k, v in ops.items()}


def _rename_message_key(doc: dict[str, Any]) -> None:
    channel = doc["channels"]["invoiceLifecycle"]
    channel["messages"] = {("captured" if k == "invoiceCaptured" else k): v
                           for k, v in channel["messages"].items()}
    doc["operations"]["publishInvoiceCaptured"]["messages"] = [
        {"$ref": "#/channels/invoiceLifecycle/messages/captured"}]


def _rename_channel(doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc, sort_keys=False).replace("invoiceLifecycle", "invoiceEvents")
    doc.clear()
    doc.update(yaml.safe_load(text))


@pytest.mark.parametrize(("edit", "expected"), [
    (_rename_operation, [("async-operation-id-changed", Level.INFO, Direction.NONE,
                          "operation id changed from 'publishInvoiceCaptured' to "
                          "'invoiceCapturedSend'", "/operations/publishInvoiceCaptured",
                          "/operations/invoiceCapturedSend")]),
    (_rename_message_key, [("message-id-changed", Level.INFO, Direction.PUBLISH,
                            "message id changed from 'invoiceCaptured' to 'captured'",
                            "/channels/invoiceLifecycle/messages/invoiceCaptured",
                            "/channels/invoiceLifecycle/messages/captured")]),
    (_rename_channel, []),
], ids=["operation-id", "message-key", "channel-id"])
def test_finance_events_id_renamed_alone_is_at_most_info(tmp_path: Path, edit: Any,
                                                          expected: list[Any]) -> None:
    """Nothing on the wire changes when an operation, a channel message or a channel is
    renamed: never an operation or message removed and added (breaking)."""
    changes = _finance_events_edited(tmp_path, edit)
    found = [(c.rule, c.level, c.direction, c.message,
              c.base.pointer if c.base else None, c.revision.pointer if c.revision else None)
             for c in changes]
    assert found == expected
    assert all(c.bump.label == "patch" for c in changes)


def _time_optional(doc: dict[str, Any]) -> None:
    """The captured event's ``time`` no longer guaranteed (in the payload's own schema)."""
    event = doc["components"]["schemas"]["InvoiceCapturedEvent"]["allOf"][1]
    event["required"].remove("time")


@pytest.mark.parametrize(("renames", "rename_rule"), [
    ((_rename_operation, _rename_channel), "async-operation-id-changed"),
    ((_rename_message_key,), "message-id-changed"),
], ids=["operation-and-channel", "message-key"])
def test_renamed_and_changed_is_still_paired_and_the_change_reported(
        tmp_path: Path, renames: tuple[Any, ...], rename_rule: str) -> None:
    """An id changed in the same commit as the payload (so the wire pairing fails): the
    operation is still found by its action, channel and message ids, the message by its
    name, and the payload change is the one breaking change."""
    def edit(doc: dict[str, Any]) -> None:
        for rename in renames:
            rename(doc)
        _time_optional(doc)

    changes = _finance_events_edited(tmp_path, edit)
    assert sorted((c.rule, c.level.label) for c in changes) == sorted([
        (rename_rule, "info"), ("property-became-optional", "breaking")])


_TWO_ROUTES = """asyncapi: 3.0.0
info: {title: Payment notices, version: 1.0.0}
channels:
  notices:
    address: finance.payment.notice
    messages:
      notice: {$ref: '#/components/messages/Notice'}
operations:
%s
components:
  messages:
    Notice:
      name: PaymentNotice
      payload:
        type: object
        properties:
          paymentId: {type: string}
"""
_ROUTE = """  %s:
    action: send
    channel: {$ref: '#/channels/notices'}
    bindings:
      amqp: {cc: [%s], bindingVersion: 0.3.0}
"""


def test_renamed_operations_alike_but_for_their_routing_keys_pair_by_them(
        tmp_path: Path) -> None:
    base = _TWO_ROUTES % (_ROUTE % ("noticeToTreasury", "treasury")
                          + _ROUTE % ("noticeToAudit", "audit"))
    revision = _TWO_ROUTES % (_ROUTE % ("sendAuditNotice", "audit")
                              + _ROUTE % ("sendTreasuryNotice", "treasury"))
    changes = diff_texts(tmp_path, base, revision)
    assert sorted(c.message for c in changes) == [
        "operation id changed from 'noticeToAudit' to 'sendAuditNotice'",
        "operation id changed from 'noticeToTreasury' to 'sendTreasuryNotice'"]
    assert {c.level for c in changes} == {Level.INFO}


def test_operation_renamed_and_moved_to_another_channel_is_removed_and_added(
        tmp_path: Path) -> None:
    """The wire pairing is no licence to pair anything: a new id on another channel is
    another operation, and its consumers at the old address hear nothing again."""
    base = _BOTH_WAYS
    revision = _BOTH_WAYS.replace("  publishPayment:\n    action: send\n"
                                  "    channel: {$ref: '#/channels/payments'}",
                                  "  publishIncoming:\n    action: send\n"
                                  "    channel: {$ref: '#/channels/paymentsIn'}")
    assert revision != base
    changes = diff_texts(tmp_path, base, revision)
    assert sorted((c.rule, c.level) for c in changes) == [
        ("async-operation-added", Level.INFO), ("async-operation-removed", Level.BREAKING)]


_REFUNDS = """asyncapi: 3.0.0
info: {title: Refunds, version: 1.0.0}
channels:
  refunds:
    address: finance.refund
    messages:
      refundRequested: {$ref: '#/components/messages/RefundRequested'}
      refundIssued: {$ref: '#/components/messages/RefundIssued'}
operations:
  publishRefund:
    action: send
    channel: {$ref: '#/channels/refunds'}
components:
  messages:
    RefundRequested:
      name: RefundRequested
      payload: {type: object, properties: {refundId: {type: string}}}
    RefundIssued:
      name: RefundIssued
      payload: {type: object, properties: {refundId: {type: string}}}
"""


def test_message_key_and_name_changed_is_another_message(tmp_path: Path) -> None:
    """A message whose id and name both changed is not the same message on the wire: sent,
    it is a message type consumers do not know. Its key alone changed, it is the same."""
    renamed = _REFUNDS.replace("refundIssued:", "refundPaid:")
    (tmp_path / "key").mkdir()
    (tmp_path / "both").mkdir()
    changes = diff_texts(tmp_path / "key", _REFUNDS, renamed)
    assert [(c.rule, c.level, c.message) for c in changes] == [
        ("message-id-changed", Level.INFO,
         "message id changed from 'refundIssued' to 'refundPaid'")]
    both = renamed.replace("name: RefundIssued", "name: RefundPaid")
    changes = diff_texts(tmp_path / "both", _REFUNDS, both)
    assert sorted((c.rule, c.level.label, c.message) for c in changes) == [
        ("message-added", "breaking", "message 'refundPaid' added to send publishRefund"),
        ("message-removed", "warning",
         "message 'refundIssued' removed from send publishRefund")]


def test_gemini_26_operation_id_changed_is_info(tmp_path: Path) -> None:
    """2.x as 3.x: an operationId is not on the wire."""
    base = _gemini()
    base["channels"]["/v1/marketdata/{symbol}"]["subscribe"]["operationId"] = "onMarketData"
    revision = copy.deepcopy(base)
    revision["channels"]["/v1/marketdata/{symbol}"]["subscribe"]["operationId"] = "marketData"
    changes = _diff_docs(tmp_path, base, revision)
    assert [(c.rule, c.level, c.message) for c in changes] == [
        ("async-operation-id-changed", Level.INFO,
         "operationId changed from 'onMarketData' to 'marketData'")]
    assert changes[0].revision is not None
    assert changes[0].revision.pointer == \
        "/channels/~1v1~1marketdata~1{symbol}/subscribe/operationId"


def test_gemini_26_message_id_changed_is_info_and_not_a_name_change(tmp_path: Path) -> None:
    base = _gemini()
    base["components"]["messages"]["marketData"]["messageId"] = "marketData"
    revision = copy.deepcopy(base)
    revision["components"]["messages"]["marketData"]["messageId"] = "marketDataUpdate"
    changes = _diff_docs(tmp_path, base, revision)
    assert [(c.rule, c.level, c.message) for c in changes] == [
        ("message-id-changed", Level.INFO,
         "message id changed from 'marketData' to 'marketDataUpdate'")]
    assert changes[0].revision is not None
    assert changes[0].revision.pointer == "/components/messages/marketData/messageId"


# -- channel parameters are addresses (review async/g2) -----------------------------------------

def _event_types(doc: dict[str, Any]) -> list[str]:
    enum: list[str] = doc["channels"]["invoiceLifecycle"]["parameters"]["eventType"]["enum"]
    return enum


def test_finance_events_fewer_event_types_is_breaking_more_is_additive(tmp_path: Path) -> None:
    """Consumers bound to finance.invoice.matched hear nothing once 'matched' is gone; a new
    event type is a new address nobody listened to."""
    narrowed = _finance_events_edited(tmp_path / "narrowed",
                                      lambda doc: _event_types(doc).remove("matched"))
    assert [(c.rule, c.level, c.direction, c.message) for c in narrowed] == [
        ("enum-value-removed", Level.BREAKING, Direction.SUBSCRIBE,
         "enum value 'matched' removed")]
    assert narrowed[0].base is not None
    assert narrowed[0].base.pointer == "/channels/invoiceLifecycle/parameters/eventType/enum/2"
    assert len(narrowed[0].affects) == 9  # every operation on the channel, once
    widened = _finance_events_edited(tmp_path / "widened",
                                     lambda doc: _event_types(doc).append("archived"))
    assert [(c.rule, c.level, c.bump.label) for c in widened] == [
        ("enum-value-added", Level.INFO, "minor")]


_RECEIVED = """asyncapi: 3.0.0
info: {title: Bank statements, version: 1.0.0}
channels:
  statements:
    address: treasury.statement.{format}
    parameters:
      format:
        enum: [camt053, mt940]
    messages:
      statement: {$ref: '#/components/messages/Statement'}
operations:
  receiveStatement:
    action: receive
    channel: {$ref: '#/channels/statements'}
components:
  messages:
    Statement:
      payload:
        type: object
        properties:
          accountId: {type: string}
"""


def test_fewer_addresses_of_a_receive_operation_is_breaking_too(tmp_path: Path) -> None:
    """Banks still publishing MT940 statements now publish where nobody reads."""
    changes = diff_texts(tmp_path, _RECEIVED,
                         _RECEIVED.replace("[camt053, mt940]", "[camt053]"))
    assert [(c.rule, c.level, c.affects) for c in changes] == [
        ("enum-value-removed", Level.BREAKING, ["receive receiveStatement"])]


@pytest.mark.parametrize(("base_pattern", "rev_pattern", "expected"), [
    (None, "^(btc|eth)[a-z]{3}$", [("pattern-added", Level.BREAKING)]),
    ("^[a-z0-9]+$", "^[a-z]+$", [("pattern-changed", Level.BREAKING)]),
    ("^[a-z]+$", None, [("pattern-removed", Level.INFO)]),
])
def test_gemini_26_symbol_pattern_narrowed_is_breaking_widened_is_info(
        tmp_path: Path, base_pattern: str | None, rev_pattern: str | None,
        expected: list[Any]) -> None:
    def with_pattern(pattern: str | None) -> dict[str, Any]:
        doc = _gemini()
        schema = doc["channels"]["/v1/marketdata/{symbol}"]["parameters"]["symbol"]["schema"]
        del schema["enum"]
        if pattern is not None:
            schema["pattern"] = pattern
        return doc

    changes = _diff_docs(tmp_path, with_pattern(base_pattern), with_pattern(rev_pattern))
    assert [(c.rule, c.level) for c in changes] == expected
    assert {c.direction for c in changes} == {Direction.SUBSCRIBE}


# -- URL $refs are refused, and say where (review: the adeo corpus) ------------------------------

@pytest.mark.parametrize(("name", "line"), [
    ("adeo-kafka-request-reply-asyncapi.yml", 174),
    ("adeo-kafka-request-reply-asyncapi-3.0.0.yml", 214),
])
def test_url_ref_in_an_avro_payload_is_refused_in_one_line_saying_where_and_why(
        name: str, line: int) -> None:
    """The Avro payload is opaque to the schema rules, but a URL $ref is still never
    fetched: the diff stops (exit 2) on one line naming the file, line and pointer of the
    reference, the URL, and the policy."""
    path = _corpus(name)
    result = run("diff", path, path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr == (
        f"error: {path}:{line}: at /components/messages/costingRequestV1/payload/schema/$ref: "
        "$ref to a URL is refused ('https://www.asyncapi.com/resources/casestudies/adeo/"
        "CostingRequestPayload.avsc'); references must be relative paths inside the "
        "registry, and nothing is ever fetched\n")
