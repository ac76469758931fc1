"""CODEOWNERS, read the way GitHub reads it, so the owners Ledgerpact accepts for an approval
are the owners GitHub asks to review the same pull request.

The subset implemented is the one GitHub documents for paths (docs "About code owners"):

- one rule per line: a pattern, then zero or more owners (``@user``, ``@org/team`` or an
  e-mail address); ``#`` starts a comment, at the start of a line or after a space;
- the LAST matching rule wins, and a rule with no owners leaves its files unowned;
- patterns follow gitignore's: ``*`` (anything but ``/``), ``?`` (one character but ``/``),
  ``**`` (any number of folders), a leading ``/`` anchors to the root, so does a ``/`` in the
  middle; a pattern without one (``*.js``, ``apps/``, ``logs``) matches at any depth; a
  trailing ``/`` means the folder's contents at any depth; a name that matches a folder
  covers everything inside it (``/apps/github``);
- GitHub's one deviation from gitignore: a lone ``*`` segment matches one level only, so
  ``docs/*`` owns ``docs/a.md`` but not ``docs/build/b.md``.

gitignore syntax GitHub documents as NOT working in CODEOWNERS (``!`` negation, ``[ ]``
ranges, a ``\\#`` escape for a pattern starting with ``#``) is refused with the line that uses
it, rather than silently read differently from GitHub: an ownership file that means something
else to each tool decides nothing. Paths are case-sensitive, as on GitHub.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ledgerpact.governance.policy.config import CODEOWNERS_PATHS
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import decode
from ledgerpact.registry.workspace import Workspace

_USER = r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
OWNER_HANDLE = re.compile(rf"{_USER}(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class OwnerRule(NamedTuple):
    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]


class CodeOwners(NamedTuple):
    """The rules of one CODEOWNERS file, in file order (``file`` None: the repository has
    none, and nothing is owned through it). Patterns are relative to the repository's root,
    as GitHub reads them; ``prefix`` is the registry's folder in the repository ("" when the
    registry is the repository), so callers ask with registry-relative paths."""

    file: str | None  # repository-relative
    rules: tuple[OwnerRule, ...]
    prefix: str = ""

    def rule_for(self, path: str) -> OwnerRule | None:
        """The rule that decides ``path`` (registry-relative, no leading slash): the last
        one that matches."""
        full = f"{self.prefix}/{path}" if self.prefix else path
        for rule in reversed(self.rules):
            if rule.regex.fullmatch(full):
                return rule
        return None

    def owners_of(self, path: str) -> tuple[str, ...]:
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()


def is_owner_token(token: str) -> bool:
    return bool(OWNER_HANDLE.fullmatch(token) or _EMAIL.fullmatch(token))


def parse_codeowners(text: str, file: str) -> CodeOwners:
    """Every rule of a CODEOWNERS file; a line GitHub would not read as we do is an
    ``InputError`` naming the file and line."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            tokens = _tokens(raw)
            if not tokens:
                continue
            pattern, owners = tokens[0], tuple(tokens[1:])
            regex = compile_pattern(pattern)
        except ValueError as exc:
            raise InputError(str(exc), file=file, line=number) from None
        for owner in owners:
            if not is_owner_token(owner):
                raise InputError(f"owner {owner!r} of {pattern!r} is not an @user, @org/team "
                                 "or e-mail address", file=file, line=number)
        rules.append(OwnerRule(pattern, owners, number, regex))
    return CodeOwners(file, tuple(rules))


def _tokens(line: str) -> list[str]:
    """Whitespace-separated tokens up to a comment; a backslash keeps the next character
    (so ``a\\ b`` is one pattern with a space) and is kept for the pattern compiler."""
    if line.startswith("\\#"):
        raise ValueError("a pattern starting with '#' cannot be escaped in CODEOWNERS "
                         "(GitHub does not support '\\#')")
    tokens: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current.append(line[i:i + 2])
            i += 2
            continue
        if ch.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        elif ch == "#" and not current:
            break  # a comment: the whole line, or after a space
        else:
            current.append(ch)
        i += 1
    if current:
        tokens.append("".join(current))
    return tokens


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression for a CODEOWNERS pattern over repository-relative file paths;
    ``ValueError`` (with the reason) for syntax GitHub does not support."""
    if pattern.startswith("!"):
        raise ValueError(f"{pattern!r}: negation ('!') does not work in CODEOWNERS")
    if re.search(r"(?<!\\)[\[\]]", pattern):
        raise ValueError(f"{pattern!r}: character ranges ('[ ]') do not work in CODEOWNERS")
    if "***" in pattern:
        raise ValueError(f"{pattern!r}: '***' is not a pattern ('**' matches any number of "
                         "folders)")
    if pattern.strip("/") == "":
        raise ValueError(f"{pattern!r} matches no file")
    segments = pattern.split("/")
    if segments[0] == "":
        segments = segments[1:]  # a leading slash: anchored to the root
    elif len(segments) == 1 or (len(segments) == 2 and segments[1] == ""):
        segments = ["**", *segments]  # no slash but a trailing one: at any depth
    if segments[-1] == "":
        segments[-1] = "**"  # a trailing slash: everything inside the folder
    return re.compile(_segments_regex(segments))


def _segments_regex(segments: list[str]) -> str:
    last = len(segments) - 1
    out: list[str] = []
    need_slash = False
    for i, seg in enumerate(segments):
        if seg == "**":
            if i == 0 and i == last:
                out.append(".+")
            elif i == 0:
                out.append("(?:[^/]+/)*")  # zero or more leading folders
                need_slash = False
            elif i == last:
                out.append("/.+")  # everything inside, at any depth
            else:
                out.append("(?:/[^/]+)*")  # zero or more folders in between
                need_slash = True
            continue
        if need_slash:
            out.append("/")
        if seg == "*":
            out.append("[^/]+")  # GitHub: one level, never what is below it
        else:
            out.append(_segment(seg))
            if i == last:
                out.append("(?:/.+)?")  # a name that is a folder covers its contents
        need_slash = True
    return "".join(out)


def _segment(seg: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in seg:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def load_codeowners(ws: Workspace) -> CodeOwners:
    """The CODEOWNERS of the repository that holds the registry ``ws`` reads, at the same
    revision: the first of GitHub's locations (``.github/``, the root, ``docs/``) that exists
    at the repository's root, as GitHub uses only that one, with patterns relative to that
    root -- never a file in the registry's folder of a monorepo, which GitHub ignores. None
    is an empty rule list. A registry outside Git is its own root."""
    root, prefix = _repository_root(ws)
    for path in CODEOWNERS_PATHS:
        if root.source.exists(path):
            owners = parse_codeowners(decode(root.source.read(path), path), path)
            return owners._replace(prefix=prefix)
    return CodeOwners(None, (), prefix)


def _repository_root(ws: Workspace) -> tuple[Workspace, str]:
    """``ws``'s revision seen from its Git repository's root, and the registry's folder in
    the repository ("" when they are the same)."""
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.source import DirectorySource, GitSource

    source = ws.source
    if isinstance(source, GitSource):
        if not source.prefix:
            return ws, ""
        return (Workspace(GitSource(source.repo, source.commit.hexsha, source.label)),
                source.prefix)
    if isinstance(source, DirectorySource):
        git_root = Registry.open(source.root).git_root
        if git_root is not None and git_root != source.root:
            return (Workspace(DirectorySource(git_root)),
                    source.root.relative_to(git_root).as_posix())
    return ws, ""
