"""Mutation proof (issue 8, point 6): each deliberately broken adapter variant fails
verification with a line naming the interaction and the field.

The variants (``tests/fixtures/<vendor>/variants.py``) are code-level bugs with the
signature of the adapter's ``service.build``; they replace the manifest's service through
``verify_adapter``'s Python API, while the pacts, provider states and vendor simulator stay
the real ones. Nothing is recorded (``record=False``): the checkout is only read.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from ledgerpact.governance.verify.outcome import VerifyReport
from ledgerpact.governance.verify.run import verify_adapter

REPO = Path(__file__).resolve().parents[1]
# (adapter, variants module, variant, the field a failure line must name, what it shows).
# A dropped VAT breakdown shows where a consumer reads it: the canonical vatBreakdown, or the
# input-VAT line of the posted journal entry's lines.
CASES = [
    (adapter, f"tests.fixtures.{pkg}.variants", variant, field, shows)
    for adapter, pkg in (("sap-s4hana-adapter", "sap_s4hana"), ("netsuite-adapter", "netsuite"))
    for variant, field, shows in (("drops_vat_breakdown", "vatBreakdown|lines", None),
                                  ("blocked_supplier_as_active", "status", '"blocked"'))
]
NEEDED = [REPO / "pacts" / c / "1.0.0" / f"{p}.json" for c, p in (
    ("invoice-automation", "erp-finance"), ("treasury", "finance-events"),
    ("analytics", "finance-events"))]
_LINE = re.compile(r'^FAIL (\S+) -> (\S+) "([^"]+)": (\S+): (.*)$')


@functools.cache
def _baseline(adapter: str) -> VerifyReport:
    """The real adapter over the same pacts: what a variant breaks must pass here."""
    return verify_adapter(REPO, adapter, only="pacts", record=False)


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


@pytest.mark.parametrize(("adapter", "module", "variant", "field", "shows"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_broken_variant_fails_naming_interaction_and_field(
        adapter: str, module: str, variant: str, field: str, shows: str | None) -> None:
    missing = [str(p.relative_to(REPO)) for p in NEEDED if not p.is_file()]
    if missing or _missing(module):
        # committed with the suite: their absence is a broken checkout, not a reason to skip
        pytest.fail(f"needs {module} and the consumers' pacts "
                    f"({', '.join(missing) or 'ok'})")
    baseline = _baseline(adapter)
    passing = {(p.consumer, i.description) for p in baseline.pacts for i in p.interactions
               if i.passed}
    build = getattr(importlib.import_module(module), variant)
    report = verify_adapter(REPO, adapter, only="pacts", record=False, service=build)
    assert not report.passed
    lines = [line for pact in report.pacts for line in pact.failure_lines()]
    parsed = [m for m in map(_LINE.match, lines) if m is not None]
    assert parsed, lines
    naming = [m for m in parsed if re.search(rf"(^|[.\[ ])({field})(\[|\]|$|\.)", m.group(4))
              and (shows is None or shows in m.group(5))]
    assert naming, "no failure line names the field " + field + ":\n" + "\n".join(lines)
    # the bug is what fails it: the real adapter passes that interaction
    assert any((m.group(1), m.group(3)) in passing for m in naming), \
        "the interactions naming the field fail without the bug too:\n" + "\n".join(lines)
