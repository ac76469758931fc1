"""`ledgerpact ubl read` on real EN 16931 documents: 0 clean, 1 not reconciling, 2 unreadable."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]


def test_reads_a_real_invoice(corpora: Path, tmp_path: Path) -> None:
    out = tmp_path / "invoice.json"
    result = run("ubl", "read", corpora / "en16931-ubl" / "ubl-tc434-example1.xml", "-o", out,
                 cwd=REPO)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["typeCode"] == "380"
    assert document["lines"]


def test_tampered_totals_exit_1(corpora: Path, tmp_path: Path) -> None:
    source = (corpora / "en16931-ubl" / "ubl-tc434-example1.xml").read_text(encoding="utf-8")
    start = source.index("<cbc:PayableAmount")
    end = source.index("</cbc:PayableAmount>", start)
    opening = source[start:source.index(">", start) + 1]
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(source[:start] + opening + "999999.99" + source[end:], encoding="utf-8")
    result = run("ubl", "read", tampered, cwd=REPO)
    assert result.returncode == 1
    assert "totals:" in result.stderr and "tampered.xml" in result.stderr


def test_not_ubl_exit_2(tmp_path: Path) -> None:
    bogus = tmp_path / "order.xml"
    bogus.write_text("<Order xmlns='urn:example'/>")
    result = run("ubl", "read", bogus, cwd=REPO)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "expected a UBL 2.1 Invoice" in result.stderr
    missing = run("ubl", "read", tmp_path / "nope.xml", cwd=REPO)
    assert missing.returncode == 2 and "nope.xml" in missing.stderr
