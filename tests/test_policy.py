"""The lifecycle and deprecation policy on real Git registries in temp dirs.

Each scenario commits the contract's history with backdated author and committer dates (the
deprecation date is read from Git), leaves the removal or change uncommitted in the working
tree as a pull request would, diffs the contract against the base commit with the real diff
engine, and judges the changes with a fixed "today".
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledgerpact.governance.diff.catalog import all_diff_rules
from ledgerpact.governance.diff.compat import compare
from ledgerpact.governance.diff.model import Change
from ledgerpact.governance.diff.sides import side
from ledgerpact.governance.policy.config import Policy, load_policy
from ledgerpact.governance.policy.deprecation import REMOVALS, deprecation_findings
from ledgerpact.governance.policy.history import Locator, marked_since
from ledgerpact.governance.policy.lifecycle import lifecycle_findings, needs_approval
from ledgerpact.governance.policy.model import POLICY_RULES, PolicyFinding
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.repository import Registry

TODAY = dt.date(2024, 7, 1)
POLICY = Policy(deprecation_days=90)
DOC = "contracts/invoices/openapi.yaml"
SCHEMA = "contracts/invoices/invoice.schema.yaml"


# -- a registry with a backdated history -------------------------------------------------------


class Repo:
    """A registry in a temp Git repository: write files, commit them on a given day."""

    def __init__(self, root: Path, contract: str = "invoices", kind: str = "openapi",
                 document: str = "openapi.yaml", lifecycle: str = "active",
                 git_root: Path | None = None, folder: str | None = None) -> None:
        self.root = root
        self.contract = contract
        self.folder = folder or f"contracts/{contract}"
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(git_root or root)], check=True)
        self.meta(kind=kind, document=document, lifecycle=lifecycle)

    def meta(self, *, kind: str = "openapi", document: str = "openapi.yaml",
             lifecycle: str = "active", description: str = "") -> None:
        data = {"id": self.contract, "title": "Invoices", "kind": kind, "document": document,
                "owners": ["@test/owners"], "lifecycle": lifecycle,
                "compatibility": "BACKWARD"}
        if description:
            data["description"] = description
        if kind == "json-schema":
            data["version"] = "1.0.0"
        self.write(f"{self.folder}/contract.yaml", data)

    def write(self, rel: str, data: Any) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    def commit(self, message: str, day: str) -> str:
        """Commit everything as authored and committed at noon UTC on ``day``."""
        stamp = f"{day}T12:00:00+00:00"
        self._git("add", "-A")
        self._git("commit", "-q", "-m", message, dates=stamp)
        return self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str, dates: str | None = None) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com"}
        if dates:
            env |= {"GIT_AUTHOR_DATE": dates, "GIT_COMMITTER_DATE": dates}
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                              check=True, env=env).stdout

    @property
    def registry(self) -> Registry:
        return Registry.open(self.root)

    def changes(self, base: str) -> list[Change]:
        """The contract's changes from commit ``base`` to the working tree."""
        reg = self.registry
        rev = side(reg, self.contract)
        return compare(side(reg, f"{self.contract}@{base}"), rev)

    def deprecation(self, base: str, policy: Policy = POLICY, today: dt.date = TODAY
                    ) -> list[PolicyFinding]:
        return deprecation_findings(self.registry, base, self.changes(base), policy, today)


def api() -> dict[str, Any]:
    """A small invoices API: list (with parameters), fetch, delete, and credit notes."""
    by_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Invoices", "version": "1.0.0"},
        "paths": {
            "/invoices": {"get": {
                "operationId": "listInvoices",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"$ref": "#/components/parameters/Cursor"}],
                "responses": {"200": {"description": "The invoices.", "content": {
                    "application/json": {"schema": {
                        "type": "array", "items": {"$ref": "invoice.schema.yaml"}}}}}}}},
            "/invoices/{id}": {
                "get": {"operationId": "getInvoice", "parameters": by_id,
                        "responses": {"200": {"description": "The invoice.", "content": {
                            "application/json": {"schema": {"$ref": "invoice.schema.yaml"}}}}}},
                "delete": {"operationId": "deleteInvoice", "parameters": by_id,
                           "responses": {"204": {"description": "Deleted."}}}},
            "/credit-notes": {"get": {"operationId": "listCreditNotes",
                                      "responses": {"200": {"description": "Credit notes."}}}},
        },
        "components": {"parameters": {"Cursor": {"name": "cursor", "in": "query",
                                                 "schema": {"type": "string"}}}},
    }


def invoice_schema() -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": {"id": {"type": "string"}, "memo": {"type": "string"},
                           "total": {"type": "string"}}}


def deprecate(node: dict[str, Any], sunset: str | None = None, mark: str = "deprecated"
              ) -> None:
    node[mark] = True
    if sunset is not None:
        node["x-sunset"] = sunset


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "registry")
    r.write(DOC, api())
    r.write(SCHEMA, invoice_schema())
    r.commit("invoices 1.0.0", "2024-01-02")
    return r


def rules(findings: list[PolicyFinding]) -> list[str]:
    return sorted(f.rule for f in findings)


def without_delete(doc: dict[str, Any]) -> dict[str, Any]:
    del doc["paths"]["/invoices/{id}"]["delete"]
    return doc


# -- (e) removals need a deprecation, a reached sunset and a long enough notice ----------------


def test_removal_without_deprecation_fails(repo: Repo) -> None:
    base = _head(repo)
    repo.write(DOC, without_delete(api()))
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-without-deprecation"]
    f = findings[0]
    assert f.contract == "invoices" and f.severity == "error"
    assert "operation DELETE /invoices/{id} removed without deprecation" in f.message
    assert "`deprecated: true`" in f.message and "x-sunset" in f.message
    assert "90 days" in f.message
    # pointed at in the revision, where a pull request can show it: the surviving path item
    assert f.file == DOC and f.pointer == "/paths/~1invoices~1{id}"
    assert f.line == _line(repo.root / DOC, "/invoices/{id}:")


def test_removal_after_sunset_and_period_passes(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-05-01")
    repo.write(DOC, doc)
    repo.commit("deprecate DELETE", "2024-02-01")
    doc["info"]["description"] = "Invoices, fetched and listed."
    repo.write(DOC, doc)
    base = repo.commit("describe", "2024-03-01")  # the mark survives later edits
    repo.write(DOC, without_delete(doc))
    changes = repo.changes(base)
    assert [c.rule for c in changes] == ["deprecated-operation-removed"]
    assert deprecation_findings(repo.registry, base, changes, POLICY, TODAY) == []


def test_deprecated_too_recently_fails_naming_the_dates(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-06-15")
    repo.write(DOC, doc)
    base = repo.commit("deprecate DELETE", "2024-06-10")
    repo.write(DOC, without_delete(doc))
    findings = repo.deprecation(base)
    assert rules(findings) == ["deprecation-period-too-short"]
    message = findings[0].message
    assert "deprecated since 2024-06-10" in message and base[:10] in message
    assert "requires 90 days, so not before 2024-09-08" in message
    assert "today is 2024-07-01" in message and "removed 21 days after" in message


def test_policy_minimum_days_come_from_the_registry(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-05-15")
    repo.write(DOC, doc)
    repo.write("governance/policy.yaml", {"deprecation": {"minimum_days": 30}})
    base = repo.commit("deprecate DELETE; 30 days of notice", "2024-05-01")
    repo.write(DOC, without_delete(doc))
    assert rules(repo.deprecation(base)) == ["deprecation-period-too-short"]  # 61 < 90
    policy = load_policy(repo.registry.workspace(base))
    assert policy.deprecation_days == 30
    assert policy.architects == "@ledgerpact/architects"  # the default of what is not set
    assert repo.deprecation(base, policy) == []


def test_removal_before_the_sunset_fails(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-12-31")
    repo.write(DOC, doc)
    base = repo.commit("deprecate DELETE", "2024-01-05")
    repo.write(DOC, without_delete(doc))
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-before-sunset"]
    assert ("x-sunset is 2024-12-31, today is 2024-07-01 (183 days early)"
            in findings[0].message)


@pytest.mark.parametrize(("sunset", "says"), [
    (None, "announced no sunset date"),
    ("soon", "x-sunset 'soon' is not a date"),
])
def test_deprecation_without_a_sunset_date_fails(repo: Repo, sunset: str | None,
                                                 says: str) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], sunset)
    repo.write(DOC, doc)
    base = repo.commit("deprecate DELETE", "2024-01-05")
    repo.write(DOC, without_delete(doc))
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-without-sunset"]
    assert says in findings[0].message


def test_a_path_item_sunset_applies_to_its_operations(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"])
    doc["paths"]["/invoices/{id}"]["x-sunset"] = "2024-04-30"
    repo.write(DOC, doc)
    base = repo.commit("deprecate DELETE, sunset on the path", "2024-01-05")
    repo.write(DOC, without_delete(doc))
    assert repo.deprecation(base) == []


def test_the_deprecation_dates_from_the_latest_unbroken_run(repo: Repo) -> None:
    doc = api()
    delete = doc["paths"]["/invoices/{id}"]["delete"]
    deprecate(delete, "2024-06-01")
    repo.write(DOC, doc)
    repo.commit("deprecate DELETE", "2024-01-05")
    del delete["deprecated"]
    repo.write(DOC, doc)
    repo.commit("keep DELETE after all", "2024-03-01")
    deprecate(delete, "2024-06-01")
    repo.write(DOC, doc)
    base = repo.commit("deprecate DELETE again", "2024-05-01")
    repo.write(DOC, without_delete(doc))
    findings = repo.deprecation(base)
    assert rules(findings) == ["deprecation-period-too-short"]
    assert "deprecated since 2024-05-01" in findings[0].message


def test_a_deprecation_dates_from_when_it_reached_the_branch(repo: Repo) -> None:
    """Written on a side branch in January, merged in June: consumers of main were told in
    June (first-parent history)."""
    repo._git("checkout", "-q", "-b", "deprecate-delete")
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-06-25")
    repo.write(DOC, doc)
    repo.commit("deprecate DELETE", "2024-01-05")
    repo._git("checkout", "-q", "main")
    (repo.root / "NOTES.md").write_text("Meanwhile on main.\n")
    repo.commit("notes", "2024-02-01")
    repo._git("merge", "-q", "--no-ff", "-m", "merge the deprecation", "deprecate-delete",
              dates="2024-06-20T12:00:00+00:00")
    base = _head(repo)
    repo.write(DOC, without_delete(doc))
    findings = repo.deprecation(base)
    assert rules(findings) == ["deprecation-period-too-short"]
    assert f"deprecated since 2024-06-20 (commit {base[:10]})" in findings[0].message


def test_a_removed_path_needs_each_operation_deprecated(repo: Repo) -> None:
    doc = api()
    deprecate(doc["paths"]["/credit-notes"]["get"], "2024-05-01")
    repo.write(DOC, doc)
    base = repo.commit("deprecate GET /credit-notes", "2024-01-05")
    gone = copy.deepcopy(doc)
    del gone["paths"]["/credit-notes"]
    repo.write(DOC, gone)
    assert repo.deprecation(base) == []
    gone = copy.deepcopy(doc)
    del gone["paths"]["/invoices/{id}"]
    repo.write(DOC, gone)
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-without-deprecation"] * 2
    assert {f.message.split(" removed")[0] for f in findings} == {
        "path '/invoices/{id}' (operation GET /invoices/{id})",
        "path '/invoices/{id}' (operation DELETE /invoices/{id})"}
    assert {f.pointer for f in findings} == {"/paths"}


def test_an_inline_parameter_is_followed_by_name_not_index(repo: Repo) -> None:
    doc = api()
    params = doc["paths"]["/invoices"]["get"]["parameters"]
    deprecate(params[1], "2024-03-01")  # limit
    repo.write(DOC, doc)
    repo.commit("deprecate limit", "2024-01-05")
    params.insert(0, {"name": "currency", "in": "query", "schema": {"type": "string"}})
    repo.write(DOC, doc)
    base = repo.commit("filter by currency (limit moves to index 2)", "2024-03-01")
    del params[2]
    repo.write(DOC, doc)
    changes = repo.changes(base)
    assert [c.rule for c in changes] == ["deprecated-parameter-removed"]
    assert deprecation_findings(repo.registry, base, changes, POLICY,
                                dt.date(2024, 4, 10)) == []
    findings = deprecation_findings(repo.registry, base, changes, POLICY, dt.date(2024, 4, 1))
    assert rules(findings) == ["deprecation-period-too-short"]
    assert "query parameter 'limit' removed" in findings[0].message
    assert "deprecated since 2024-01-05" in findings[0].message


def test_a_referenced_parameter_is_judged_where_it_is_defined(repo: Repo) -> None:
    base = _head(repo)
    doc = api()
    doc["paths"]["/invoices"]["get"]["parameters"].pop()  # the $ref to Cursor
    repo.write(DOC, doc)
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-without-deprecation"]
    assert "query parameter 'cursor' removed without deprecation" in findings[0].message

    doc = api()
    deprecate(doc["components"]["parameters"]["Cursor"], "2024-04-01")
    repo.write(DOC, doc)
    base = repo.commit("deprecate cursor", "2024-01-05")
    doc["paths"]["/invoices"]["get"]["parameters"].pop()
    repo.write(DOC, doc)
    assert repo.deprecation(base) == []


def test_a_property_is_judged_in_the_history_of_its_own_file(repo: Repo) -> None:
    schema = invoice_schema()
    deprecate(schema["properties"]["memo"], "2024-04-01")
    repo.write(SCHEMA, schema)
    repo.commit("deprecate memo", "2024-01-05")
    doc = api()
    doc["info"]["description"] = "Edited long after memo was deprecated."
    repo.write(DOC, doc)
    base = repo.commit("describe the API", "2024-06-20")
    del schema["properties"]["memo"]
    repo.write(SCHEMA, schema)
    changes = repo.changes(base)
    assert {c.rule for c in changes} == {"property-removed"}
    assert deprecation_findings(repo.registry, base, changes, POLICY, TODAY) == []

    del schema["properties"]["total"]  # never deprecated
    repo.write(SCHEMA, schema)
    findings = repo.deprecation(base)
    assert rules(findings) == ["removal-without-deprecation"]  # once, whatever the directions
    assert "property 'total' removed without deprecation" in findings[0].message
    assert findings[0].file == SCHEMA  # the schema that lost it, in the revision


def test_a_ref_with_a_deprecated_sibling_counts(repo: Repo) -> None:
    schema = invoice_schema()
    schema["$defs"] = {"Memo": {"type": "string"}}
    schema["properties"]["memo"] = {"$ref": "#/$defs/Memo", "deprecated": True,
                                    "x-sunset": "2024-04-01"}
    repo.write(SCHEMA, schema)
    base = repo.commit("memo is a deprecated Memo", "2024-01-05")
    del schema["properties"]["memo"]
    repo.write(SCHEMA, schema)
    assert repo.deprecation(base) == []


def test_a_registry_inside_a_larger_repository(tmp_path: Path) -> None:
    r = Repo(tmp_path / "mono" / "api-registry", git_root=tmp_path / "mono")
    doc = api()
    r.write(SCHEMA, invoice_schema())
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2024-05-01")
    r.write(DOC, doc)
    r.commit("deprecate DELETE", "2024-01-05")
    (tmp_path / "mono" / "README.md").write_text("Not the registry.\n")
    base = r.commit("outside the registry", "2024-06-30")
    r.write(DOC, without_delete(doc))
    assert r.registry.git_root == tmp_path / "mono"
    assert r.deprecation(base) == []
    findings = r.deprecation(base, today=dt.date(2024, 3, 1))
    assert "deprecated since 2024-01-05" in " ".join(f.message for f in findings)


@pytest.mark.parametrize(("state", "expected"), [
    ("active", ["removal-without-deprecation"]), ("draft", [])])
def test_a_schema_contract_in_a_nested_folder(tmp_path: Path, state: str,
                                              expected: list[str]) -> None:
    r = Repo(tmp_path / "registry", contract="invoice", kind="json-schema",
             document="invoice.schema.yaml", lifecycle=state,
             folder="contracts/schemas/invoice")
    r.write("contracts/schemas/invoice/invoice.schema.yaml", invoice_schema())
    base = r.commit("the canonical invoice", "2024-01-02")
    schema = invoice_schema()
    del schema["properties"]["memo"]
    r.write("contracts/schemas/invoice/invoice.schema.yaml", schema)
    assert {c.rule for c in r.changes(base)} == {"property-removed"}
    assert rules(r.deprecation(base)) == expected


def test_a_draft_contract_removes_freely(tmp_path: Path) -> None:
    r = Repo(tmp_path / "registry", lifecycle="draft")
    r.write(DOC, api())
    r.write(SCHEMA, invoice_schema())
    base = r.commit("a draft", "2024-06-30")
    r.write(DOC, without_delete(api()))
    assert r.changes(base)  # the diff sees the removal ...
    assert r.deprecation(base) == []  # ... and the policy lets a draft do it


# -- (e) AsyncAPI: channels, operations and messages -------------------------------------------


def events() -> dict[str, Any]:
    def op(channel: str, *messages: str) -> dict[str, Any]:
        return {"action": "send", "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages]}

    payload = {"type": "object", "properties": {"id": {"type": "string"}}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Payments", "version": "1.0.0"},
        "channels": {
            "paymentStatus": {"address": "finance.payment.status", "messages": {
                "paymentSettled": {"$ref": "#/components/messages/PaymentSettled"},
                "paymentFailed": {"$ref": "#/components/messages/PaymentFailed"}}},
            "supplierChanges": {"address": "finance.supplier.changed", "messages": {
                "supplierChanged": {"$ref": "#/components/messages/SupplierChanged"}}},
        },
        "operations": {
            "publishPaymentSettled": op("paymentStatus", "paymentSettled", "paymentFailed"),
            "publishPaymentFailed": op("paymentStatus", "paymentFailed"),
            "publishSupplierChanged": op("supplierChanges", "supplierChanged"),
        },
        "components": {"messages": {
            name: {"name": name, "payload": payload}
            for name in ("PaymentSettled", "PaymentFailed", "SupplierChanged")}},
    }


def events_after_removals(doc: dict[str, Any]) -> dict[str, Any]:
    """The supplier channel (with its operation), the failed-payment operation, and the
    failed-payment message gone."""
    doc = copy.deepcopy(doc)
    del doc["channels"]["supplierChanges"], doc["operations"]["publishSupplierChanged"]
    del doc["operations"]["publishPaymentFailed"]
    del doc["channels"]["paymentStatus"]["messages"]["paymentFailed"]
    doc["operations"]["publishPaymentSettled"]["messages"].pop()
    return doc


ASYNC_DOC = "contracts/events/asyncapi.yaml"


@pytest.fixture
def async_repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "registry", contract="events", kind="asyncapi",
             document="asyncapi.yaml")
    r.write(ASYNC_DOC, events())
    r.commit("events 1.0.0", "2024-01-02")
    return r


def test_asyncapi_removals_without_deprecation_fail(async_repo: Repo) -> None:
    base = _head(async_repo)
    async_repo.write(ASYNC_DOC, events_after_removals(events()))
    changes = async_repo.changes(base)
    assert {c.rule for c in changes} >= {"channel-removed", "async-operation-removed",
                                         "message-removed"}
    findings = deprecation_findings(async_repo.registry, base, changes, POLICY, TODAY)
    assert rules(findings) == ["removal-without-deprecation"] * 3
    text = "\n".join(f.message for f in findings)
    assert "channel 'finance.supplier.changed' removed without deprecation" in text
    assert "send operation 'publishPaymentFailed' removed without deprecation" in text
    assert ("message 'paymentFailed' (from send publishPaymentSettled) removed without "
            "deprecation") in text
    assert "`x-deprecated: true`" in text  # AsyncAPI 3 channels and operations
    assert "`deprecated: true`" in text  # messages have the field


def test_asyncapi_removals_after_deprecation_pass(async_repo: Repo) -> None:
    doc = events()
    deprecate(doc["channels"]["supplierChanges"], "2024-05-01", mark="x-deprecated")
    deprecate(doc["operations"]["publishPaymentFailed"], "2024-05-01", mark="x-deprecated")
    deprecate(doc["components"]["messages"]["PaymentFailed"], "2024-05-01")
    async_repo.write(ASYNC_DOC, doc)
    base = async_repo.commit("deprecate the supplier channel and failed payments",
                             "2024-02-01")
    async_repo.write(ASYNC_DOC, events_after_removals(doc))
    assert async_repo.deprecation(base) == []
    findings = async_repo.deprecation(base, today=dt.date(2024, 4, 1))
    assert rules(findings) == ["deprecation-period-too-short", "deprecation-period-too-short",
                               "deprecation-period-too-short", "removal-before-sunset",
                               "removal-before-sunset", "removal-before-sunset"]


# -- the history walk ---------------------------------------------------------------------------


def test_the_history_walk_is_bounded(repo: Repo) -> None:
    doc = api()
    delete = doc["paths"]["/invoices/{id}"]["delete"]
    deprecate(delete, "2024-05-01")
    days = ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08", "2024-01-09"]
    for n, day in enumerate(days):
        delete["summary"] = f"Delete an invoice ({n})."
        repo.write(DOC, doc)
        head = repo.commit(f"edit {n}", day)
    where = Locator("/paths/~1invoices~1{id}/delete")

    def marked(node: Any) -> bool:
        return isinstance(node, dict) and node.get("deprecated") is True

    full = marked_since(repo.registry, head, DOC, [where], marked)[where]
    assert full is not None and full.date == dt.date(2024, 1, 5) and not full.bounded
    cut = marked_since(repo.registry, head, DOC, [where], marked, limit=3)[where]
    assert cut is not None and cut.date == dt.date(2024, 1, 7) and cut.bounded


# -- (f) lifecycle ------------------------------------------------------------------------------


def lifecycle(r: Repo, base: str, changed_files: tuple[str, ...] = ()
              ) -> list[PolicyFinding]:
    reg = r.registry
    base_entry = Catalog(reg.workspace(base)).get(r.contract)
    rev_catalog = Catalog(reg.workspace())
    rev_entry = rev_catalog.entries.get(r.contract)
    changes = r.changes(base) if rev_entry is not None else []
    return lifecycle_findings(r.contract, base_entry, rev_entry, changes,
                              changed_files=changed_files)


def make(tmp_path: Path, state: str) -> tuple[Repo, str]:
    r = Repo(tmp_path / "registry", lifecycle=state)
    r.write(DOC, api())
    r.write(SCHEMA, invoice_schema())
    return r, r.commit(f"a {state} contract", "2024-01-02")


def with_refunds(doc: dict[str, Any]) -> dict[str, Any]:
    doc["paths"]["/refunds"] = {"get": {"operationId": "listRefunds",
                                        "responses": {"200": {"description": "Refunds."}}}}
    return doc


def test_a_retired_contract_cannot_change(tmp_path: Path) -> None:
    r, base = make(tmp_path, "retired")
    r.write(DOC, with_refunds(api()))
    findings = lifecycle(r, base)
    assert rules(findings) == ["lifecycle-retired-changed"]
    assert "invoices is retired and must not change: path '/refunds' added" in \
        findings[0].message
    assert findings[0].file == DOC and findings[0].pointer == "/paths/~1refunds"

    r.write(DOC, api())
    r.meta(lifecycle="active")  # bringing it back is a change too
    findings = lifecycle(r, base)
    assert rules(findings) == ["lifecycle-retired-changed"]
    assert "lifecycle: retired -> active" in findings[0].message

    r.meta(lifecycle="retired")
    doc = api()
    doc["info"]["description"] = "A description the diff does not report."
    r.write(DOC, doc)
    assert lifecycle(r, base) == []  # nothing the diff or the metadata shows ...
    findings = lifecycle(r, base, changed_files=(DOC,))  # ... but the file changed
    assert rules(findings) == ["lifecycle-retired-changed"]
    assert DOC in findings[0].message


def test_a_retired_contract_may_be_deleted(tmp_path: Path) -> None:
    r, base = make(tmp_path, "retired")
    (r.root / DOC).unlink()
    (r.root / SCHEMA).unlink()
    (r.root / "contracts/invoices/contract.yaml").unlink()
    (r.root / "contracts/other").mkdir(parents=True)  # the registry still has contracts/
    assert lifecycle(r, base) == []


def test_a_deprecated_contract_accepts_no_additions(tmp_path: Path) -> None:
    r, base = make(tmp_path, "deprecated")
    r.write(DOC, with_refunds(api()))
    findings = lifecycle(r, base)
    assert rules(findings) == ["lifecycle-deprecated-addition"]
    assert "invoices is deprecated and accepts no additions: path '/refunds' added" in \
        findings[0].message

    schema = invoice_schema()
    schema["properties"]["status"] = {"type": "string", "enum": ["open", "paid"]}
    r.write(SCHEMA, schema)
    r.commit("status", "2024-01-03")
    schema["properties"]["status"]["enum"].append("void")  # an addition, even when breaking
    r.write(SCHEMA, schema)
    r.write(DOC, api())
    findings = lifecycle(r, _head(r))
    assert rules(findings) == ["lifecycle-deprecated-addition"]
    assert "enum value 'void' added" in findings[0].message
    assert "(enum-value-added)" in findings[0].message


def test_a_deprecated_contract_accepts_fixes_and_deprecations(tmp_path: Path) -> None:
    r, base = make(tmp_path, "deprecated")
    doc = api()
    deprecate(doc["paths"]["/invoices/{id}"]["delete"], "2025-01-31")  # additive, allowed
    r.write(DOC, doc)
    schema = invoice_schema()
    schema["properties"]["memo"]["maxLength"] = 140  # narrows a response: not an addition
    r.write(SCHEMA, schema)
    changes = r.changes(base)
    assert {c.rule for c in changes} == {"operation-deprecated", "max-length-tightened"}
    assert lifecycle(r, base) == []


def test_a_draft_changes_freely_and_needs_no_approval(tmp_path: Path) -> None:
    r, base = make(tmp_path, "draft")
    doc = with_refunds(without_delete(api()))
    del doc["paths"]["/credit-notes"]
    r.write(DOC, doc)
    r.meta(lifecycle="active")  # promoted in the same change
    assert any(c.level.label == "breaking" for c in r.changes(base))
    assert lifecycle(r, base) == []
    reg = r.registry
    assert needs_approval(Catalog(reg.workspace(base)).get("invoices")) is False
    assert needs_approval(Catalog(reg.workspace()).get("invoices")) is True


def test_a_published_contract_cannot_go_back_to_draft(tmp_path: Path) -> None:
    r, base = make(tmp_path, "active")
    r.meta(lifecycle="draft")
    findings = lifecycle(r, base)
    assert rules(findings) == ["lifecycle-back-to-draft"]
    assert "from active to draft" in findings[0].message
    assert findings[0].file == "contracts/invoices/contract.yaml"


# -- the catalogue ------------------------------------------------------------------------------


def test_every_removal_rule_is_a_diff_rule_and_every_listed_kind_is_covered() -> None:
    known = {r.id for r in all_diff_rules()}
    assert set(REMOVALS) <= known, set(REMOVALS) - known
    assert set(REMOVALS.values()) == {"path", "operation", "parameter", "property",
                                      "channel", "async-operation", "message"}


def test_every_policy_rule_is_documented() -> None:
    for rule in POLICY_RULES.values():
        assert rule.severity in ("error", "warn")
        assert rule.summary.endswith(".") and len(rule.why.split()) > 20
        assert rule.id == rule.id.lower() and " " not in rule.id


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1)
                if line.strip() == text)


def _head(r: Repo) -> str:
    return r._git("rev-parse", "HEAD").strip()

