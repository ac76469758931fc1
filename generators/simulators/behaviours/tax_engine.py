"""The tax-engine simulator: jurisdictions, tax codes, tax validation and calculation.

Tax codes come from the same reference data as the ERP simulator (``finance_data``), so a
code the ERP puts on a purchase order line is one the tax engine knows, with the same rate
and validity; the rules themselves live in ``tax_rules`` as pure functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.generators.simulators.behaviours import paging, tax_rules
from ledgerpact.generators.simulators.messages import (
    Context,
    SimRequest,
    SimResponse,
    problem,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store

PROBLEMS = "https://ledgerpact.dev/problems/"
JURISDICTION = "jurisdiction"
TAX_CODE = "taxCode"


def _unprocessable(request: SimRequest, detail: str, errors: list[dict[str, str]]
                   ) -> SimResponse:
    return problem(422, "The request cannot be processed", detail,
                   type_=PROBLEMS + "validation-failed", instance=request.path,
                   code="VALIDATION_FAILED", errors=errors)


def _not_found(request: SimRequest, code: str) -> SimResponse:
    return problem(404, "Not found", f"No jurisdiction with code {code}.",
                   type_=PROBLEMS + "not-found", instance=request.path,
                   code="JURISDICTION_NOT_FOUND")


def _unknown_jurisdiction(request: SimRequest, body: Mapping[str, Any]) -> SimResponse:
    return _unprocessable(request, "The jurisdiction is not covered by the engine.", [
        {"pointer": "/jurisdiction", "code": "JURISDICTION_UNKNOWN",
         "detail": f"No jurisdiction {body.get('jurisdiction')}."}])


def _bad_cursor(request: SimRequest, exc: ValueError) -> SimResponse:
    return problem(400, "Bad request", str(exc), type_=PROBLEMS + "bad-request",
                   instance=request.path, code="INVALID_CURSOR")


class TaxEngineBehaviour:
    """Finance behaviour of the ``tax-engine`` contract (no side effects, no events)."""

    name = "tax-engine"
    contract_id = "tax-engine"
    _registry_root: Path | None = None

    def bind_registry(self, root: Path) -> None:
        """The registry ``--registry`` names: its erp-finance gives the reference data."""
        self._registry_root = root

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        """Jurisdictions from the rules table; tax codes from the ERP reference data."""
        from ledgerpact.generators.simulators.behaviours.finance_data import (
            erp_document,
            reference_data,
        )

        data = reference_data(seed, data_dir, document=erp_document(self._registry_root))
        codes = [*data["taxCodes"], *tax_rules.EXTRA_TAX_CODES]
        known = {j["code"] for j in tax_rules.JURISDICTIONS}
        with store.transaction():
            for item in tax_rules.JURISDICTIONS:
                store.put(JURISDICTION, item["code"], item)
            for code in codes:
                where = tax_rules.jurisdiction_of(code)
                if where in known:
                    store.put(TAX_CODE, f"{where}|{code['code']}", code)

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        handler = {
            "validateTax": self._validate,
            "calculateTax": self._calculate,
            "listJurisdictions": self._list_jurisdictions,
            "getJurisdiction": self._get_jurisdiction,
            "listJurisdictionTaxCodes": self._list_tax_codes,
        }.get(request.operation_id)
        return None if handler is None else handler(request, ctx)

    def scenario(self, store: Store) -> dict[str, Any]:
        return {"jurisdictions": store.count(JURISDICTION), "taxCodes": store.count(TAX_CODE)}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        return {}

    # ------------------------------------------------------------ operations

    def _codes(self, store: Store, jurisdiction: str) -> list[dict[str, Any]]:
        return [c for c in store.scan(TAX_CODE) if tax_rules.jurisdiction_of(c) == jurisdiction]

    def _tax_point(self, body: Mapping[str, Any], ctx: Context) -> date:
        document = body.get("document") or {}
        raw = body.get("taxPointDate") or document.get("taxPointDate")
        raw = raw or document.get("issueDate")
        return date.fromisoformat(str(raw)) if raw else ctx.clock.now().date()

    def _validate(self, request: SimRequest, ctx: Context) -> SimResponse:
        body: Mapping[str, Any] = request.body or {}
        jurisdiction = ctx.store.get(JURISDICTION, str(body.get("jurisdiction")))
        if jurisdiction is None:
            return _unknown_jurisdiction(request, body)
        on = self._tax_point(body, ctx)
        codes = self._codes(ctx.store, jurisdiction["code"])
        findings: list[tax_rules.Finding] = []
        checks: list[dict[str, Any]] = []
        for pointer, registration in _registrations(body):
            check, found = tax_rules.check_registration(registration, pointer, jurisdiction)
            checks.append(check)
            findings += found
        for i, line in enumerate(body.get("lines", [])):
            base = f"/lines/{i}"
            findings += tax_rules.check_category(
                str(line.get("vatCategory")), line.get("vatRate"),
                line.get("exemptionReasonCode"), f"{base}/vatCategory", f"{base}/vatRate",
                codes, jurisdiction["code"], on)
        if body.get("document"):
            findings += tax_rules.document_findings(body["document"], codes,
                                                    jurisdiction["code"], on)
        result: dict[str, Any] = {
            "jurisdiction": jurisdiction["code"], "taxPointDate": on.isoformat(),
            "valid": not any(f.severity == "error" for f in findings),
        }
        if checks:
            result["registrations"] = checks
        result["findings"] = [f.as_dict() for f in findings]
        return SimResponse(200, result)

    def _calculate(self, request: SimRequest, ctx: Context) -> SimResponse:
        body: Mapping[str, Any] = request.body or {}
        jurisdiction = ctx.store.get(JURISDICTION, str(body.get("jurisdiction")))
        if jurisdiction is None:
            return _unknown_jurisdiction(request, body)
        on = self._tax_point(body, ctx)
        try:
            result = tax_rules.calculate(body, self._codes(ctx.store, jurisdiction["code"]),
                                         jurisdiction, on)
        except tax_rules.TaxRequestError as exc:
            count = len(exc.errors)
            return _unprocessable(request, f"{count} problem{'s' * (count != 1)} in the "
                                           "request; nothing was calculated.", exc.errors)
        return SimResponse(200, result)

    def _list_jurisdictions(self, request: SimRequest, ctx: Context) -> SimResponse:
        country = request.query.get("countryCode")
        items = [j for j in ctx.store.scan(JURISDICTION)
                 if country is None or j["countryCode"] == country]
        try:
            page, cursor = paging.page(items, lambda j: str(j["code"]), request.query)
        except ValueError as exc:
            return _bad_cursor(request, exc)
        return paging.response(request, page, cursor)

    def _get_jurisdiction(self, request: SimRequest, ctx: Context) -> SimResponse:
        code = str(request.path_params.get("jurisdictionCode"))
        found = ctx.store.get(JURISDICTION, code)
        return _not_found(request, code) if found is None else SimResponse(200, found)

    def _list_tax_codes(self, request: SimRequest, ctx: Context) -> SimResponse:
        code = str(request.path_params.get("jurisdictionCode"))
        if ctx.store.get(JURISDICTION, code) is None:
            return _not_found(request, code)
        raw = request.query.get("validOn")
        on = date.fromisoformat(str(raw)) if raw else ctx.clock.now().date()
        items = sorted((c for c in self._codes(ctx.store, code) if tax_rules.valid_on(c, on)),
                       key=lambda c: str(c["code"]))
        try:
            page, cursor = paging.page(items, lambda c: str(c["code"]), request.query)
        except ValueError as exc:
            return _bad_cursor(request, exc)
        return paging.response(request, page, cursor)


def _registrations(body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(pointer, registration) for the request's ids, then every party id in the document."""
    found = [(f"/registrations/{i}", r) for i, r in enumerate(body.get("registrations", []))]
    document = body.get("document") or {}
    for role in ("seller", "buyer", "payee", "taxRepresentative"):
        for i, r in enumerate((document.get(role) or {}).get("taxRegistrations", [])):
            found.append((f"/document/{role}/taxRegistrations/{i}", r))
    return found


def behaviour() -> TaxEngineBehaviour:
    return TaxEngineBehaviour()
