"""Commits postings to a simulator store until killed, for the kill -9 test.

Each posting is what a behaviour does: claim the Idempotency-Key, then in ONE transaction take
the next posting number, write the entity, queue its outbox event and finish the key. The line
``done KEY`` is printed (and flushed) only after the commit returned: a printed key is an
acknowledged posting. ``replay KEY`` means the key had already committed (a retried request).

``--hang-after N``: after N postings of this run, the next one writes its entity, prints
``open KEY`` and sleeps inside the transaction, so a kill lands half way through it for sure.

Usage: python sim_store_writer.py STATE_FILE FIRST_KEY [--hang-after N]
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from itertools import count
from pathlib import Path

from ledgerpact.generators.simulators.idempotency import IdempotencyLedger
from ledgerpact.generators.simulators.messages import SimResponse
from ledgerpact.generators.simulators.store import Store

SCOPE = "postInvoice"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("state", type=Path)
    parser.add_argument("first", type=int)
    parser.add_argument("--hang-after", type=int, default=None)
    args = parser.parse_args()
    store = Store.open(args.state)
    ledger = IdempotencyLedger(store)
    posted = 0
    for i in count(args.first):
        key = f"key-{i:06d}"
        claim = ledger.begin(SCOPE, key, f"fp-{i}")
        if claim.outcome == "replay":
            print(f"replay {key}", flush=True)
            continue
        if claim.outcome != "new":
            sys.exit(f"unexpected outcome {claim.outcome} for {key}")
        try:
            with store.transaction():
                number = store.next_number("posting")
                amount = Decimal(i) + Decimal("0.50")
                store.put("posting", key, {"key": key, "number": number, "amount": amount})
                if args.hang_after is not None and posted >= args.hang_after:
                    print(f"open {key}", flush=True)
                    time.sleep(3600)  # killed here, half way through the transaction
                store.outbox_add({"key": key, "number": number, "amount": amount})
                ledger.finish(claim, SimResponse(201, {"postingNumber": number,
                                                       "amount": amount}))
        finally:
            ledger.release(claim)
        posted += 1
        print(f"done {key}", flush=True)


if __name__ == "__main__":
    main()
