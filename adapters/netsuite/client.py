"""HTTP to the NetSuite-style vendor: record reads, list paging, bill creation, admin actions.

The only module that talks to the vendor. Bodies are read with the simulators' exact JSON
reader, so a native money number such as ``2985.40`` arrives as ``Decimal("2985.40")`` and
never passes through a binary float; requests are written the same way. A native error
(``o:errorDetails``) becomes ``VendorError`` carrying the vendor's code, which the behaviour
turns into an RFC 9457 problem.

One ``httpx.AsyncClient`` per adapter app (``VendorConnection``), opened in the loop that
serves the app and closed when the app shuts down: a connection pool must not cross event
loops, and one kept per loop in a class-level dict would keep every loop and pool alive.
Lists are read page by page up to ``MAX_RECORDS``: a vendor holding more than the adapter
can sensibly map per request fails cleanly (``TooManyRecords``) instead of being read
without end.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from ledgerpact.generators.simulators import jsonio

RECORD_BASE = "/services/rest/record/v1"
PAGE = 1000
MAX_RECORDS = 20_000  # per list read: beyond it the adapter refuses (see TooManyRecords)
TOKEN = "ledgerpact-netsuite-adapter"
TIMEOUT_S = 30.0


class VendorError(Exception):
    """A native error answer (or an unreachable vendor: status 503, code UNREACHABLE)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


class TooManyRecords(VendorError):
    """A list read that would pass ``MAX_RECORDS``: the adapter maps whole lists in memory
    per request, so it refuses rather than read and map without bound."""

    def __init__(self, record_type: str, total: int | None, cap: int) -> None:
        seen = f"{total} records" if total is not None else "more records"
        super().__init__(503, "TOO_MANY_RECORDS",
                         f"The ERP holds {seen} of type {record_type}; this adapter reads at "
                         f"most {cap} per request.")


def q_quote(value: str) -> str:
    """A value for the vendor's ``q`` filter: in double quotes, backslash and quote escaped
    (the vendor's documented query syntax, owned here so the adapter does not depend on
    the simulator's code)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _error(response: httpx.Response) -> VendorError:
    try:
        body = jsonio.loads(response.content)
        first = body["o:errorDetails"][0]
        return VendorError(response.status_code, str(first["o:errorCode"]), str(first["detail"]))
    except (ValueError, KeyError, IndexError, TypeError):
        return VendorError(response.status_code, "UNEXPECTED_RESPONSE",
                           response.text[:500] or response.reason_phrase)


@functools.cache
def _tls() -> ssl.SSLContext:
    # building a TLS context costs tens of milliseconds: once per process, not per client
    return ssl.create_default_context()


class VendorConnection:
    """The adapter app's one connection pool to the vendor, opened lazily in the loop that
    serves the app (the app is built in another thread) and closed at shutdown."""

    def __init__(self, vendor_url: str) -> None:
        self.vendor_url = vendor_url.rstrip("/")
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> VendorClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.is_closed or self._loop is not loop:
            # a new loop (the app served again after a restart): the old pool is unusable
            self._http, self._loop = VendorClient.open(self.vendor_url), loop
        return VendorClient(self._http)

    @property
    def is_open(self) -> bool:
        return self._http is not None and not self._http.is_closed

    async def aclose(self) -> None:
        http, self._http, self._loop = self._http, None, None
        if http is not None:
            await http.aclose()


class VendorClient:
    """One vendor conversation over the app's ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    @staticmethod
    def open(vendor_url: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=vendor_url.rstrip("/"), timeout=TIMEOUT_S,
                                 verify=_tls(),
                                 headers={"Authorization": f"Bearer {TOKEN}",
                                          "Accept": "application/json, "
                                                    "application/problem+json"})

    async def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Any = None, headers: Mapping[str, str] | None = None
                    ) -> httpx.Response:
        content = jsonio.dumps(body) if body is not None else None
        sent = dict(headers or {})
        if content is not None:
            sent["Content-Type"] = "application/json"
        try:
            response = await self._http.request(method, path, params=params, content=content,
                                                headers=sent)
        except httpx.HTTPError as exc:
            raise VendorError(503, "UNREACHABLE", f"the vendor did not answer: {exc}") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    async def get(self, record_type: str, ident: str) -> dict[str, Any]:
        path = f"{RECORD_BASE}/{record_type}/{quote(ident, safe=':')}"
        response = await self._send("GET", path)
        record: dict[str, Any] = jsonio.loads(response.content)
        return record

    async def find(self, record_type: str, ident: str) -> dict[str, Any] | None:
        """The record, or None when the vendor says it does not exist."""
        try:
            return await self.get(record_type, ident)
        except VendorError as exc:
            if exc.status == 404:
                return None
            raise

    async def list_all(self, record_type: str, q: str | None = None, *,
                       limit: int = MAX_RECORDS) -> list[dict[str, Any]]:
        """Every record of a type (following ``hasMore`` page by page), at most ``limit``
        of them: more raises ``TooManyRecords``."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": min(PAGE, limit + 1 - len(items)),
                                      "offset": offset}
            if q:
                params["q"] = q
            response = await self._send("GET", f"{RECORD_BASE}/{record_type}", params=params)
            page = jsonio.loads(response.content)
            items.extend(page["items"])
            total = page.get("totalResults")
            if len(items) > limit or (isinstance(total, int) and total > limit):
                raise TooManyRecords(record_type, total if isinstance(total, int) else None,
                                     limit)
            if not page.get("hasMore") or not page["items"]:
                return items
            offset += len(page["items"])

    async def first(self, record_type: str, q: str) -> dict[str, Any] | None:
        """The first record the vendor finds for ``q`` (one page of one), or None."""
        response = await self._send("GET", f"{RECORD_BASE}/{record_type}",
                                    params={"limit": 1, "offset": 0, "q": q})
        items = jsonio.loads(response.content)["items"]
        return dict(items[0]) if items else None

    async def create_bill(self, body: Mapping[str, Any], idempotency_key: str
                          ) -> tuple[str, bool]:
        """The bill's internal id (from the Location header) and whether the vendor says
        it replayed an earlier creation under this key (``X-NetSuite-Idempotent-Replay``)."""
        response = await self._send("POST", f"{RECORD_BASE}/vendorBill", body=body,
                                    headers={"X-NetSuite-Idempotency-Key": idempotency_key})
        location = response.headers.get("location", "")
        replayed = response.headers.get("x-netsuite-idempotent-replay", "").lower() == "true"
        return location.rstrip("/").rsplit("/", 1)[-1], replayed


def admin(vendor_url: str, action: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A vendor simulator admin action (provider states and tests), synchronously."""
    response = httpx.post(f"{vendor_url.rstrip('/')}/__admin/actions/{action}",
                          content=jsonio.dumps(dict(body)),
                          headers={"Content-Type": "application/json"}, timeout=TIMEOUT_S)
    if response.status_code >= 400:
        raise VendorError(response.status_code, "ADMIN_ACTION_REFUSED", response.text[:500])
    result: dict[str, Any] = jsonio.loads(response.content)
    return result
