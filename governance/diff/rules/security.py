"""Security rules: an operation's effective requirements, and the component security schemes.

A security requirement list is a choice of alternatives (a client meets any one of them); an
alternative is a set of schemes that must all be met, each with the scopes its token needs;
an empty alternative, or no list at all, lets anonymous clients in. A client that met a base
alternative is still served when some revision alternative asks for no more schemes and no
more scopes than it had: only when no such alternative exists is the change breaking. The
walker hands each operation's effective list (its own ``security``, else the document's),
located where it is written, so a change to the global list is one change listing every
operation that inherits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.engine import BASE, REV, Engine
from ledgerpact.governance.diff.model import Check, Hit
from ledgerpact.governance.diff.openapi_walk import HTTP_METHODS, normalized_path
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import hit_on_its_side, only_on_one_side
from ledgerpact.governance.diff.rules._examples import list_invoices, openapi
from ledgerpact.governance.lint.model import Loc

Alternative = dict[str, frozenset[str]]

_OAUTH = """    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: {token_url}
          scopes:
            invoices.read: Read invoices.
            invoices.write: Create and update invoices.
{more}"""
_TOKEN = "https://identity.example.com/connect/token"
_API_KEY = """    apiKey:
      type: {key_type}
      in: {key_in}
      name: X-Api-Key
"""


def _oauth(token_url: str = _TOKEN, more: str = "") -> str:
    return _OAUTH.format(token_url=token_url, more=more)


_AUTH_CODE = """        authorizationCode:
          authorizationUrl: https://identity.example.com/connect/authorize
          tokenUrl: https://identity.example.com/connect/token
          scopes:
            invoices.read: Read invoices.
"""
_READ_SCOPE_ONLY = ("            invoices.write: Create and update invoices.\n", "")


def _api_key(key_type: str = "apiKey", key_in: str = "header") -> str:
    text = _API_KEY.format(key_type=key_type, key_in=key_in)
    if key_type == "http":  # an http scheme has a scheme, not in/name
        text = "    apiKey:\n      type: http\n      scheme: bearer\n"
    return text


def _doc(security: str = "[{oauth2: [invoices.read]}]", schemes: str | None = None) -> str:
    """GET /invoices requiring ``security``, with these component security schemes (default:
    OAuth and an API key)."""
    shown = f"      security: {security}\n" if security else ""
    return openapi("Invoices", list_invoices(shown), "components:\n  securitySchemes:\n"
                   + (_oauth() + _api_key() if schemes is None else schemes))


# -- requirement lists -----------------------------------------------------------------------


def _alternatives(value: Any, renames: dict[str, str] | None = None) -> list[Alternative]:
    """The list as alternatives; an empty list means anonymous access, the empty
    alternative. ``renames`` maps revision scheme names to the base names of the same
    schemes (a renamed component), so that a rename is no change."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.append({(renames or {}).get(str(name), str(name)):
                        frozenset(str(s) for s in scopes if isinstance(s, str))
                        if isinstance(scopes, list) else frozenset()
                        for name, scopes in item.items()})
    return out or [{}]


def _schemes(engine: Engine, side: int) -> dict[str, Any]:
    """A side's component security schemes, resolved, without their descriptions."""
    doc = engine.sides[side].data
    components = doc.get("components") if isinstance(doc, dict) else None
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    loc = Loc(engine.sides[side].root, "/components/securitySchemes")
    out = {}
    for name, value in schemes.items() if isinstance(schemes, dict) else ():
        scheme, _ = engine.resolve(side, value, loc.child(name))
        out[str(name)] = ({k: v for k, v in scheme.items() if k != "description"}
                          if isinstance(scheme, dict) else scheme)
    return out


def scheme_renames(engine: Engine) -> dict[str, str]:
    """Revision scheme name -> base name, for each scheme that was only renamed: the same
    definition under a new name, the old name gone. Scheme names never go on the wire, so
    requirements that only follow a rename are unchanged."""
    base, rev = _schemes(engine, BASE), _schemes(engine, REV)
    gone = {name: scheme for name, scheme in base.items() if name not in rev}
    out: dict[str, str] = {}
    for name, scheme in rev.items():
        if name in base:
            continue
        same = [old for old, was in gone.items() if was == scheme and old not in out.values()]
        if len(same) == 1:
            out[name] = same[0]
    return out


def _sides(pair: Pair) -> tuple[list[Alternative], list[Alternative]] | None:
    """Both sides' alternatives, in base scheme names; None when nothing changed."""
    if not pair.both or pair.base == pair.rev:
        return None
    base = _alternatives(pair.base)
    rev = _alternatives(pair.rev, scheme_renames(pair.engine))
    if sorted(map(_shown, base)) == sorted(map(_shown, rev)):
        return None
    return base, rev


def _unwritten(pair: Pair, side: int) -> bool:
    """True when the side's list is the document's global one and the document has none:
    the walker's place for it points at nothing in the file."""
    loc = pair.base_loc if side == BASE else pair.rev_loc
    doc = pair.engine.sides[side].data
    return loc is not None and loc.pointer == "/security" and isinstance(doc, dict) \
        and "security" not in doc


def _hit(pair: Pair, message: str) -> Hit:
    return Hit(message, no_base=_unwritten(pair, BASE), no_rev=_unwritten(pair, REV))


def _open(alts: list[Alternative]) -> bool:
    return any(not alt for alt in alts)


def _covers(new: Alternative, old: Alternative) -> bool:
    """A client meeting ``old`` also meets ``new``: no more schemes, no more scopes."""
    return all(name in old and scopes <= old[name] for name, scopes in new.items())


def _shown(alt: Alternative) -> str:
    if not alt:
        return "anonymous access"
    return " + ".join(f"{name} [{', '.join(sorted(scopes))}]" if scopes else name
                      for name, scopes in sorted(alt.items()))


def _listed(alts: list[Alternative]) -> str:
    return " or ".join(f"'{_shown(a)}'" for a in alts)


def _pairs(pair: Pair) -> tuple[list[Alternative], list[Alternative]] | None:
    """Both sides' alternatives when they differ and neither side is a plain open/closed
    switch (those are security-added and security-removed)."""
    found = _sides(pair)
    if found is None or _open(found[0]) != _open(found[1]):
        return None
    return found


def _stricter(base: list[Alternative], rev: list[Alternative]
              ) -> Iterator[tuple[Alternative, Alternative | None, str]]:
    """Each base alternative no revision alternative lets through, with the revision
    alternative closest to it and why: "scopes" (same schemes, more scopes), "schemes"
    (more schemes) or "gone" (none alike)."""
    for alt in base:
        if not alt or alt in rev or any(_covers(r, alt) for r in rev):
            continue
        same = next((r for r in rev if r.keys() == alt.keys()), None)
        if same is not None:
            yield alt, same, "scopes"
            continue
        wider = [r for r in rev if r.keys() > alt.keys()]
        if wider:
            yield alt, min(wider, key=len), "schemes"
        else:
            yield alt, None, "gone"


def _looser(base: list[Alternative], rev: list[Alternative]
            ) -> Iterator[tuple[Alternative, Alternative, str]]:
    """Each base alternative a different revision alternative lets through with less:
    "scopes" (same schemes, fewer scopes) or "schemes" (fewer schemes)."""
    for alt in base:
        if not alt or alt in rev:
            continue
        same = next((r for r in rev if r.keys() == alt.keys()), None)
        if same is not None and any(alt[n] - same[n] for n in alt):
            yield alt, same, "scopes"
            continue
        covering = [r for r in rev if r.keys() < alt.keys() and _covers(r, alt)]
        if covering:
            yield alt, max(covering, key=len), "schemes"


def _made(pair: Pair, looser: bool, why: str
          ) -> Iterator[tuple[Alternative, Alternative | None]]:
    """Base alternatives the revision made stricter (or ``looser``) for the reason ``why``
    (see _stricter and _looser), each with the revision alternative closest to it."""
    found = _pairs(pair)
    if found is None:
        return
    for alt, other, reason in (_looser if looser else _stricter)(*found):
        if reason == why:
            yield alt, other


def _scope_check(added: bool) -> Check:
    """Scopes one scheme of an alternative needs on top of (or no longer) what it did."""
    def check(pair: Pair) -> Iterator[Hit]:
        for alt, same in _made(pair, looser=not added, why="scopes"):
            if same is None:
                continue
            for name in sorted(alt):
                changed = same[name] - alt[name] if added else alt[name] - same[name]
                if changed:
                    scopes = ", ".join(repr(s) for s in sorted(changed))
                    needs = "now also needs" if added else "no longer needs"
                    yield _hit(pair, f"scheme {name!r} {needs} scope {scopes}")
    return check


@diff_rule(
    "security-added", kind="security", level="breaking",
    summary="An operation that allowed anonymous access now requires authentication.",
    why="""Clients calling it without credentials, as the old contract allowed, are now
    refused with 401.""",
    base=_doc(security="[]"),
    revision=_doc(),
)
def security_added(pair: Pair) -> Iterator[Hit]:
    found = _sides(pair)
    if found is not None and _open(found[0]) and not _open(found[1]):
        yield _hit(pair, f"authentication now required: {_listed(found[1])}")


@diff_rule(
    "security-removed", kind="security", level="warning",
    summary="An operation that required authentication now allows anonymous access.",
    why="""No client breaks: the server ignores the credentials they still send. But in a
    finance API an operation opened to anyone is rarely intended (a requirement dropped by
    mistake, a global security list deleted), and the server can no longer tell which
    organisation a caller acts for, so what it returns may change. A warning makes a
    reviewer confirm it.""",
    base=_doc(),
    revision=_doc(security="[]"),
)
def security_removed(pair: Pair) -> Iterator[Hit]:
    found = _sides(pair)
    if found is not None and not _open(found[0]) and _open(found[1]):
        yield _hit(pair, f"authentication no longer required (was {_listed(found[0])})")


diff_rule(
    "security-scopes-added", kind="security", level="breaking",
    summary="A security requirement now needs more OAuth scopes.",
    why="""Tokens clients already hold were granted the old scopes only: the server now
    refuses them (403) until every client asks its users for the new consent.""",
    base=_doc(),
    revision=_doc(security="[{oauth2: [invoices.read, invoices.write]}]"),
)(_scope_check(added=True))
diff_rule(
    "security-scopes-removed", kind="security", level="info",
    summary="A security requirement needs fewer OAuth scopes.",
    why="""Every token that was enough still is; tokens with fewer grants now work too.""",
    base=_doc(security="[{oauth2: [invoices.read, invoices.write]}]"),
    revision=_doc(),
)(_scope_check(added=False))


@diff_rule(
    "security-scheme-required", kind="security", level="breaking",
    summary="A security requirement now needs another scheme on top of the ones it had.",
    why="""Clients meeting the old requirement (say an OAuth token) lack the new one (say
    an API key as well), and no other alternative lets them in: they are refused.""",
    base=_doc(),
    revision=_doc(security="[{oauth2: [invoices.read], apiKey: []}]"),
)
def security_scheme_required(pair: Pair) -> Iterator[Hit]:
    for alt, wider in _made(pair, looser=False, why="schemes"):
        if wider is None:
            continue
        extra = ", ".join(repr(n) for n in sorted(wider.keys() - alt.keys()))
        yield _hit(pair, f"'{_shown(alt)}' now also needs scheme {extra}")


@diff_rule(
    "security-alternative-removed", kind="security", level="breaking",
    summary="A way to authenticate was removed and nothing else lets its clients in.",
    why="""Security alternatives are a choice: clients that authenticated the removed way
    (an API key, where OAuth remains) are refused until they switch.""",
    base=_doc(security="[{oauth2: [invoices.read]}, {apiKey: []}]"),
    revision=_doc(),
)
def security_alternative_removed(pair: Pair) -> Iterator[Hit]:
    for alt, _ in _made(pair, looser=False, why="gone"):
        yield _hit(pair, f"authentication by '{_shown(alt)}' no longer accepted")


@diff_rule(
    "security-scheme-no-longer-required", kind="security", level="info",
    summary="A security requirement needs fewer schemes than before.",
    why="""Clients still send every credential they sent: the server needs only some of
    them now, so everything that worked still does.""",
    base=_doc(security="[{oauth2: [invoices.read], apiKey: []}]"),
    revision=_doc(),
)
def security_scheme_no_longer_required(pair: Pair) -> Iterator[Hit]:
    for alt, covering in _made(pair, looser=True, why="schemes"):
        if covering is None:
            continue
        yield _hit(pair, f"'{_shown(alt)}' no longer required: '{_shown(covering)}' suffices")


@diff_rule(
    "security-alternative-added", kind="security", level="info", additive=True,
    summary="A new way to authenticate was added.",
    why="""Alternatives are a choice: clients keep authenticating as they did, and new
    ones may use the new way. New functionality, a minor release.""",
    base=_doc(),
    revision=_doc(security="[{oauth2: [invoices.read]}, {apiKey: []}]"),
)
def security_alternative_added(pair: Pair) -> Iterator[Hit]:
    found = _pairs(pair)
    if found is None:
        return
    base, rev = found
    explained = [r for _, r, _ in _stricter(base, rev) if r is not None]
    explained += [r for _, r, _ in _looser(base, rev)]
    for alt in rev:
        if alt and alt not in base and alt not in explained:
            yield _hit(pair, f"authentication by '{_shown(alt)}' now accepted")


# -- component security schemes --------------------------------------------------------------


def _used_schemes(doc: Any) -> set[str]:
    """Every scheme name a security requirement of the document mentions."""
    lists: list[Any] = [doc.get("security")] if isinstance(doc, dict) else []
    paths = doc.get("paths") if isinstance(doc, dict) else None
    for item in paths.values() if isinstance(paths, dict) else ():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                lists.append(op.get("security"))
    return {name for value in lists for alt in _alternatives(value) for name in alt}


def _operations_using(engine: Engine, side: int, name: str) -> dict[str, str]:
    """``"method /normalized/{}"`` -> ``"METHOD /template"`` for each operation of a side
    whose effective requirements (its own ``security``, else the document's) mention
    ``name``; keyed so an operation is the same on both sides when only the names of its
    path parameters changed."""
    doc = engine.sides[side].data
    if not isinstance(doc, dict):
        return {}
    inherited = name in {n for alt in _alternatives(doc.get("security")) for n in alt}
    paths = doc.get("paths")
    loc = Loc(engine.sides[side].root, "/paths")
    out: dict[str, str] = {}
    for template, raw in paths.items() if isinstance(paths, dict) else ():
        item, _ = engine.resolve(side, raw, loc.child(str(template)))
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            uses = (name in {n for alt in _alternatives(op["security"]) for n in alt}
                    if "security" in op else inherited)
            if uses:
                out[f"{method} {normalized_path(str(template))}"] = \
                    f"{method.upper()} {template}"
    return out


def _affecting_users(pair: Pair) -> None:
    """A change to a scheme reaches every operation that requires it, on either side (the
    base's clients authenticate the old way; the revision's operations ask the new one), so
    the pair lists them, named as the walker names operations (by the revision's template
    where the path still exists). The walker cannot: it pairs the schemes before it reads
    any operation."""
    if pair.affects:
        return
    name = pair.info["name"]
    after = _operations_using(pair.engine, REV, name)
    labels = set(after.values())
    for key, label in _operations_using(pair.engine, BASE, name).items():
        labels.add(after.get(key, label))
    pair.affects = tuple(sorted(labels))


def _mechanism(scheme: Any) -> str:
    """What a client must do: the type, and for http the auth scheme (basic, bearer...)."""
    if not isinstance(scheme, dict):
        return "?"
    kind = str(scheme.get("type", "?"))
    if kind == "http":
        return f"http {str(scheme.get('scheme', '?')).lower()}"
    return kind


@diff_rule(
    "security-scheme-added", kind="security-scheme", level="info", additive=True,
    summary="A security scheme was added to the components.",
    why="""A new scheme does nothing until a requirement uses it; the requirement rules say
    what that means for each operation.""",
    base=_doc(schemes=_oauth()),
    revision=_doc(schemes=_oauth() + _api_key()),
)
def security_scheme_added(pair: Pair) -> Iterator[Hit]:
    if pair.added and pair.info["name"] not in scheme_renames(pair.engine):
        yield Hit(f"{pair.subject} added ({_mechanism(pair.rev)})")


@diff_rule(
    "security-scheme-removed", kind="security-scheme", level="info",
    summary="An unused security scheme was removed from the components.",
    why="""No requirement of the revision mentions it: the operations that used it report
    their own requirement changes (and their levels) where they happen.""",
    base=_doc(schemes=_oauth() + _api_key()),
    revision=_doc(schemes=_oauth()),
)
def security_scheme_removed(pair: Pair) -> Iterator[Hit]:
    name = pair.info["name"]
    if pair.removed and name not in _used_schemes(pair.engine.sides[REV].data) \
            and name not in scheme_renames(pair.engine).values():
        yield Hit(f"{pair.subject} removed ({_mechanism(pair.base)})")


@diff_rule(
    "security-scheme-renamed", kind="security-scheme", level="info",
    summary="A security scheme was renamed, its definition unchanged.",
    why="""Scheme names never go on the wire: clients authenticate exactly as before, and
    requirements that follow the rename are no change. Generated clients may rename a
    configuration setting, hence the note.""",
    base=_doc(schemes=_oauth()),
    revision=_doc(security="[{clientCredentials: [invoices.read]}]",
                  schemes=_oauth().replace("    oauth2:", "    clientCredentials:")),
)
def security_scheme_renamed(pair: Pair) -> Iterator[Hit]:
    old = scheme_renames(pair.engine).get(pair.info["name"]) if pair.added else None
    if old is not None:
        at = Loc(pair.engine.sides[BASE].root, "/components/securitySchemes").child(old)
        yield Hit(f"security scheme {old!r} renamed to {pair.info['name']!r}",
                  base_at=tuple(at))  # type: ignore[arg-type]


@diff_rule(
    "security-scheme-removed-while-used", kind="security-scheme", level="breaking",
    summary="A security scheme was removed while requirements still use it.",
    why="""Requirements name a scheme that no longer says how to authenticate: clients and
    generators cannot tell what to send, and the revision is not a usable contract.""",
    base=_doc(schemes=_oauth() + _api_key()),
    revision=_doc(security="[{apiKey: []}]", schemes=_oauth()),
)
def security_scheme_removed_while_used(pair: Pair) -> Iterator[Hit]:
    if pair.removed and pair.info["name"] in _used_schemes(pair.engine.sides[REV].data):
        _affecting_users(pair)
        yield Hit(f"{pair.subject} removed but still required by the revision")


@diff_rule(
    "security-scheme-type-changed", kind="security-scheme", level="breaking",
    summary="A security scheme's mechanism changed (its type, or its HTTP auth scheme).",
    why="""Clients authenticate the old way (an API key header, HTTP basic) and are refused
    by a server that now expects another (a bearer token, OAuth).""",
    base=_doc(schemes=_oauth() + _api_key()),
    revision=_doc(schemes=_oauth() + _api_key(key_type="http")),
)
def security_scheme_type_changed(pair: Pair) -> Iterator[Hit]:
    if pair.both and (old := _mechanism(pair.base)) != (new := _mechanism(pair.rev)):
        _affecting_users(pair)
        yield Hit(f"{pair.subject} changed from {old} to {new}",
                  base_at=pair.base_at("type"), rev_at=pair.rev_at("type"))


@diff_rule(
    "security-scheme-api-key-moved", kind="security-scheme", level="breaking",
    summary="An API key must now be sent somewhere else (location or name).",
    why="""Clients send the key where it was (the X-Api-Key header); the server looks for it
    elsewhere (a query parameter, another header) and refuses them as anonymous.""",
    base=_doc(schemes=_oauth() + _api_key()),
    revision=_doc(schemes=_oauth() + _api_key(key_in="query")),
)
def security_scheme_api_key_moved(pair: Pair) -> Iterator[Hit]:
    if not (pair.both and _mechanism(pair.base) == _mechanism(pair.rev) == "apiKey"):
        return
    old = (str(pair.base.get("in")), str(pair.base.get("name")))
    new = (str(pair.rev.get("in")), str(pair.rev.get("name")))
    if old[0] == new[0] == "header":  # header names are case-insensitive
        old, new = (old[0], old[1].lower()), (new[0], new[1].lower())
    if old != new:
        _affecting_users(pair)
        yield Hit(f"{pair.subject} moved from {pair.base.get('in')} {pair.base.get('name')!r} "
                  f"to {pair.rev.get('in')} {pair.rev.get('name')!r}")


def _flows(scheme: Any) -> dict[str, Any]:
    flows = scheme.get("flows") if isinstance(scheme, dict) else None
    return {k: v for k, v in flows.items() if isinstance(v, dict)} \
        if isinstance(flows, dict) else {}


def _oauth_pair(pair: Pair) -> bool:
    return pair.both and _mechanism(pair.base) == _mechanism(pair.rev) == "oauth2"


def _flow_check(added: bool) -> Check:
    """An OAuth flow only the revision (``added``) or only the base has."""
    def check(pair: Pair) -> Iterator[Hit]:
        if _oauth_pair(pair):
            for name in only_on_one_side(_flows(pair.base), _flows(pair.rev), added):
                _affecting_users(pair)
                yield hit_on_its_side(pair, added, f"{pair.subject}: OAuth flow {name!r} "
                                      f"{'added' if added else 'removed'}", "flows", name)
    return check


diff_rule(
    "oauth-flow-removed", kind="security-scheme", level="breaking",
    summary="An OAuth flow (grant type) was removed from a security scheme.",
    why="""Clients that obtain tokens through that flow (client credentials for a
    back-office integration, authorization code for an app) can no longer get one.""",
    base=_doc(schemes=_oauth(more=_AUTH_CODE)),
    revision=_doc(schemes=_oauth()),
)(_flow_check(added=False))


diff_rule(
    "oauth-flow-added", kind="security-scheme", level="info", additive=True,
    summary="An OAuth flow (grant type) was added to a security scheme.",
    why="""A new way to obtain tokens; the existing flows still work.""",
    base=_doc(schemes=_oauth()),
    revision=_doc(schemes=_oauth(more=_AUTH_CODE)),
)(_flow_check(added=True))


def _scopes(flow: dict[str, Any]) -> dict[str, Any]:
    scopes = flow.get("scopes")
    return scopes if isinstance(scopes, dict) else {}


def _common_flows(pair: Pair) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    if _oauth_pair(pair):
        rev = _flows(pair.rev)
        for name, flow in _flows(pair.base).items():
            if name in rev:
                yield name, flow, rev[name]


def _oauth_scope_check(added: bool) -> Check:
    """A scope only the revision's (``added``) or only the base's flow offers."""
    def check(pair: Pair) -> Iterator[Hit]:
        for name, old, new in _common_flows(pair):
            for scope in only_on_one_side(_scopes(old), _scopes(new), added):
                _affecting_users(pair)
                yield hit_on_its_side(
                    pair, added, f"{pair.subject}: scope {scope!r} "
                    f"{'added to' if added else 'removed from'} flow {name!r}",
                    "flows", name, "scopes", scope)
    return check


diff_rule(
    "oauth-scope-removed", kind="security-scheme", level="breaking",
    summary="An OAuth scope was removed from a flow.",
    why="""Clients request the scopes they were built for when they obtain a token; asking
    for one the authorization server no longer knows fails with invalid_scope (RFC 6749),
    so they get no token at all.""",
    base=_doc(schemes=_oauth()),
    revision=_doc(schemes=_oauth().replace(*_READ_SCOPE_ONLY)),
)(_oauth_scope_check(added=False))


diff_rule(
    "oauth-scope-added", kind="security-scheme", level="info", additive=True,
    summary="An OAuth scope was added to a flow.",
    why="""A new permission clients may ask for; the scopes they use still exist. Whether
    an operation now requires it is the requirement rules' business.""",
    base=_doc(schemes=_oauth().replace(*_READ_SCOPE_ONLY)),
    revision=_doc(schemes=_oauth()),
)(_oauth_scope_check(added=True))


_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")


@diff_rule(
    "security-scheme-url-changed", kind="security-scheme", level="warning",
    summary="An OAuth flow URL or an OpenID Connect discovery URL changed or was removed.",
    why="""Clients configured with the old token or authorization endpoint (most are: the
    URL is set once in an OAuth library) fail to get tokens unless the old URL keeps working,
    which the contract cannot tell. Nothing on the API itself changed, hence a warning.""",
    base=_doc(schemes=_oauth()),
    revision=_doc(schemes=_oauth(token_url="https://login.example.com/oauth2/token")),
)
def security_scheme_url_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both:
        return
    old, new = pair.base.get("openIdConnectUrl"), pair.rev.get("openIdConnectUrl")
    if old is not None and old != new:
        _affecting_users(pair)
        yield Hit(f"{pair.subject}: openIdConnectUrl changed from {old!r} to {new!r}",
                  base_at=pair.base_at("openIdConnectUrl"))
    for name, bflow, rflow in _common_flows(pair):
        for key in _URLS:
            was, now = bflow.get(key), rflow.get(key)
            if was is not None and was != now:
                shown = f"changed from {was!r} to {now!r}" if now is not None else "removed"
                _affecting_users(pair)
                yield Hit(f"{pair.subject}: flow {name!r} {key} {shown}",
                          base_at=pair.base_at("flows", name, key),
                          **({"rev_at": pair.rev_at("flows", name, key)} if now is not None
                             else {}))
