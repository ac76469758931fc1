"""Compatibility modes on contracts that carry their own directions, security-scheme changes
listing the operations they reach, and a channel that moved reported once.

Real registries: Git repositories in temp dirs with released tags, read by the installed
``ledgerpact`` (``compat``, ``version check``, ``check``, ``diff``).

Why: an event log is replayed, so a FULL contract's new consumers read events the base
wrote; ``compat`` judged event payloads only the way the operation sends them, so narrowing a
sent enum passed FULL_TRANSITIVE and ``check`` asked for a patch bump. A security scheme's
change listed no operation, and a channel renamed (address, and 3.x id) was reported as a
channel removed, an operation moving and a channel added.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

EVENTS = """\
asyncapi: 3.0.0
info: {title: Invoice events, version: VERSION}
channels:
  captured:
    address: finance.invoice.captured
    messages:
      captured: {$ref: '#/components/messages/Captured'}
  commands:
    address: finance.invoice.commands
    messages:
      command: {$ref: '#/components/messages/Command'}
operations:
  publishCaptured:
    action: send
    channel: {$ref: '#/channels/captured'}
    messages: [{$ref: '#/channels/captured/messages/captured'}]
  receiveCommand:
    action: receive
    channel: {$ref: '#/channels/commands'}
    messages: [{$ref: '#/channels/commands/messages/command'}]
components:
  messages:
    Captured:
      payload:
        type: object
        properties:
          documentType: {type: string, enum: [invoice, credit-note]}
    Command:
      payload:
        type: object
        properties:
          action: {type: string, enum: [void, reissue]}
"""

API = """\
openapi: 3.1.0
info: {title: Payments, version: VERSION}
paths:
  /payments:
    get:
      operationId: listPayments
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string, enum: [settled, pending]}
    post:
      operationId: createPayment
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                priority: {type: string, enum: [normal, urgent]}
      responses:
        '201': {description: created}
"""

SENT_NARROWED = ("[invoice, credit-note]", "[invoice]")
SENT_WIDENED = ("[invoice, credit-note]", "[invoice, credit-note, debit-note]")
RECEIVED_NARROWED = ("[void, reissue]", "[void]")
RESPONSE_NARROWED = ("[settled, pending]", "[settled]")
RESPONSE_WIDENED = ("[settled, pending]", "[settled, pending, failed]")
REQUEST_WIDENED = ("[normal, urgent]", "[normal, urgent, low]")


def _registry(tmp_path: Path, kind: str, mode: str, text: str | None = None) -> Path:
    """One contract ``ev`` at 1.0.0 (``text``, else EVENTS or API), committed and released
    (tag ``ev/v1.0.0``) under ``mode``."""
    root = init_repo(tmp_path / "reg")
    document = "asyncapi.yaml" if kind == "asyncapi" else "openapi.yaml"
    folder = root / "contracts" / "ev"
    write_metadata(folder, "ev", kind, document)
    meta = yaml.safe_load((folder / "contract.yaml").read_text())
    meta["compatibility"] = mode
    (folder / "contract.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    if text is None:
        text = EVENTS if kind == "asyncapi" else API
    (folder / document).write_text(text.replace("VERSION", "1.0.0"))
    commit_all(root, "ev 1.0.0")
    git(root, "tag", "ev/v1.0.0")
    return root


def _edit(root: Path, old: str, new: str, version: str = "1.0.0") -> None:
    path = next((root / "contracts" / "ev").glob("*api.yaml"))
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1).replace("version: 1.0.0", f"version: {version}"))


def _compat(root: Path) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    result = run("compat", "ev", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads(result.stdout)[0]
    return result, [c for r in report["checked"] for c in r["changes"]]


# -- AsyncAPI: Confluent's modes on event payloads -----------------------------------------


@pytest.mark.parametrize(("edit", "verdicts"), [
    # narrowing a sent enum: today's consumers never meet the value again (fine); a new
    # consumer replaying events the base wrote meets it (BACKWARD, FULL)
    (SENT_NARROWED, {"BACKWARD": True, "FORWARD": False, "FULL": True,
                     "FULL_TRANSITIVE": True, "NONE": False}),
    # widening a sent enum: today's consumers meet a value they do not know
    (SENT_WIDENED, {"BACKWARD": False, "FORWARD": True, "FULL": True}),
    # narrowing a received enum: the revision refuses what producers still send
    (RECEIVED_NARROWED, {"BACKWARD": True, "FORWARD": False, "FULL": True}),
], ids=["sent-narrowed", "sent-widened", "received-narrowed"])
def test_event_payloads_are_judged_as_the_mode_says(tmp_path: Path, edit: tuple[str, str],
                                                     verdicts: dict[str, bool]) -> None:
    for mode, breaks in verdicts.items():
        root = _registry(tmp_path / mode, "asyncapi", mode)
        _edit(root, *edit)
        result, changes = _compat(root)
        assert result.returncode == (1 if breaks else 0), (mode, result.stdout)
        enum = [c for c in changes if c["rule"].startswith("enum-value-")]
        assert len(enum) == 1, (mode, changes)  # one change, whichever ways it was judged
        assert (enum[0]["level"] == "breaking") is breaks, mode
        # reported the way the data flows, whatever way the mode judged it
        sent = edit is not RECEIVED_NARROWED
        assert enum[0]["direction"] == ("publish" if sent else "subscribe"), mode


SHARED_SCHEMA = """\
asyncapi: 3.0.0
info: {title: Invoice events, version: VERSION}
channels:
  captured:
    address: finance.invoice.captured
    messages:
      captured: {payload: {$ref: '#/components/schemas/Invoice'}}
  corrections:
    address: finance.invoice.corrections
    messages:
      correction: {payload: {$ref: '#/components/schemas/Invoice'}}
operations:
  publishCaptured:
    action: send
    channel: {$ref: '#/channels/captured'}
    messages: [{$ref: '#/channels/captured/messages/captured'}]
  receiveCorrection:
    action: receive
    channel: {$ref: '#/channels/corrections'}
    messages: [{$ref: '#/channels/corrections/messages/correction'}]
components:
  schemas:
    Invoice:
      type: object
      properties:
        documentType: {type: string, enum: [invoice, credit-note]}
"""

# one message the application both sends and receives (a relay on one channel)
SHARED_MESSAGE = """\
asyncapi: 3.0.0
info: {title: Invoice events, version: VERSION}
channels:
  invoices:
    address: finance.invoices
    messages:
      invoice:
        payload:
          type: object
          properties:
            documentType: {type: string, enum: [invoice, credit-note]}
operations:
  publishInvoice:
    action: send
    channel: {$ref: '#/channels/invoices'}
    messages: [{$ref: '#/channels/invoices/messages/invoice'}]
  receiveInvoice:
    action: receive
    channel: {$ref: '#/channels/invoices'}
    messages: [{$ref: '#/channels/invoices/messages/invoice'}]
"""

# a request and its reply sharing the schema: one operation reaches it both ways
SHARED_BY_REPLY = """\
asyncapi: 3.0.0
info: {title: Invoice events, version: VERSION}
channels:
  lookups:
    address: finance.invoice.lookups
    messages:
      lookup: {payload: {$ref: '#/components/schemas/Invoice'}}
  answers:
    address: finance.invoice.answers
    messages:
      answer: {payload: {$ref: '#/components/schemas/Invoice'}}
operations:
  lookUpInvoice:
    action: send
    channel: {$ref: '#/channels/lookups'}
    messages: [{$ref: '#/channels/lookups/messages/lookup'}]
    reply:
      channel: {$ref: '#/channels/answers'}
      messages: [{$ref: '#/channels/answers/messages/answer'}]
components:
  schemas:
    Invoice:
      type: object
      properties:
        documentType: {type: string, enum: [invoice, credit-note]}
"""


@pytest.mark.parametrize("text", [SHARED_SCHEMA, SHARED_MESSAGE, SHARED_BY_REPLY],
                         ids=["shared-schema", "shared-message", "request-and-reply"])
@pytest.mark.parametrize(("edit", "verdicts"), [
    # as for an unshared sent (or received) enum: the mode decides, not which operation
    # reaches the schema or whether another one reaches it too
    (SENT_WIDENED, {"BACKWARD": False, "FORWARD": True, "FULL": True}),
    (SENT_NARROWED, {"BACKWARD": True, "FORWARD": False, "FULL": True}),
], ids=["widened", "narrowed"])
def test_a_schema_sent_and_received_is_judged_as_the_mode_says(
        tmp_path: Path, text: str, edit: tuple[str, str], verdicts: dict[str, bool]) -> None:
    for mode, breaks in verdicts.items():
        root = _registry(tmp_path / mode, "asyncapi", mode, text)
        _edit(root, *edit)
        result, changes = _compat(root)
        assert result.returncode == (1 if breaks else 0), (mode, result.stdout)
        enum = [c for c in changes if c["rule"].startswith("enum-value-")]
        # one change each way the data flows, both at the level the mode gives
        assert sorted(c["direction"] for c in enum) == ["publish", "subscribe"], (mode, enum)
        assert [c["level"] == "breaking" for c in enum] == [breaks, breaks], (mode, enum)


def test_full_transitive_reports_the_sent_change_as_breaking(tmp_path: Path) -> None:
    root = _registry(tmp_path, "asyncapi", "FULL_TRANSITIVE")
    _edit(root, *SENT_NARROWED)
    result = run("compat", "ev", cwd=root)
    assert result.returncode == 1, result.stdout
    assert "ev: FULL_TRANSITIVE against 1.0.0: INCOMPATIBLE with 1.0.0" in result.stdout
    assert "enum-value-removed [publish] enum value 'credit-note' removed" in result.stdout


def test_a_change_breaking_under_the_mode_needs_a_major_version(tmp_path: Path) -> None:
    root = _registry(tmp_path, "asyncapi", "FULL_TRANSITIVE")
    _edit(root, *SENT_NARROWED, version="1.0.1")
    result = run("version", "check", "ev", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["required"] == "major" and verdict["minimum"] == "2.0.0"
    # the pull-request check reads the same verdict
    git(root, "checkout", "-q", "-b", "pr")
    checked = run("check", "--base", "main", "--format", "json", cwd=root)
    assert "Traceback" not in checked.stderr, checked.stderr
    report = json.loads(checked.stdout)
    steps = {s["name"]: s for c in report["contracts"] if c["id"] == "ev" for s in c["steps"]}
    assert steps["version"]["outcome"] == "failed", steps["version"]
    assert "expected at least 2.0.0" in steps["version"]["summary"]
    _edit(root, "version: 1.0.1", "version: 2.0.0", version="2.0.0")
    assert run("version", "check", "ev", cwd=root).returncode == 0


# -- OpenAPI: FORWARD and FULL with request/response directions ------------------------------


@pytest.mark.parametrize(("edit", "verdicts"), [
    # BACKWARD (the revision serves the base's clients) judges as every diff does; FORWARD
    # (the base serves clients built on the revision) mirrored; FULL both
    (RESPONSE_NARROWED, {"BACKWARD": False, "FORWARD": True, "FULL": True}),
    (RESPONSE_WIDENED, {"BACKWARD": True, "FORWARD": False, "FULL": True}),
    (REQUEST_WIDENED, {"BACKWARD": False, "FORWARD": True, "FULL": True}),
], ids=["response-narrowed", "response-widened", "request-widened"])
def test_api_modes_judge_requests_and_responses(tmp_path: Path, edit: tuple[str, str],
                                                verdicts: dict[str, bool]) -> None:
    for mode, breaks in verdicts.items():
        root = _registry(tmp_path / mode, "openapi", mode)
        _edit(root, *edit)
        result, changes = _compat(root)
        assert result.returncode == (1 if breaks else 0), (mode, result.stdout)
        enum = [c for c in changes if c["rule"].startswith("enum-value-")]
        assert len(enum) == 1, (mode, changes)
        assert (enum[0]["level"] == "breaking") is breaks, mode
        assert (enum[0]["bump"] == "major") is breaks, mode  # else minor or patch


# -- security schemes: the operations they reach ---------------------------------------------

SECURED = """\
openapi: 3.1.0
info: {title: T, version: 1.0.0}
security:
- bearer: []
paths:
  /payments:
    get:
      operationId: listPayments
      responses: {'200': {description: ok}}
    post:
      operationId: createPayment
      security: [{key: []}]
      responses: {'201': {description: ok}}
  /health:
    get:
      operationId: health
      security: []
      responses: {'200': {description: ok}}
  /refunds:
    $ref: '#/components/pathItems/Refunds'
components:
  pathItems:
    Refunds:
      post:
        operationId: refund
        responses: {'200': {description: ok}}
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
"""


def _diff_files(tmp_path: Path, base: str, rev: str) -> list[dict[str, Any]]:
    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "rev.yaml").write_text(rev)
    result = run("diff", tmp_path / "base.yaml", tmp_path / "rev.yaml", "--format", "json",
                 cwd=tmp_path)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    changes: list[dict[str, Any]] = json.loads(result.stdout)["changes"]
    return changes


def test_a_scheme_type_change_lists_the_operations_inheriting_it(tmp_path: Path) -> None:
    rev = SECURED.replace("bearer: {type: http, scheme: bearer}",
                          "bearer: {type: apiKey, in: header, name: X-Token}")
    changes = _diff_files(tmp_path, SECURED, rev)
    assert [c["rule"] for c in changes] == ["security-scheme-type-changed"]
    # the document's requirement, inherited (a $ref'd path item too); not the operation
    # that overrides it, nor the one open to anonymous clients
    assert changes[0]["affects"] == ["GET /payments", "POST /refunds"]


def test_an_api_key_moved_lists_the_operations_requiring_it(tmp_path: Path) -> None:
    rev = SECURED.replace("name: X-Key", "name: X-Api-Key")
    changes = _diff_files(tmp_path, SECURED, rev)
    assert [c["rule"] for c in changes] == ["security-scheme-api-key-moved"]
    assert changes[0]["affects"] == ["POST /payments"]


# -- a channel that moved ----------------------------------------------------------------------

MOVED_V3 = ("  captured:\n    address: finance.invoice.captured\n",
            "  invoiceCaptured:\n    address: finance.invoices.captured\n")
CHANNEL_REFS = ("#/channels/captured", "#/channels/invoiceCaptured")

EVENTS_26 = """\
asyncapi: 2.6.0
info: {title: Ev, version: 1.0.0}
channels:
  finance.payment.settled:
    subscribe:
      operationId: onSettled
      message:
        name: settled
        payload: {type: object, properties: {status: {type: string}}}
  finance.payment.release:
    publish:
      operationId: release
      message:
        name: release
        payload: {type: object, properties: {priority: {type: string}}}
"""


def test_a_3x_channel_whose_id_and_address_changed_is_one_change(tmp_path: Path) -> None:
    base = EVENTS.replace("VERSION", "1.0.0")
    rev = base.replace(*MOVED_V3).replace(*CHANNEL_REFS)
    changes = _diff_files(tmp_path, base, rev)
    assert [(c["rule"], c["level"]) for c in changes] == [("channel-address-changed",
                                                          "breaking")], changes
    assert changes[0]["affects"] == ["send publishCaptured"]
    assert changes[0]["revision"]["pointer"] == "/channels/invoiceCaptured/address"
    # a channel replaced by one carrying other operations is still gone, and another new
    other = rev.replace("publishCaptured:", "publishInvoiceCaptured:")
    changes = _diff_files(tmp_path, base, other)
    assert {c["rule"] for c in changes} == {"channel-removed", "channel-added"}, changes


def test_a_2x_channel_whose_address_changed_is_one_change(tmp_path: Path) -> None:
    rev = EVENTS_26.replace("finance.payment.settled:", "finance.payments.settled:")
    changes = _diff_files(tmp_path, EVENTS_26, rev)
    assert [(c["rule"], c["level"]) for c in changes] == [("channel-address-changed",
                                                          "breaking")], changes
    assert changes[0]["affects"] == ["subscribe finance.payments.settled"]

