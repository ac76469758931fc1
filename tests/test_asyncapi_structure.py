"""The project's AsyncAPI structural check gives the official schemas' verdict.

The official AsyncAPI JSON Schemas (../shared/schemas, test data only) are the oracle. On every
real document (../shared/corpora/asyncapi and the registry's contracts/**/asyncapi.yaml) and on
real documents broken on purpose, ``check_asyncapi`` must say valid exactly when the official
schema does, and where it finds a problem its pointer must name the broken place.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.asyncapi_structure import (
    SUPPORTED_VERSIONS,
    Violation,
    check_asyncapi,
)
from ledgerpact.registry.loader import load_file

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO.parent / "shared" / "corpora" / "asyncapi"
CORPUS_FILES = sorted(
    path.name for path in CORPUS_DIR.glob("*") if path.suffix in (".yml", ".yaml", ".json")
) if CORPUS_DIR.is_dir() else []
REGISTRY_FILES = sorted(
    path.relative_to(REPO).as_posix() for path in (REPO / "contracts").rglob("asyncapi.yaml")
)

ADEO_30 = "adeo-kafka-request-reply-asyncapi-3.0.0.yml"
ADEO_31 = "adeo-kafka-request-reply-asyncapi.yml"
CORRELATION_31 = "correlation-id-asyncapi.yml"
GEMINI_26 = "websocket-gemini-2.6.0.yml"
GEMINI_31 = "websocket-gemini-asyncapi.yml"
STREETLIGHTS_30 = "streetlights-kafka-asyncapi-3.0.0.yml"
STREETLIGHTS_31 = "streetlights-kafka-asyncapi.yml"

ADEO_KEY = "/components/messages/costingResponse/bindings/kafka/key"
GEMINI_26_CHANNEL = jp.join(["channels", "/v1/marketdata/{symbol}"])


@pytest.fixture(scope="session")
def official(official_schemas: Path) -> dict[str, Draft7Validator]:
    validators = {}
    for version in SUPPORTED_VERSIONS:
        schema = json.loads((official_schemas / f"asyncapi-{version}.json").read_text())
        validators[version] = Draft7Validator(schema)
    return validators


def official_errors(official: dict[str, Draft7Validator], document: Any) -> list[ValidationError]:
    return list(official[document["asyncapi"]].iter_errors(document))


def deepest(error: ValidationError) -> ValidationError:
    """The innermost cause of an official error (``oneOf`` wraps the real one)."""
    leaves = [error]
    while any(leaf.context for leaf in leaves):
        leaves = [child for leaf in leaves for child in (leaf.context or [leaf])]
    return max(leaves, key=lambda leaf: len(leaf.absolute_path))


def describe(mine: list[Violation], theirs: list[ValidationError]) -> str:
    ours = "; ".join(f"{v.pointer}: {v.message}" for v in mine[:5]) or "valid"
    official_text = "; ".join(
        f"{jp.join(deepest(e).absolute_path)}: {deepest(e).message[:200]}" for e in theirs[:5]
    ) or "valid"
    return f"project: {ours} | official: {official_text}"


def load_corpus(corpora: Path, name: str) -> dict[str, Any]:
    path = corpora / "asyncapi" / name
    if not path.is_file():
        pytest.skip(f"corpus document {name} not found in {path.parent}")
    return load_file(path).data


def assert_same_verdict(document: Any, official: dict[str, Draft7Validator]) -> list[Violation]:
    mine = check_asyncapi(document)
    theirs = official_errors(official, document)
    assert bool(mine) == bool(theirs), describe(mine, theirs)
    return mine


# --------------------------------------------------------------------------------------------
# Real documents
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_document_gets_the_official_verdict(name: str, corpora: Path, official) -> None:
    assert_same_verdict(load_corpus(corpora, name), official)


@pytest.mark.parametrize("rel_path", REGISTRY_FILES or [pytest.param(
    None, marks=pytest.mark.skip(reason="no contracts/**/asyncapi.yaml in the registry yet"))])
def test_registry_document_gets_the_official_verdict(rel_path: str, repo_root: Path,
                                                     official) -> None:
    document = load_file(repo_root / rel_path).data
    assert isinstance(document, dict) and document.get("asyncapi") in SUPPORTED_VERSIONS, (
        f"{rel_path}: not an AsyncAPI {'/'.join(SUPPORTED_VERSIONS)} document")
    assert_same_verdict(document, official)


def test_the_corpus_holds_both_verdicts(corpora: Path, official) -> None:
    """Agreement means something only if the corpus has valid and invalid documents."""
    verdicts = {name: bool(official_errors(official, load_corpus(corpora, name)))
                for name in CORPUS_FILES}
    assert any(verdicts.values()) and not all(verdicts.values()), verdicts


def test_adeo_3_0_0_fails_on_the_kafka_message_key(corpora: Path, official) -> None:
    """The one official error in the Adeo 3.0.0 example: the Kafka message binding 0.5.0 (the
    default without ``bindingVersion``) takes ``key`` as oneOf [Reference, Schema], and an object
    holding only ``$ref`` is valid as both."""
    document = load_corpus(corpora, ADEO_30)
    theirs = official_errors(official, document)
    assert len(theirs) == 1
    cause = deepest(theirs[0])
    assert cause.validator == "oneOf" and "is valid under each of" in cause.message
    assert jp.join(cause.absolute_path) == ADEO_KEY

    mine = check_asyncapi(document)
    assert [v.pointer for v in mine] == [ADEO_KEY]
    message = mine[0].message
    assert "Reference" in message and "Schema" in message and "oneOf" in message
    assert "bindingVersion" in message  # says how to fix it


@pytest.mark.parametrize("fix", [
    pytest.param(lambda binding: binding.update(bindingVersion="0.4.0"), id="binding 0.4.0"),
    pytest.param(lambda binding: binding.update(key={"type": "string", "format": "uuid"}),
                 id="inline key schema"),
])
def test_the_suggested_fixes_for_adeo_satisfy_both(fix, corpora: Path, official) -> None:
    document = copy.deepcopy(load_corpus(corpora, ADEO_30))
    fix(jp.resolve(document, "/components/messages/costingResponse/bindings/kafka"))
    assert not assert_same_verdict(document, official)


# --------------------------------------------------------------------------------------------
# Real documents broken on purpose (one thing each)
# --------------------------------------------------------------------------------------------


def apply(document: dict[str, Any], edits: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """Set (``set``) or delete (``del``) the value at each JSON pointer, on a copy."""
    result = copy.deepcopy(document)
    for action, pointer, value in edits:
        *parents, last = jp.split(pointer)
        parent = jp.resolve(result, jp.join(parents))
        key: Any = int(last) if isinstance(parent, list) else last
        if action == "del":
            del parent[key]
        else:
            parent[key] = value
    return result


MUTATIONS = [
    pytest.param(STREETLIGHTS_31, [("del", "/info", None)], ["/info"], id="3.1 without info"),
    pytest.param(GEMINI_26, [("del", "/channels", None)], ["/channels"],
                 id="2.6 without channels"),
    pytest.param(STREETLIGHTS_30, [("set", "/channels", ["lightingMeasured"])], ["/channels"],
                 id="channels is an array"),
    pytest.param(STREETLIGHTS_30, [("set", "/operations/turnOn/action", "publish")],
                 ["/operations/turnOn/action"], id="3.0 action publish"),
    pytest.param(GEMINI_26, [("set", "/operations", {})], ["/operations"],
                 id="2.6 with 3.0 operations"),
    pytest.param(GEMINI_26, [("set", GEMINI_26_CHANNEL + "/address", "v1/marketdata")],
                 [GEMINI_26_CHANNEL + "/address"], id="2.6 channel with 3.0 address"),
    pytest.param(ADEO_31, [("set", "/components/parameters/Env/schema", {"type": "string"})],
                 ["/components/parameters/Env/schema"], id="3.1 parameter with 2.6 schema"),
    pytest.param(STREETLIGHTS_31, [("set", "/servers/scram-connections/url", "kafka://x")],
                 ["/servers/scram-connections/url"], id="3.1 server with 2.6 url"),
    pytest.param(STREETLIGHTS_31, [("set", "/servers/mtls-connections/hostname", "x")],
                 ["/servers/mtls-connections/hostname"], id="unknown server field"),
    pytest.param(STREETLIGHTS_31, [("set", "/x", 1)], ["/x"], id="extension without a name"),
    pytest.param(ADEO_31, [("set", "/servers/production/bindings/kafka/schemaRegistryUrl", 42)],
                 ["/servers/production/bindings/kafka/schemaRegistryUrl"],
                 id="kafka server binding field of wrong type"),
    pytest.param(ADEO_31, [("set", "/servers/dev/bindings/kafka/schemaRegistryURL", "x")],
                 ["/servers/dev/bindings/kafka/schemaRegistryURL"],
                 id="kafka server binding unknown field"),
    pytest.param(ADEO_31, [("set", "/servers/staging/bindings/kafka/bindingVersion", "9.9.9")],
                 ["/servers/staging/bindings/kafka/bindingVersion"],
                 id="kafka server binding unknown version"),
    pytest.param(ADEO_31, [("set", "/servers/production/bindings/kafka-secure", {})],
                 ["/servers/production/bindings/kafka-secure"], id="unknown binding protocol"),
    pytest.param(ADEO_31, [("set", "/servers/production/bindings/kafka", "broker")],
                 ["/servers/production/bindings/kafka"], id="kafka server binding not an object"),
    pytest.param(ADEO_31, [("set", "/channels/costingRequestChannel/bindings/kafka/partitions",
                            0)],
                 ["/channels/costingRequestChannel/bindings/kafka/partitions"],
                 id="kafka channel binding partitions 0"),
    pytest.param(ADEO_31, [("set", "/components/messages/costingResponse/bindings",
                            {"kafka": {"key": {"$ref": "CostingResponseKey.avsc"}}})],
                 [ADEO_KEY], id="3.1 kafka message key Reference-or-Schema ambiguity"),
    pytest.param(STREETLIGHTS_31, [("set", "/channels/lightTurnOn/bindings",
                                    {"amqp": {"is": "routingKey", "exchange": {"name": "x"},
                                              "queue": {"name": "y"}}})],
                 ["/channels/lightTurnOn/bindings/amqp/queue"],
                 id="amqp channel binding with exchange and queue"),
    pytest.param(GEMINI_31, [("set", "/channels/marketDataV1/bindings/ws/method", "PUT")],
                 ["/channels/marketDataV1/bindings/ws/method"], id="ws binding method PUT"),
    pytest.param(STREETLIGHTS_31, [("set", "/operations/turnOn/bindings",
                                    {"http": {"method": "FETCH"}})],
                 ["/operations/turnOn/bindings/http/method"], id="http binding method FETCH"),
    pytest.param(STREETLIGHTS_31, [("set", "/operations/dimLight/bindings",
                                    {"nats": {"queue": "q" * 256}})],
                 ["/operations/dimLight/bindings/nats/queue"], id="nats queue too long"),
    pytest.param(STREETLIGHTS_31, [
        ("set", "/components/messages/lightMeasured/payload", "lumens as a string"),
        ("set", "/components/messages/lightMeasured/headers", 42),
    ], ["/components/messages/lightMeasured/payload",
        "/components/messages/lightMeasured/headers"], id="3.1 payload and headers not schemas"),
    pytest.param(GEMINI_26, [("set", "/components/messages/marketData/payload", 42)],
                 ["/components/messages/marketData/payload"], id="2.6 payload not a schema"),
    pytest.param(STREETLIGHTS_31, [("set", "/components/schemas/sentAt/type", "datetime")],
                 ["/components/schemas/sentAt/type"], id="schema with an unknown type"),
    pytest.param(ADEO_31, [("set", "/components/messages/costingRequestV1/payload/schema",
                            {"type": "record", "name": "CostingRequest"})],
                 ["/components/messages/costingRequestV1/payload/schema/fields"],
                 id="avro record without fields"),
    pytest.param(STREETLIGHTS_31, [("set", "/operations/turnOn/channel",
                                    {"address": "lights/on"})],
                 ["/operations/turnOn/channel"], id="operation channel inline, not a Reference"),
    pytest.param(STREETLIGHTS_31, [("set", "/channels/lightTurnOn/messages/turnOn",
                                    {"$ref": 42})],
                 ["/channels/lightTurnOn/messages/turnOn/$ref"], id="$ref not a string"),
    pytest.param(STREETLIGHTS_31, [("set", "/servers/scram-connections/tags/2",
                                    {"name": "kind:remote", "description":
                                     "This server is a remote server. Not exposed by the "
                                     "application"})],
                 ["/servers/scram-connections/tags/2"], id="duplicate tag"),
    pytest.param(CORRELATION_31, [("set", "/components/correlationIds/sentAtCorrelator/location",
                                   "header.sentAt")],
                 ["/components/correlationIds/sentAtCorrelator/location"],
                 id="correlation id location not a runtime expression"),
    pytest.param(ADEO_31, [("set", "/operations/receiveACostingRequest/reply/address/location",
                            "REPLY_TOPIC")],
                 ["/operations/receiveACostingRequest/reply/address/location"],
                 id="reply address location not a runtime expression"),
    pytest.param(STREETLIGHTS_31, [("set", "/components/securitySchemes/saslScram/type",
                                    "kerberos")],
                 ["/components/securitySchemes/saslScram/type"], id="unknown security scheme"),
    pytest.param(CORRELATION_31, [("set", "/servers/production/security/1/flows/implicit/tokenUrl",
                                   "https://authserver.example/token")],
                 ["/servers/production/security/1/flows/implicit/tokenUrl"],
                 id="implicit oauth flow with a token url"),
    pytest.param(STREETLIGHTS_31, [("set", "/info/x-linkedin", "https://example.com/me")],
                 ["/info/x-linkedin"], id="x-linkedin not a LinkedIn URL"),
    pytest.param(STREETLIGHTS_31, [("set", "/components/messages/dimLight/examples",
                                    [{"name": "no content"}])],
                 ["/components/messages/dimLight/examples/0"],
                 id="message example without content"),
]


@pytest.mark.parametrize(("name", "edits", "expected"), MUTATIONS)
def test_broken_document_is_refused_by_both_at_the_broken_place(
    name: str, edits: list[tuple[str, str, Any]], expected: list[str], corpora: Path, official,
) -> None:
    document = apply(load_corpus(corpora, name), edits)
    assert official_errors(official, document), "the mutation must break the official verdict"
    mine = assert_same_verdict(document, official)
    pointers = [v.pointer for v in mine]
    for pointer in expected:
        assert pointer in pointers, f"expected a violation at {pointer}; got {mine}"
    assert all(v.message for v in mine)


VALID_EDITS = [
    pytest.param(STREETLIGHTS_31, [("set", "/x-owner", {"team": "payments"}),
                                   ("set", "/servers/scram-connections/x-region", "eu-west-1"),
                                   ("set", "/operations/turnOn/x-sla", 5)], id="x- extensions"),
    pytest.param(STREETLIGHTS_31, [("set", "/servers/scram-connections",
                                    {"$ref": "https://example.com/servers.yaml#/kafka"})],
                 id="external Reference, shape only"),
    pytest.param(STREETLIGHTS_31, [("set", "/components/messages/dimLight/bindings",
                                    {"ws": "anything", "kafka": {"bindingVersion": "0.3.0",
                                                                 "key": {"type": "string"}}})],
                 id="bindings the official schemas accept"),
    pytest.param(ADEO_31, [("set", "/components/messages/costingRequestV1/payload/schema",
                            {"type": "record", "name": "CostingRequest",
                             "fields": [{"name": "amount", "type": "string"}]})],
                 id="inline avro record"),
    pytest.param(GEMINI_26, [("set", GEMINI_26_CHANNEL + "/$ref", "#/components/channels/x")],
                 id="2.6 channel item $ref field"),
]


@pytest.mark.parametrize(("name", "edits"), VALID_EDITS)
def test_allowed_edits_stay_valid_for_both(name: str, edits: list[tuple[str, str, Any]],
                                           corpora: Path, official) -> None:
    document = apply(load_corpus(corpora, name), edits)
    assert not official_errors(official, document)
    assert check_asyncapi(document) == []


# --------------------------------------------------------------------------------------------
# Versions, shapes and cost
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.5.0", "3.2.0", 3.0, None])
def test_unsupported_version_is_one_violation_naming_the_supported_ones(version) -> None:
    violations = check_asyncapi({"asyncapi": version, "info": {}})
    assert [v.pointer for v in violations] == ["/asyncapi"]
    assert all(supported in violations[0].message for supported in SUPPORTED_VERSIONS)


def test_missing_version_and_non_object_document() -> None:
    assert [v.pointer for v in check_asyncapi({"info": {}})] == ["/asyncapi"]
    assert [v.pointer for v in check_asyncapi(["asyncapi", "3.0.0"])] == [""]  # type: ignore[arg-type]


def test_deeply_nested_schemas_do_not_exhaust_the_stack(corpora: Path) -> None:
    document = copy.deepcopy(load_corpus(corpora, STREETLIGHTS_31))
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(5000):
        schema = {"type": "object", "properties": {"inner": schema}}
    document["components"]["schemas"]["deep"] = schema
    assert check_asyncapi(document) == []


def test_cost_grows_linearly_with_the_document(corpora: Path) -> None:
    base = load_corpus(corpora, STREETLIGHTS_31)

    def grown(copies: int) -> dict[str, Any]:
        document = copy.deepcopy(base)
        for index in range(copies):
            for name, channel in base["channels"].items():
                document["channels"][f"{name}{index}"] = copy.deepcopy(channel)
            for name, message in base["components"]["messages"].items():
                document["components"]["messages"][f"{name}{index}"] = copy.deepcopy(message)
        return document

    def best_time(document: dict[str, Any]) -> float:  # CPU time: others' load is not ours
        timings = []
        for _ in range(5):
            start = time.process_time()
            assert check_asyncapi(document) == []
            timings.append(time.process_time() - start)
        return min(timings)

    small, large = best_time(grown(100)), best_time(grown(400))
    assert large / small < 8, f"4x the document took {large / small:.1f}x the time"
