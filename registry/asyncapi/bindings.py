"""AsyncAPI 3.x protocol bindings, as the official 3.0.0 and 3.1.0 schemas check them.

Each Bindings Object (server, channel, operation, message) lists the protocols it knows. A
protocol with a published binding is checked against the version its ``bindingVersion`` names
(the latest when absent); a known protocol without one accepts anything; an unknown protocol
name is refused. 3.1 adds ROS 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledgerpact.registry.asyncapi.schemas import AVRO_SCHEMA
from ledgerpact.registry.asyncapi.shapes import (
    ANY,
    BOOL,
    INT,
    MISSING,
    NUM,
    OBJECT,
    STR,
    All,
    AnyOf,
    Arr,
    Dispatch,
    Obj,
    OneOf,
    Ref,
    RefOr,
    Rule,
    Scalar,
    Shape,
    Task,
    article,
    child,
    const,
    got,
    integer,
    is_type,
    one_of,
    show,
    str_enum,
)
from ledgerpact.registry.asyncapi_structure import Violation


class _Binding(Shape):
    """One protocol's binding: the version named by ``bindingVersion`` (the latest if absent)
    decides which rules apply; a version the document's AsyncAPI version does not know is an
    error, as in the official schemas."""

    def __init__(self, label: str, versions: dict[str, Shape]) -> None:
        self.label = label
        self.versions = versions  # latest first
        self.latest = next(iter(versions.values()))

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, dict):
            out.append(Violation(ptr, f"expected an object ({self.label}), got {got(value)}"))
            return ()
        version = value.get("bindingVersion", MISSING)
        if version is MISSING:
            return [(self.latest, value, ptr, out)]
        if isinstance(version, str) and version in self.versions:
            return [(self.versions[version], value, ptr, out)]
        out.append(Violation(child(ptr, "bindingVersion"), (
            f"{show(version)} is not a known version of the {self.label}; expected "
            f"{one_of(list(self.versions))} (or leave it out for the latest)")))
        return ()


def _binding(label: str, versions: Sequence[str], fields_for: Callable[[str], dict[str, Shape]],
             required: Sequence[str] = (), **options: Any) -> _Binding:
    return _Binding(label, {
        version: Obj(f"{label} {version}",
                     {**fields_for(version), "bindingVersion": str_enum(version)},
                     required, **options)
        for version in versions
    })


_STRINGS = Arr(STR)


def _also(shape: Shape) -> Rule:
    """A rule applying ``shape`` to the whole object too: how cross-field forms are added."""
    return lambda value, ptr, out: [(shape, value, ptr, out)]


def _string_or_strings(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    if isinstance(value, list):
        return _STRINGS
    if not isinstance(value, str):
        out.append(Violation(ptr, f"expected a string or an array of strings, got {got(value)}"))
    return None


def _aws_policy(identifier: Shape) -> Obj:
    statement = Obj("policy statement", {
        "effect": str_enum("Allow", "Deny"),
        "principal": Dispatch("principal", _string_or_strings),
        "action": Dispatch("action", _string_or_strings),
    }, ("effect", "principal", "action"), closed=False)
    return Obj("policy", {"statements": Arr(statement)}, ("statements",), closed=False)


def _sqs_queue(label: str, required: Sequence[str], extra: dict[str, Shape]) -> Obj:
    identifier = Obj("SQS identifier", {"arn": STR, "name": STR}, closed=False)
    return Obj(label, {
        **extra, "name": STR, "fifoQueue": BOOL,
        "deduplicationScope": str_enum("queue", "messageGroup"),
        "fifoThroughputLimit": str_enum("perQueue", "perMessageGroupId"),
        "deliveryDelay": integer(0, 900), "visibilityTimeout": integer(0, 43200),
        "receiveMessageWaitTime": INT, "messageRetentionPeriod": integer(60, 1209600),
        "redrivePolicy": Obj("SQS redrive policy", {"deadLetterQueue": identifier,
                                                    "maxReceiveCount": INT},
                             ("deadLetterQueue",), closed=False),
        "policy": _aws_policy(identifier), "tags": OBJECT,
    }, required, closed=False)


def _value_schema_or_reference(value_type: str, value: Scalar, schema: Shape) -> Dispatch:
    """MQTT's "a value, a Schema Object or a Reference Object" (oneOf): a value of
    ``value_type`` is never a schema (an object or a boolean), so the JSON type decides."""
    schema_or_reference = RefOr(schema)

    def choose(item: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if is_type(item, value_type):
            return value
        if isinstance(item, dict | bool):
            return schema_or_reference
        out.append(Violation(ptr, f"expected {article(value_type)}, a Schema Object or a "
                                  f"Reference Object, got {got(item)}"))
        return None

    return Dispatch(f"{value_type} or schema", choose)


def _solace_destination(version: str) -> Shape:
    queue_fields: dict[str, Shape] = {
        "name": STR, "topicSubscriptions": Arr(STR),
        "accessType": str_enum("exclusive", "nonexclusive"),
    }
    if version != "0.2.0":
        queue_fields.update({"maxTtl": STR, "maxMsgSpoolUsage": STR})
    queue_form = Obj("Solace queue destination", {
        "destinationType": Scalar("string", enum=["queue"]),
        "queue": Obj("Solace queue", queue_fields, closed=False),
    }, closed=False, extensions=None)
    topic_form = Obj("Solace topic destination", {
        "destinationType": Scalar("string", enum=["topic"]), "topicSubscriptions": Arr(STR),
    }, closed=False, extensions=None)

    def pick(value: dict[Any, Any]) -> int | None:
        return {"queue": 0, "topic": 1}.get(str(value.get("destinationType")))

    return All(
        Obj("Solace destination", {"deliveryMode": str_enum("direct", "persistent")},
            closed=False),
        OneOf("Solace destination", [("destinationType queue", queue_form),
                                     ("destinationType topic", topic_form)], pick),
    )


def bindings_3(schema: Shape, version: str) -> dict[str, Obj]:
    """The Server, Channel, Operation and Message Bindings Objects of AsyncAPI 3.x.

    Protocols the official schemas know but define no binding for accept anything; protocol
    names they do not know are refused.
    """
    reference_or_schema = RefOr(schema)
    kafka_versions = ("0.5.0", "0.4.0", "0.3.0")
    solace_versions = ("0.4.0", "0.3.0", "0.2.0")

    def kafka_channel(v: str) -> dict[str, Shape]:
        fields: dict[str, Shape] = {"topic": STR, "partitions": integer(1), "replicas": integer(1)}
        if v == "0.3.0":
            return fields
        topic_fields: dict[str, Shape] = {
            "cleanup.policy": Arr(str_enum("compact", "delete")), "retention.ms": integer(-1),
            "retention.bytes": integer(-1), "delete.retention.ms": integer(0),
            "max.message.bytes": integer(0),
        }
        if v == "0.5.0":
            topic_fields.update({
                "confluent.key.schema.validation": BOOL,
                "confluent.key.subject.name.strategy": STR,
                "confluent.value.schema.validation": BOOL,
                "confluent.value.subject.name.strategy": STR,
            })
        fields["topicConfiguration"] = Obj("Kafka topic configuration", topic_fields,
                                           closed=v == "0.4.0", extensions=None)
        return fields

    def kafka_key(v: str) -> Shape:
        if v == "0.5.0":
            return RefOr(schema, hint=(
                "Kafka message binding 0.5.0 (the default when 'bindingVersion' is absent) "
                "takes 'key' as exactly one of Reference or Schema; inline the key schema, or "
                "declare bindingVersion 0.4.0, whose 'key' accepts either"))
        if v == "0.4.0":
            return AnyOf([Ref(), schema, AVRO_SCHEMA], pick=lambda value: (
                2 if isinstance(value, str | list) or (
                    isinstance(value, dict) and value.get("type") in ("record", "enum", "map",
                                                                      "fixed"))
                else 1))
        return schema

    def kafka_message(v: str) -> dict[str, Shape]:
        return {"key": kafka_key(v), "schemaIdLocation": str_enum("header", "payload"),
                "schemaIdPayloadEncoding": STR, "schemaLookupStrategy": STR}

    amqp_channel = _binding("AMQP channel binding", ("0.3.0",), lambda v: {
        "is": str_enum("queue", "routingKey"),
        "exchange": Obj("AMQP exchange", {
            "name": Scalar("string", max_length=255),
            "type": str_enum("topic", "direct", "fanout", "default", "headers"),
            "durable": BOOL, "autoDelete": BOOL, "vhost": STR,
        }, closed=False),
        "queue": Obj("AMQP queue", {
            "name": Scalar("string", max_length=255), "durable": BOOL, "exclusive": BOOL,
            "autoDelete": BOOL, "vhost": STR,
        }, closed=False),
    }, rule=_also(OneOf("AMQP channel binding", [
        ("is: routingKey with an exchange and no queue",
         Obj("AMQP channel binding (is: routingKey)", {"is": const("routingKey")}, ("exchange",),
             forbidden=("queue",), closed=False, extensions=None)),
        ("is: queue with a queue and no exchange",
         Obj("AMQP channel binding (is: queue)", {"is": const("queue")}, ("queue",),
             forbidden=("exchange",), closed=False, extensions=None)),
    ], pick=lambda v: 1 if v.get("is") == "queue" else 0)))

    ibmmq_channel = _binding("IBM MQ channel binding", ("0.1.0",), lambda v: {
        "destinationType": str_enum("topic", "queue"),
        "queue": Obj("IBM MQ queue", {"objectName": Scalar("string", max_length=48),
                                      "isPartitioned": BOOL, "exclusive": BOOL},
                     ("objectName",), closed=False),
        "topic": Obj("IBM MQ topic", {"string": Scalar("string", max_length=10240),
                                      "objectName": Scalar("string", max_length=48),
                                      "durablePermitted": BOOL, "lastMsgRetained": BOOL},
                     closed=False),
        "maxMsgLength": integer(0, 104857600),
    }, rule=_also(OneOf("IBM MQ channel binding", [
        ("destinationType topic without a queue",
         Obj("IBM MQ channel binding (topic)", {"destinationType": const("topic")},
             forbidden=("queue",), closed=False, extensions=None)),
        ("destinationType queue with a queue and no topic",
         Obj("IBM MQ channel binding (queue)", {"destinationType": const("queue")}, ("queue",),
             forbidden=("topic",), closed=False, extensions=None)),
    ], pick=lambda v: 1 if v.get("destinationType") == "queue" else 0)))

    ibmmq_message = _binding("IBM MQ message binding", ("0.1.0",), lambda v: {
        "type": str_enum("string", "jms", "binary"), "headers": STR, "description": STR,
        "expiry": integer(0),
    }, rule=_also(OneOf("IBM MQ message binding", [
        ("type binary", Obj("IBM MQ message binding (binary)", {"type": const("binary")},
                            closed=False, extensions=None)),
        ("type jms without headers",
         Obj("IBM MQ message binding (jms)", {"type": const("jms")}, forbidden=("headers",),
             closed=False, extensions=None)),
        ("type string without headers",
         Obj("IBM MQ message binding (string)", {"type": const("string")},
             forbidden=("headers",), closed=False, extensions=None)),
    ], pick=lambda v: {"binary": 0, "jms": 1, "string": 2}.get(str(v.get("type"))))))

    sns_identifier = Obj("SNS identifier", {"url": STR, "email": STR, "phone": STR, "arn": STR,
                                            "name": STR}, closed=False)
    sns_delivery_policy = Obj("SNS delivery policy", {
        "minDelayTarget": INT, "maxDelayTarget": INT, "numRetries": INT,
        "numNoDelayRetries": INT, "numMinDelayRetries": INT, "numMaxDelayRetries": INT,
        "backoffFunction": str_enum("arithmetic", "exponential", "geometric", "linear"),
        "maxReceivesPerSecond": INT,
    }, closed=False)

    def filter_value(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, list):
            return _STRINGS
        if not isinstance(value, str | dict):
            out.append(Violation(ptr, "expected a string, an array of strings or an object, got "
                                      f"{got(value)}"))
        return None

    sns_consumer = Obj("SNS consumer", {
        "protocol": str_enum("http", "https", "email", "email-json", "sms", "sqs",
                              "application", "lambda", "firehose"),
        "endpoint": sns_identifier,
        "filterPolicy": Obj("SNS filter policy", extra=Dispatch("filter", filter_value)),
        "filterPolicyScope": str_enum("MessageAttributes", "MessageBody"),
        "rawMessageDelivery": BOOL,
        "redrivePolicy": Obj("SNS redrive policy", {"deadLetterQueue": sns_identifier,
                                                    "maxReceiveCount": INT},
                             ("deadLetterQueue",), closed=False),
        "deliveryPolicy": sns_delivery_policy, "displayName": STR,
    }, ("protocol", "endpoint", "rawMessageDelivery"), closed=False)

    server: dict[str, Shape] = {
        "http": ANY, "ws": ANY, "amqp": ANY, "amqp1": ANY,
        "mqtt": _binding("MQTT server binding", ("0.2.0",), lambda v: {
            "clientId": STR, "cleanSession": BOOL,
            "lastWill": Obj("MQTT last will", {"topic": STR, "qos": Scalar("integer",
                                                                            enum=(0, 1, 2)),
                                               "message": STR, "retain": BOOL}, closed=False),
            "keepAlive": INT,
            "sessionExpiryInterval": _value_schema_or_reference("integer", integer(0), schema),
            "maximumPacketSize": _value_schema_or_reference("integer", integer(1, 4294967295),
                                                            schema),
        }),
        "kafka": _binding("Kafka server binding", kafka_versions, lambda v: {
            "schemaRegistryUrl": STR, "schemaRegistryVendor": STR}),
        "anypointmq": ANY, "nats": ANY,
        "jms": _binding("JMS server binding", ("0.0.1",), lambda v: {
            "jmsConnectionFactory": STR, "clientID": STR,
            "properties": Arr(Obj("JMS property", {
                "name": STR, "value": Scalar("string", "boolean", "number", "null")},
                ("name", "value"), closed=False, extensions=None)),
        }, ("jmsConnectionFactory",)),
        "sns": ANY, "sqs": ANY, "stomp": ANY, "redis": ANY,
        "ibmmq": _binding("IBM MQ server binding", ("0.1.0",), lambda v: {
            "groupId": STR, "ccdtQueueManagerName": STR, "cipherSpec": STR,
            "multiEndpointServer": BOOL, "heartBeatInterval": integer(0, 999999)}),
        "solace": _binding("Solace server binding", solace_versions, lambda v: (
            {"msgVpn": STR, "clientName": Scalar("string", min_length=1, max_length=160)}
            if v == "0.4.0" else {"msgVpn": STR} if v == "0.3.0" else {"msvVpn": STR})),
        "googlepubsub": ANY,
        "pulsar": _binding("Pulsar server binding", ("0.1.0",), lambda v: {"tenant": STR}),
    }
    channel: dict[str, Shape] = {
        "http": ANY,
        "ws": _binding("WebSockets channel binding", ("0.1.0",), lambda v: {
            "method": str_enum("GET", "POST"), "query": reference_or_schema,
            "headers": reference_or_schema}),
        "amqp": amqp_channel, "amqp1": ANY, "mqtt": ANY,
        "kafka": _binding("Kafka channel binding", kafka_versions, kafka_channel),
        "anypointmq": _binding("Anypoint MQ channel binding", ("0.0.1",), lambda v: {
            "destination": STR, "destinationType": str_enum("exchange", "queue",
                                                             "fifo-queue")}),
        "nats": ANY,
        "jms": _binding("JMS channel binding", ("0.0.1",), lambda v: {
            "destination": STR, "destinationType": str_enum("queue", "fifo-queue")}),
        "sns": _Binding("SNS channel binding", {"0.1.0": Obj("SNS channel binding 0.1.0", {
            "name": STR,
            "ordering": Obj("SNS ordering", {"type": str_enum("standard", "FIFO"),
                                             "contentBasedDeduplication": BOOL},
                            ("type",), closed=False),
            "policy": _aws_policy(sns_identifier), "tags": OBJECT, "bindingVersion": STR,
        }, ("name",))}),
        "sqs": _Binding("SQS channel binding", {"0.2.0": Obj("SQS channel binding 0.2.0", {
            "queue": _sqs_queue("SQS queue", ("name", "fifoQueue"), {}),
            "deadLetterQueue": _sqs_queue("SQS queue", ("name", "fifoQueue"), {}),
            "bindingVersion": str_enum("0.1.0", "0.2.0"),
        }, ("queue",))}),
        "stomp": ANY, "redis": ANY, "ibmmq": ibmmq_channel, "solace": ANY,
        "googlepubsub": _binding("Google Pub/Sub channel binding", ("0.2.0",), lambda v: {
            "labels": OBJECT, "messageRetentionDuration": STR,
            "messageStoragePolicy": Obj("message storage policy",
                                        {"allowedPersistenceRegions": Arr(STR)},
                                        extensions=None),
            "schemaSettings": Obj("schema settings", {
                "encoding": STR, "firstRevisionId": STR, "lastRevisionId": STR, "name": STR},
                ("encoding", "name"), closed=False),
        }, ("schemaSettings",)),
        "pulsar": _binding("Pulsar channel binding", ("0.1.0",), lambda v: {
            "namespace": STR, "persistence": str_enum("persistent", "non-persistent"),
            "compaction": integer(0), "geo-replication": Arr(STR),
            "retention": Obj("Pulsar retention", {"time": integer(0), "size": integer(0)},
                             extensions=None),
            "ttl": INT, "deduplication": BOOL,
        }, ("namespace", "persistence")),
    }
    operation: dict[str, Shape] = {
        "http": _binding("HTTP operation binding", ("0.3.0", "0.2.0"), lambda v: {
            "method": str_enum("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS",
                                "CONNECT", "TRACE"),
            "query": schema}),
        "ws": ANY,
        "amqp": _binding("AMQP operation binding", ("0.3.0",), lambda v: {
            "expiration": integer(0), "userId": STR, "cc": Arr(STR), "priority": INT,
            "deliveryMode": Scalar("integer", enum=(1, 2)), "mandatory": BOOL,
            "bcc": Arr(STR), "timestamp": BOOL, "ack": BOOL}),
        "amqp1": ANY,
        "mqtt": _binding("MQTT operation binding", ("0.2.0",), lambda v: {
            "qos": Scalar("integer", enum=(0, 1, 2)), "retain": BOOL,
            "messageExpiryInterval": _value_schema_or_reference(
                "integer", integer(0, 4294967295), schema)}),
        "kafka": _binding("Kafka operation binding", kafka_versions, lambda v: {
            "groupId": schema, "clientId": schema}),
        "anypointmq": ANY,
        "nats": _binding("NATS operation binding", ("0.1.0",), lambda v: {
            "queue": Scalar("string", max_length=255)}),
        "jms": ANY,
        "sns": _Binding("SNS operation binding", {"0.1.0": Obj("SNS operation binding 0.1.0", {
            "topic": sns_identifier, "consumers": Arr(sns_consumer, min_items=1),
            "deliveryPolicy": sns_delivery_policy, "bindingVersion": STR,
        }, ("consumers",))}),
        "sqs": _Binding("SQS operation binding", {"0.2.0": Obj("SQS operation binding 0.2.0", {
            "queues": Arr(_sqs_queue("SQS queue", ("name",), {"$ref": STR})),
            "bindingVersion": str_enum("0.1.0", "0.2.0"),
        }, ("queues",))}),
        "stomp": ANY, "redis": ANY, "ibmmq": ANY,
        "solace": _binding("Solace operation binding", solace_versions, lambda v: {
            "destinations": Arr(_solace_destination(v)),
            **({"timeToLive": INT, "priority": integer(0, 255), "dmqEligible": BOOL}
               if v == "0.4.0" else {}),
        }, extensions=None),
        "googlepubsub": ANY,
    }
    message: dict[str, Shape] = {
        "http": _binding("HTTP message binding", ("0.3.0", "0.2.0"), lambda v: {
            "headers": schema, **({"statusCode": NUM} if v == "0.3.0" else {})}),
        "ws": ANY,
        "amqp": _binding("AMQP message binding", ("0.3.0",), lambda v: {
            "contentEncoding": STR, "messageType": STR}),
        "amqp1": ANY,
        "mqtt": _binding("MQTT message binding", ("0.2.0",), lambda v: {
            "payloadFormatIndicator": Scalar("integer", enum=(0, 1)),
            "correlationData": reference_or_schema, "contentType": STR,
            "responseTopic": _value_schema_or_reference(
                "string", Scalar("string", min_length=1), schema),
        }),
        "kafka": _binding("Kafka message binding", kafka_versions, kafka_message),
        "anypointmq": _binding("Anypoint MQ message binding", ("0.0.1",), lambda v: {
            "headers": reference_or_schema}),
        "nats": ANY,
        "jms": _binding("JMS message binding", ("0.0.1",), lambda v: {"headers": schema}),
        "sns": ANY, "sqs": ANY, "stomp": ANY, "redis": ANY, "ibmmq": ibmmq_message,
        "solace": ANY,
        "googlepubsub": _binding("Google Pub/Sub message binding", ("0.2.0",), lambda v: {
            "attributes": OBJECT, "orderingKey": STR,
            "schema": Obj("Pub/Sub schema", {"name": STR}, ("name",), closed=False)}),
    }
    if version != "3.0.0":
        server["ros2"] = _binding("ROS 2 server binding", ("0.1.0",), lambda v: {
            "domainId": integer(0, 231), "rmwImplementation": STR}, closed=False)
        operation["ros2"] = _binding("ROS 2 operation binding", ("0.1.0",), lambda v: {
            "node": STR, "role": str_enum("publisher", "action_client", "service_client",
                                           "subscriber", "action_server", "service_server"),
            "qosPolicies": Obj("ROS 2 QoS policies", {
                "deadline": INT, "durability": str_enum("transient_local", "volatile"),
                "history": str_enum("keep_last", "keep_all", "unknown"),
                "leaseDuration": INT, "lifespan": INT,
                "liveliness": str_enum("automatic", "manual"),
                "reliability": str_enum("best_effort", "realiable"),
            }, closed=False),
        }, ("role", "node"))
    return {
        kind: Obj(f"{kind.capitalize()} Bindings Object", table)
        for kind, table in (("server", server), ("channel", channel), ("operation", operation),
                            ("message", message))
    }
