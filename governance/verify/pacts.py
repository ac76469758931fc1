"""Provider verification of one pact file with the real Pact core (pact-python 4).

HTTP interactions are replayed against the adapter's URL; message interactions are
produced by ``MessageSource``; provider states go to the environment's state endpoint. The
core prints its own report to the process's stdout and logs to stderr from native code, so
both file descriptors are pointed at a scratch file while it runs: ``ledgerpact verify``'s
output is its own report, one line per mismatch, in every format.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from ledgerpact.governance.verify.environment import Environment
from ledgerpact.governance.verify.messages import MessageSource
from ledgerpact.governance.verify.outcome import (
    InteractionResult,
    check_injections,
    read_results,
)

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # no usage statistics from CI


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """stdout and stderr (the descriptors, as native code writes to them) to a scratch
    file for the duration."""
    with tempfile.TemporaryFile() as scratch:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(scratch.fileno(), 1)
            os.dup2(scratch.fileno(), 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def verify_pact(path: str, document: Mapping[str, Any], provider: str, env: Environment,
                messages: MessageSource | None) -> tuple[list[InteractionResult], list[str]]:
    """Run the Pact core over the pact at ``path`` (a file on disk); per-interaction results
    and failures not tied to an interaction."""
    from pact import Verifier

    verifier = Verifier(provider, host="127.0.0.1")
    verifier.add_transport(url=env.adapter_url)
    if messages is not None:
        verifier.message_handler(messages.produce)
    verifier.state_handler(env.state_url, teardown=True, body=True)
    verifier.set_request_timeout(30_000)
    verifier.add_source(path)
    # A failed verification raises RuntimeError: the results say what failed.
    with _quiet(), contextlib.suppress(RuntimeError):
        verifier.verify()
    results = verifier.results
    failures = messages.failures if messages is not None else {}
    interactions, errors = read_results(document, results, env.state_log.reason, failures)
    check_injections(document, interactions, env.state_log.names)
    return interactions, errors
