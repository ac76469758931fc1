"""Where outbox events go: the sink protocol, the embedded sinks and the spec parser.

A sink confirms what it delivered and nothing more; the relay acknowledges exactly those
outbox rows, so an event is never lost between the store and its target. Anything that
stops a sink (file, server, broker) surfaces as ``SinkError`` with a one-line reason and the
rows it managed before the failure; the relay retries the rest later. Redelivery is
possible (a crash between delivery and acknowledgement), so consumers deduplicate on the
CloudEvents ``source`` + ``id`` and the webhook repeats the id in ``ce-id``.

Each sink has a ``name`` that stays the same for the same target across restarts: the store
keeps one delivery cursor per name. Broker names carry no credentials (they live in the
store file).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import os
import re

try:  # POSIX: writers of one sink file take turns (see JsonlSink._append)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from ledgerpact.generators.simulators.events.envelope import CLOUDEVENTS_JSON, dumps
from ledgerpact.registry.errors import InputError

Batch = list[tuple[int, dict[str, Any]]]
SPEC_HELP = "jsonl:PATH, webhook:http://127.0.0.1:PORT/PATH, amqp://HOST:5672/ or nats://HOST:4222"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@runtime_checkable
class Sink(Protocol):
    name: str  # stable per target: the store's delivery cursor is keyed by it

    async def deliver(self, batch: Batch) -> list[int]:
        """Deliver ``(seq, row)`` pairs in order; return the seqs the target confirmed.

        Raises ``SinkError`` (with the seqs confirmed before the failure) when the target
        is unavailable or refuses an event."""
        ...

    async def close(self) -> None:
        ...


class SinkError(Exception):
    """A sink could not deliver; ``delivered`` lists what it did confirm before failing."""

    def __init__(self, reason: str, delivered: Sequence[int] = ()) -> None:
        super().__init__(" ".join(reason.split()))
        self.delivered = list(delivered)


def envelope_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudEvents envelope of an outbox row (``{"address", "envelope"}``)."""
    envelope = row.get("envelope")
    if not isinstance(envelope, dict):
        raise SinkError("outbox row without an envelope")
    return envelope


def address_of(row: Mapping[str, Any]) -> str:
    address = row.get("address")
    if not isinstance(address, str) or not address:
        raise SinkError(f"outbox row for event {envelope_of(row).get('id')!r} has no address")
    return address


class JsonlSink:
    """One CloudEvents JSON object per line, appended and fsynced per batch.

    The embedded default: it needs no broker, and a QA script can ``tail -f`` it. The fsync
    comes before the relay acknowledges, so an acknowledged event is on disk; a crash after
    the write and before the acknowledgement writes the event again on restart."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.name = f"jsonl:{self.path}"

    async def deliver(self, batch: Batch) -> list[int]:
        if not batch:
            return []
        data = b"".join(dumps(envelope_of(row)) + b"\n" for _, row in batch)
        try:
            await asyncio.to_thread(self._append, data)
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        return [seq for seq, _ in batch]

    def _append(self, data: bytes) -> None:
        """Append ``data`` whole or not at all, never touching what the file already holds.

        A write can stop part way (disk full, a file-size limit) and the relay retries the
        batch later: appended after the fragment, the retry would leave one line that is
        never valid JSON. So a failed write is cut back to the size before it. Several
        simulators may share one sink file, so writers take turns under an exclusive
        ``flock`` (held from reading the size to the cut): the cut only ever removes this
        write's own bytes. A last line without its newline (a process killed mid-write, or a
        user's edit) is left as it is and this write starts on a line of its own: nothing
        already in the file is ever removed. Unbuffered ``os.write`` calls, so nothing is
        left in a buffer to be flushed after a cut."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)

    async def close(self) -> None:
        return None


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookSink:
    """POSTs each event (structured mode, ``application/cloudevents+json``) to a URL on this
    machine; any 2xx counts as delivered. Events go one at a time and in order: the first
    refusal stops the batch so a receiver never sees event n+1 before event n."""

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.url = url
        self.shown = shown(url)  # what logs and errors print: no credentials
        # The name keys the sink's delivery cursor in the outbox, so two URLs that differ
        # only in their credentials must keep distinct names: the masked URL plus a digest
        # of the real one.
        digest = "" if self.shown == url else \
            "#" + hashlib.sha256(url.encode()).hexdigest()[:12]
        self.name = f"webhook:{self.shown}{digest}"
        self.timeout_s = timeout_s
        self._client: Any = None

    async def deliver(self, batch: Batch) -> list[int]:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s, trust_env=False)
        done: list[int] = []
        for seq, row in batch:
            envelope = envelope_of(row)
            headers = {"content-type": CLOUDEVENTS_JSON, "ce-id": str(envelope.get("id"))}
            try:
                response = await self._client.post(self.url, content=dumps(envelope),
                                                   headers=headers)
            except httpx.HTTPError as exc:
                await self.close()  # the next attempt starts with fresh connections
                text = str(exc).replace(self.url, self.shown)
                raise SinkError(f"{self.shown}: {type(exc).__name__}: {text}", done) from exc
            except asyncio.CancelledError:
                self._client = None  # a request cut short may leave its connection unusable
                raise
            if not 200 <= response.status_code < 300:
                raise SinkError(f"{self.shown} answered {response.status_code}", done)
            done.append(seq)
        return done

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


# userinfo runs to the LAST "@" before the path: a password may itself hold an "@"
_USERINFO = re.compile(r"^((?:webhook:)?[A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@")


def shown(spec: str) -> str:
    """A sink spec as printed (ready line, errors): the secret in its URL is masked, since
    those lines end up in CI logs and terminals: a password (``amqp://guest:***@host/``), or
    a lone token (``nats://***@host:4222``, NATS token authentication)."""
    def mask(match: re.Match[str]) -> str:
        user, colon, _ = match.group(2).partition(":")
        return f"{match.group(1)}{user}:***@" if colon else f"{match.group(1)}***@"

    return _USERINFO.sub(mask, spec)


def _bad(spec: str, what: str) -> InputError:
    return InputError(f"event sink {shown(spec)!r}: {what} (expected {SPEC_HELP})",
                      file="--events")


def _query(spec: str, query: str, allowed: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        if key not in allowed or not value:
            raise _bad(spec, f"unknown or empty option {key!r}")
        out[key] = value
    return out


def open_sink(spec: str, *, state_dir: Path | None) -> Sink:
    """The sink a ``--events`` spec names; a relative jsonl path is taken in ``state_dir``
    (the simulator's state folder) when there is one. Bad specs raise ``InputError``."""
    spec = spec.strip()
    if spec.startswith("jsonl:"):
        raw = spec[len("jsonl:"):]
        if not raw:
            raise _bad(spec, "no file name")
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = (state_dir / path) if state_dir is not None else Path.cwd() / path
        if path.is_dir():
            raise _bad(spec, f"{path} is a directory")
        return JsonlSink(path.resolve())
    if spec.startswith("webhook:"):
        url = spec[len("webhook:"):]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad(spec, "not an http(s) URL")
        if not is_loopback(parts.hostname):
            raise InputError(f"event sink {shown(spec)!r}: no network access beyond loopback "
                             "(use 127.0.0.1 or localhost)", file="--events")
        return WebhookSink(url)
    scheme = urlsplit(spec).scheme
    if scheme in ("amqp", "amqps"):
        from ledgerpact.generators.simulators.events.amqp import AmqpSink

        parts = urlsplit(spec)
        if not parts.hostname:
            raise _bad(spec, "no host")
        options = _query(spec, parts.query, {"exchange"})
        return AmqpSink(spec.split("?", 1)[0], exchange=options.get("exchange",
                                                                     "finance.events"))
    if scheme == "nats":
        from ledgerpact.generators.simulators.events.nats import NatsSink

        parts = urlsplit(spec)
        if not parts.hostname:
            raise _bad(spec, "no host")
        options = _query(spec, parts.query, {"stream"})
        return NatsSink(spec.split("?", 1)[0], stream=options.get("stream", "FINANCE"))
    raise _bad(spec, "unknown kind")
