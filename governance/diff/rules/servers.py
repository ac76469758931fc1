"""Server rules: the URLs an OpenAPI operation is served at, and their variables.

Clients are configured with one server URL (production, sandbox, a region) and a generated SDK
bakes in the first one, so a URL or base path that is gone, or a server variable value that
is no longer offered, leaves them calling where the API no longer is. The walker hands each
operation its effective list (its own ``servers``, else its path item's, else the
document's), located where written, so a change to the document's list is one change listing
every operation that uses it.

Servers are paired by URL template (scheme and host case-insensitive, a trailing slash and
variable names ignored). A base server that a revision template still matches (``eu`` within
``https://{region}.example.com`` whose enum has ``eu``) is not removed. What is left is paired
by description, then by order, as a URL that changed; the rest were removed or added.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import At
from ledgerpact.governance.diff.rules._examples import list_invoices, openapi

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_FREE = "\x00"  # stands for any value of a variable without an enum
_MAX_EXPANSION = 256  # enum combinations tried before a template counts as open


@dataclass
class _Server:
    url: str
    description: str
    variables: dict[str, Any]
    index: int
    names: list[str] = field(default_factory=list)  # the URL's variables, in order

    @property
    def shape(self) -> str:
        """The URL with variable names dropped: what pairs two servers as one."""
        return _normal(_VARIABLE.sub("{}", self.url))


def _normal(url: str) -> str:
    """Scheme and host are case-insensitive; a trailing slash adds nothing."""
    scheme, sep, rest = url.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        url = f"{scheme.lower()}://{host.lower()}{slash}{path}"
    return url[:-1] if url.endswith("/") and len(url) > 1 else url


def _servers(listed: Any) -> list[_Server]:
    out = []
    for i, item in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            variables = item.get("variables")
            out.append(_Server(item["url"], str(item.get("description") or ""),
                               variables if isinstance(variables, dict) else {}, i,
                               _VARIABLE.findall(item["url"])))
    return out


def _enum(server: _Server, name: str) -> list[str] | None:
    """A variable's allowed values; None when it allows any."""
    definition = server.variables.get(name)
    values = definition.get("enum") if isinstance(definition, dict) else None
    if isinstance(values, list) and values:
        return [str(v) for v in values]
    return None


def _host_end(url: str) -> int:
    """Where the case-insensitive part of a URL (scheme and host) ends."""
    if "://" not in url:
        return 0
    slash = url.find("/", url.index("://") + 3)
    return slash if slash >= 0 else len(url)


def _pattern(server: _Server) -> re.Pattern[str]:
    """The URLs a server serves, as a regex over normalised URLs (see ``_normal``): each
    variable is its enum, or anything."""
    url = server.url[:-1] if server.url.endswith("/") and len(server.url) > 1 else server.url
    host_end = _host_end(url)

    def literal(text: str, at: int) -> str:
        cut = max(0, min(len(text), host_end - at))
        return re.escape(text[:cut].lower() + text[cut:])

    parts = []
    last = 0
    for found in _VARIABLE.finditer(url):
        parts.append(literal(url[last:found.start()], last))
        values = _enum(server, found.group(1))
        if found.start() < host_end and values:
            values = [v.lower() for v in values]
        parts.append("(?:" + "|".join(map(re.escape, values)) + ")" if values else ".*")
        last = found.end()
    parts.append(literal(url[last:], last))
    return re.compile("".join(parts))


def _samples(server: _Server) -> list[str]:
    """The base server's URLs to check against the revision, normalised: every enum
    combination, a variable without enum standing as "any value" (which only another open
    variable matches)."""
    choices = [_enum(server, name) or [_FREE] for name in server.names]
    total = 1
    for values in choices:
        total *= len(values)
    if total > _MAX_EXPANSION:
        choices = [[_FREE] for _ in server.names]
    out = []
    for combo in itertools.product(*choices):
        filled = iter(combo)
        out.append(_normal(_VARIABLE.sub(lambda _, it=filled: next(it), server.url)))
    return out


def _covered(server: _Server, by: list[_Server]) -> _Server | None:
    """The revision server serving every URL of the base ``server``, if one does."""
    samples = _samples(server)
    for other in by:
        pattern = _pattern(other)
        if all(pattern.fullmatch(url) for url in samples):
            return other
    return None


@dataclass
class _Verdict:
    same: list[tuple[_Server, _Server]]
    changed: list[tuple[_Server, _Server]]
    removed: list[_Server]
    added: list[tuple[_Server, list[_Server]]]  # with the base servers it covers


def _compare(pair: Pair) -> _Verdict:
    base, rev = _servers(pair.base), _servers(pair.rev)
    same: list[tuple[_Server, _Server]] = []
    left_rev = list(rev)
    left_base = []
    for server in base:
        match = next((r for r in left_rev if r.shape == server.shape), None)
        if match is not None:
            left_rev.remove(match)
            same.append((server, match))
        else:
            left_base.append(server)
    covers: dict[int, list[_Server]] = {}
    uncovered = []
    for server in left_base:
        by = _covered(server, rev)
        if by is None:
            uncovered.append(server)
        elif by in left_rev:
            covers.setdefault(by.index, []).append(server)
    fresh = [r for r in left_rev if r.index not in covers]
    changed = []
    for server in list(uncovered):
        match = next((r for r in fresh if server.description
                      and r.description == server.description), None)
        if match is None and fresh:
            match = fresh[0]
        if match is not None:
            fresh.remove(match)
            uncovered.remove(server)
            changed.append((server, match))
    added = [(r, covers.get(r.index, [])) for r in left_rev
             if r.index in covers or r in fresh]
    return _Verdict(same, changed, uncovered, added)


def _at(pair: Pair, side: str, server: _Server, *tokens: str) -> At:
    at = pair.base_at if side == "base" else pair.rev_at
    return at(server.index, *tokens) if tokens else at(server.index, "url")


def _unwritten_note(pair: Pair) -> str:
    if pair.info.get("rev_written", True):
        return ""
    return " (the revision lists no servers: the API is then relative to the document)"


# -- examples --------------------------------------------------------------------------------


def _doc(*servers: str) -> str:
    """GET /invoices served at these servers (list entries as flow YAML)."""
    listed = "".join(f"  - {s}\n" for s in servers)
    return openapi("Invoices", list_invoices(), f"servers:\n{listed}")


_V1 = "{url: 'https://api.example.com/v1', description: Production}"
_V2 = "{url: 'https://api.example.com/v2', description: Production}"
_SANDBOX = "{url: 'https://sandbox.example.com/v1', description: Sandbox}"


def _regions(enum: str, default: str = "eu") -> str:
    return ("{url: 'https://{region}.api.example.com/v1', variables: {region: "
            f"{{default: {default}, enum: [{enum}]}}}}}}")


# -- rules -----------------------------------------------------------------------------------


@diff_rule(
    "server-url-removed", kind="servers", level="breaking",
    summary="A server URL the operation was served at was removed.",
    why="""Clients are configured with one server URL (production, sandbox, a region), and
    generated SDKs bake in the first one. Once it is gone from the contract, those clients
    call a host or base path the API is no longer documented at. Keep the old URL listed
    (and served) until clients have moved. A URL that a revision template still matches
    (``eu`` within ``https://{region}.example.com``) is not removed.""",
    base=_doc(_V1, _SANDBOX),
    revision=_doc(_V1),
)
def server_url_removed(pair: Pair) -> Iterator[Hit]:
    for server in _compare(pair).removed:
        yield Hit(f"server {server.url!r} removed{_unwritten_note(pair)}",
                  base_at=_at(pair, "base", server), no_rev=True)


@diff_rule(
    "server-url-changed", kind="servers", level="breaking",
    summary="A server's URL (host or base path) changed.",
    why="""Clients configured with the old URL (https://api.example.com/v1) keep calling
    it; the contract now says the API is elsewhere (/v2). Whether the old URL still answers
    is no longer promised: for clients, a moved base path is a removed one. Servers are
    paired by description, then by order, once the unchanged ones are set aside.""",
    base=_doc(_V1),
    revision=_doc(_V2),
)
def server_url_changed(pair: Pair) -> Iterator[Hit]:
    for old, new in _compare(pair).changed:
        yield Hit(f"server URL changed from {old.url!r} to {new.url!r}",
                  base_at=_at(pair, "base", old), rev_at=_at(pair, "rev", new))


@diff_rule(
    "server-url-added", kind="servers", level="info", additive=True,
    summary="A server URL was added.",
    why="""Clients keep the URL they use; a new one (a sandbox, a region) is an option for
    those that want it: a minor version.""",
    base=_doc(_V1),
    revision=_doc(_V1, _SANDBOX),
)
def server_url_added(pair: Pair) -> Iterator[Hit]:
    for server, covered in _compare(pair).added:
        also = (" (it also serves " + ", ".join(repr(s.url) for s in covered) + ")"
                if covered else "")
        yield Hit(f"server {server.url!r} added{also}", rev_at=_at(pair, "rev", server),
                  no_base=True)


def _variables(pair: Pair) -> Iterator[tuple[_Server, _Server, str, str]]:
    """Each variable of each pair of same-shaped servers: by position in the URL, so a
    renamed variable is the same variable."""
    for old, new in _compare(pair).same:
        yield from ((old, new, bname, rname) for bname, rname in zip(old.names, new.names,
                                                                     strict=False))


def _variable_at(pair: Pair, side: str, server: _Server, name: str, key: str) -> At:
    definition = server.variables.get(name)
    if isinstance(definition, dict) and key in definition:
        return _at(pair, side, server, "variables", name, key)
    if name in server.variables:
        return _at(pair, side, server, "variables", name)
    return _at(pair, side, server)


@diff_rule(
    "server-variable-enum-narrowed", kind="servers", level="breaking",
    summary="A server variable no longer offers a value it did (or now has an enum).",
    why="""Clients configured with region=ap, or with a base path of their choosing, build
    a server URL the contract no longer lists: the same as removing that server.""",
    base=_doc(_regions("eu, us, ap")),
    revision=_doc(_regions("eu, us")),
)
def server_variable_enum_narrowed(pair: Pair) -> Iterator[Hit]:
    for old, new, bname, rname in _variables(pair):
        was, now = _enum(old, bname), _enum(new, rname)
        if now is None:
            continue
        if was is None:
            text = "now limited to " + ", ".join(repr(v) for v in now)
        else:
            gone = [v for v in was if v not in now]
            if not gone:
                continue
            text = "no longer offers " + ", ".join(repr(v) for v in gone)
        yield Hit(f"server {new.url!r} variable {rname!r} {text}",
                  base_at=_variable_at(pair, "base", old, bname, "enum"),
                  rev_at=_variable_at(pair, "rev", new, rname, "enum"))


@diff_rule(
    "server-variable-enum-widened", kind="servers", level="info", additive=True,
    summary="A server variable offers more values (or no longer has an enum).",
    why="""Every URL clients could build before is still listed; new ones (a new region)
    are options for those that want them.""",
    base=_doc(_regions("eu, us")),
    revision=_doc(_regions("eu, us, ap")),
)
def server_variable_enum_widened(pair: Pair) -> Iterator[Hit]:
    for old, new, bname, rname in _variables(pair):
        was, now = _enum(old, bname), _enum(new, rname)
        if was is None:
            continue
        if now is None:
            text = "no longer limited to " + ", ".join(repr(v) for v in was)
        else:
            more = [v for v in now if v not in was]
            if not more:
                continue
            text = "now also offers " + ", ".join(repr(v) for v in more)
        yield Hit(f"server {new.url!r} variable {rname!r} {text}",
                  base_at=_variable_at(pair, "base", old, bname, "enum"),
                  rev_at=_variable_at(pair, "rev", new, rname, "enum"))


def _default(server: _Server, name: str) -> str | None:
    definition = server.variables.get(name)
    value = definition.get("default") if isinstance(definition, dict) else None
    return None if value is None else str(value)


@diff_rule(
    "server-variable-default-changed", kind="servers", level="warning",
    summary="A server variable's default value changed.",
    why="""Clients that do not set the variable, and SDKs generated from the contract, now
    call another server (eu becomes us: another region, where the client's data is not).
    Clients that set the value themselves are unaffected, so this is a warning; a value no
    longer offered at all is server-variable-enum-narrowed.""",
    base=_doc(_regions("eu, us")),
    revision=_doc(_regions("eu, us", default="us")),
)
def server_variable_default_changed(pair: Pair) -> Iterator[Hit]:
    for old, new, bname, rname in _variables(pair):
        was, now = _default(old, bname), _default(new, rname)
        if was is not None and now is not None and was != now:
            yield Hit(f"server {new.url!r} variable {rname!r} default changed from {was!r} "
                      f"to {now!r}", base_at=_variable_at(pair, "base", old, bname, "default"),
                      rev_at=_variable_at(pair, "rev", new, rname, "default"))
