"""The adapter's HTTP edge towards the S/4HANA-style vendor: OData calls, unwrapping, errors.

Everything the adapter knows about the vendor's wire format beyond record fields lives here:
service paths, key predicates, the ``{"d": ...}`` envelope, the ``$filter`` quoting, basic
authentication and the OData v2 error object, which becomes a ``VendorError`` carrying the
vendor's status, message id and text so the behaviour can answer an RFC 9457 problem that
keeps the native code.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import httpx

from ledgerpact.generators.simulators import jsonio

ROOT = "/sap/opu/odata/sap"
BP = f"{ROOT}/API_BUSINESS_PARTNER"
PO = f"{ROOT}/API_PURCHASEORDER_PROCESS_SRV"
MD = f"{ROOT}/API_MATERIAL_DOCUMENT_SRV"
CC = f"{ROOT}/API_COSTCENTER_SRV"
GL = f"{ROOT}/API_GLACCOUNTINCHARTOFACCOUNTS_SRV"
TX = f"{ROOT}/API_TAXCODE_SRV"
CO = f"{ROOT}/API_COMPANYCODE_SRV"
JE = f"{ROOT}/API_JOURNALENTRYITEMBASIC_SRV"
PY = f"{ROOT}/API_SUPPLIERPAYMENT_SRV"
SI = f"{ROOT}/API_SUPPLIERINVOICE_PROCESS_SRV"
PAGE = 5000
# the most rows one read may page through: a collection larger than this is refused (a
# clean 500 naming the cap), never read without end
MAX_ROWS = 50_000
# the communication user the adapter logs on with (the simulator checks presence only)
USER = ("LEDGERPACT_ADAPTER", "simulated")


class VendorError(Exception):
    """The vendor refused: its HTTP status and its OData error (message id and text)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def member(self) -> dict[str, Any]:
        """The problem extension member that keeps the vendor's own answer."""
        return {"system": "sap-s4", "status": self.status, "code": self.code,
                "message": self.message}


class VendorUnavailable(Exception):
    """The vendor could not be reached or answered something that is not OData."""


class TooManyRows(Exception):
    """A collection read would go past the adapter's cap."""

    def __init__(self, path: str, cap: int) -> None:
        super().__init__(f"GET {path}: more than {cap} rows")
        self.path, self.cap = path, cap


def literal(value: str) -> str:
    """An OData string literal: quoted, single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def where(**terms: str) -> str:
    return " and ".join(f"{name} eq {literal(value)}" for name, value in terms.items())


def key(*parts: tuple[str, str]) -> str:
    """A key predicate: ('0000100001') for one part, (A='x',B='y') for several."""
    if len(parts) == 1:
        return f"({literal(parts[0][1])})"
    return "(" + ",".join(f"{name}={literal(value)}" for name, value in parts) + ")"


@dataclass
class Posted:
    """The vendor's answer to a supplier invoice creation."""

    status: int
    invoice: dict[str, Any]
    replayed: bool


class VendorClient:
    """One ``httpx.AsyncClient`` per adapter, kept open (connection reuse matters: a
    validation reads four lists and every referenced document)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0,
                 max_rows: int = MAX_ROWS, page: int = PAGE) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_rows, self.page = max_rows, page
        token = base64.b64encode(f"{USER[0]}:{USER[1]}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        self._timeout = timeout_s
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # created lazily, inside the serving event loop, which owns its connections
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, headers=self._headers,
                                             timeout=self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http().request(method, path, **kwargs)
        except RuntimeError:
            # the client belonged to an event loop that has ended (a restarted server)
            self._client = None
            return await self._http().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise VendorUnavailable(f"{method} {path}: {exc.__class__.__name__}: {exc}") \
                from None

    async def entity(self, path: str) -> dict[str, Any] | None:
        """One entity, or None when the vendor answers 404."""
        found, _ = await self.lookup(path)
        return found

    async def lookup(self, path: str) -> tuple[dict[str, Any] | None, VendorError | None]:
        """(the entity, None), or (None, the vendor's own 404 error) when it has none."""
        response = await self._send("GET", path)
        if response.status_code == 404:
            try:
                _unwrap(response)
            except VendorError as missing:
                return None, missing
            raise VendorUnavailable(f"GET {path}: 404 without an OData error")
        return _unwrap(response), None

    async def entities(self, path: str, *, offset: int = 0, **filters: str
                       ) -> list[dict[str, Any]]:
        """Every entity of a set matching ``Field eq 'value'`` filters, page by page (from
        the ``offset``-th on)."""
        found: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"$top": self.page, "$skip": offset + len(found)}
            if filters:
                params["$filter"] = where(**filters)
            body = _unwrap(await self._send("GET", path, params=params))
            rows = body.get("results")
            if not isinstance(rows, list):
                raise VendorUnavailable(f"GET {path}: no results in the collection")
            found.extend(rows)
            if len(rows) < self.page:
                return found
            if len(found) >= self.max_rows:
                raise TooManyRows(path, self.max_rows)

    async def create_invoice(self, body: Mapping[str, Any], request_id: str,
                             first_sent: datetime) -> Posted:
        headers = {"Repeatability-Request-ID": request_id,
                   "Repeatability-First-Sent": format_datetime(first_sent, usegmt=True)}
        headers["Content-Type"] = "application/json"
        response = await self._send("POST", f"{SI}/A_SupplierInvoice",
                                    content=jsonio.dumps(dict(body)), headers=headers)
        invoice = _unwrap(response)
        return Posted(response.status_code, invoice,
                      response.headers.get("repeatability-result") == "replayed")


def _unwrap(response: httpx.Response) -> dict[str, Any]:
    try:
        body = jsonio.loads(response.content)
    except ValueError:
        raise VendorUnavailable(f"{response.request.method} {response.request.url.path}: "
                                f"{response.status_code} without a JSON body") from None
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(error, Mapping):
            message = error.get("message")
            text = message.get("value") if isinstance(message, Mapping) else str(message)
            raise VendorError(response.status_code, str(error.get("code", "")), str(text))
        detail = body.get("detail") if isinstance(body, Mapping) else None
        raise VendorError(response.status_code, "HTTP", str(detail or response.reason_phrase))
    data = body.get("d") if isinstance(body, Mapping) else None
    if not isinstance(data, dict):
        raise VendorUnavailable(f"{response.request.method} {response.request.url.path}: "
                                "no OData 'd' envelope")
    return data
