"""Every named simulator starts from any folder when ``--registry`` names the registry.

The finance behaviours read other contracts than the one they serve (the ERP reference data
comes from erp-finance, the lifecycle from approval-state); they must read them from the
registry the user named, not from the folder the simulator happens to be started in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "ledgerpact"


@pytest.mark.parametrize("target", ["erp", "invoice-automation", "tax-engine"])
def test_named_simulator_starts_outside_the_registry(target: str, tmp_path: Path) -> None:
    proc = subprocess.Popen([str(BIN), "simulate", target, "--registry", str(REPO), "--port",
                             "0", "--in-memory"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.startswith(f"ledgerpact simulate: {target} "), (
            ready + (proc.stderr.read() if proc.poll() is not None and proc.stderr else ""))
        assert "listening on http://127.0.0.1:" in ready
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not list(tmp_path.iterdir()), "an in-memory simulator wrote into the folder"
