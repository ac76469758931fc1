"""``ledgerpact ubl``: turn UBL 2.1 e-invoices into canonical Invoice/CreditNote JSON.

The same reader backs invoice capture; on the command line it lets a finance team check what
an e-invoice becomes in the canonical model, and whether its totals reconcile, before any
system relies on it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerpact.registry.cli_support import EXIT_FINDINGS, input_errors_exit_2, registry_option
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.output import to_json, write_atomic
from ledgerpact.registry.repository import Registry

if TYPE_CHECKING:
    from ledgerpact.registry.schema_store import SchemaStore

SCHEMAS = {"Invoice": "schemas/invoice/invoice.schema.json",
           "CreditNote": "schemas/credit-note/credit-note.schema.json"}


@click.group()
def ubl() -> None:
    """UBL 2.1 e-invoices (EN 16931 / Peppol BIS 3.0).

    \b
    Example:
      ledgerpact ubl read ../shared/corpora/en16931-ubl/ubl-tc434-example1.xml
    """


@ubl.command("read")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the canonical JSON here (atomically) instead of standard output.")
@input_errors_exit_2
def read_cmd(file: Path, registry_path: Path | None, output: Path | None) -> None:
    """Map a UBL Invoice or CreditNote to the canonical model, validate it against the
    registry's canonical schema and check that its totals reconcile to the cent.

    Exit 0 when it validates and reconciles, 1 when it does not (the problems are listed on
    standard error), 2 when the file is not a readable UBL document.

    \b
    Example:
      ledgerpact ubl read ../shared/corpora/en16931-ubl/ubl-tc434-example1.xml
      ledgerpact ubl read ../shared/corpora/en16931-ubl/ubl-tc434-creditnote1.xml -o cn.json
    """
    from ledgerpact.adapters.ubl import read_ubl, reconcile
    from ledgerpact.registry.schema_store import SchemaStore

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read file", file=str(file)) from None
    document = read_ubl(raw, source=str(file))
    contracts = Registry.open(registry_path).root / "contracts"
    store = SchemaStore(contracts)
    credit_codes = _credit_note_codes(store, contracts)
    kind = "CreditNote" if document.get("typeCode") in credit_codes else "Invoice"
    if SCHEMAS[kind] not in store.schemas:
        raise _missing(contracts, SCHEMAS[kind])
    problems = [f"{kind} schema at /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in store.iter_errors(SCHEMAS[kind], document)]
    problems += [f"totals: {p}" for p in reconcile(document)]
    text = to_json(document)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    for problem in problems:
        click.echo(f"{file}: {problem}", err=True)
    if problems:
        sys.exit(EXIT_FINDINGS)


def _missing(contracts: Path, rel: str, what: str = "") -> InputError:
    """The registry given lacks what the canonical mapping needs: say which file (and
    which part of it) instead of failing with a KeyError."""
    return InputError(f"the registry has no canonical schema {rel}{what} (ledgerpact ubl read "
                      "needs a registry with the canonical schemas; see --registry)",
                      file=str(contracts / rel))


def _credit_note_codes(store: SchemaStore, contracts: Path) -> list[str]:
    """UNTDID 1001 codes that make a UBL document a credit note, from the Invoice schema."""
    rel = SCHEMAS["Invoice"]
    schema = store.schemas.get(rel)
    if schema is None:
        raise _missing(contracts, rel)
    codes = schema.get("$defs", {}).get("CreditNoteTypeCode", {}).get("enum") \
        if isinstance(schema, dict) else None
    if not isinstance(codes, list):
        raise _missing(contracts, rel, " with $defs/CreditNoteTypeCode/enum")
    return [str(code) for code in codes]
