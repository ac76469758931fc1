"""QA findings on ``ledgerpact simulate``'s command line, ``--data``, state and admin API.

Each test is one finding: a ``--data`` folder the simulator reads nothing from, "did you
mean" that ignored the simulators' own names, the default state file following the current
folder, ``<input>`` in a busy-port error, journal filters that ignored typos and bad values,
and ``--reset`` wiping a state file another simulator was serving.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerpact.generators.simulators.behaviours import finance_data as fd
from ledgerpact.generators.simulators.server import bind, build
from ledgerpact.registry.errors import InputError
from tests.cli_helpers import run
from tests.test_sim_cli import REPO, Sim, start
from tests.test_sim_core import WIDGETS, TinyBehaviour, make_app, serve_in_thread

AUTH = {"Authorization": "Bearer qa"}


def _one_line_exit_2(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.fixture
def sims() -> Iterator[list[Sim]]:
    running: list[Sim] = []
    yield running
    for sim in running:
        if sim.proc.poll() is None:
            sim.proc.kill()
            sim.proc.wait(15)


@pytest.fixture(scope="module")
def suppliers() -> list[dict[str, object]]:
    return fd.reference_data(1)["suppliers"][:5]


# ------------------------------------------------------------ 1. --data reads something


@pytest.mark.parametrize(("layout", "expected"), [
    ({}, "no data file found"),
    ({"data/suppliers.json": "[]"}, "give --data"),
    ({"suppliers.txt": "x"}, "did you mean suppliers.json?"),
    ({"suppliers.csv": "supplierNumber\n"}, "did you mean suppliers.json?"),
    ({"suppliers.JSON": "[]"}, "did you mean suppliers.json?"),
])
def test_a_data_folder_the_simulator_reads_nothing_from_is_refused(
        tmp_path: Path, layout: dict[str, str], expected: str) -> None:
    folder = tmp_path / "mydata"
    folder.mkdir()
    for name, text in layout.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    line = _one_line_exit_2(run("simulate", "erp", "--in-memory", "--port", "0",
                                "--registry", REPO, "--data", folder, cwd=tmp_path))
    assert "mydata" in line and expected in line
    assert "suppliers" in line and ".json" in line  # the names it expects


def test_hidden_files_notes_and_sub_folders_are_not_data(tmp_path: Path,
                                                         suppliers: list[object]) -> None:
    (tmp_path / ".DS_Store").write_text("x")
    (tmp_path / "README.md").write_text("our test data")
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "old.txt").write_text("x")
    (tmp_path / "suppliers.json").write_text(json.dumps(suppliers))
    assert fd.data_files(tmp_path) == {"suppliers": tmp_path / "suppliers.json"}


def test_the_ready_line_says_which_data_lists_were_loaded(tmp_path: Path, sims: list[Sim],
                                                          suppliers: list[object]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "suppliers.json").write_text(json.dumps(suppliers))
    state = tmp_path / "erp.sqlite"
    sim = start("erp", "--port", "0", "--registry", REPO, "--state", state, "--data", data,
                cwd=tmp_path)
    sims.append(sim)
    assert f"  data: suppliers.json from {data} (other lists from --seed)" in sim.details
    with httpx.Client(base_url=sim.url, timeout=10, headers=AUTH) as c:
        assert c.get("/suppliers?limit=100").json()["items"] == suppliers
    assert sim.stop() == 0
    kept = start("erp", "--port", "0", "--registry", REPO, "--state", state, "--data", data,
                 cwd=tmp_path)
    sims.append(kept)
    assert any(line.startswith(f"  data: {data} not read: the state was kept")
               for line in kept.details), kept.details
    assert kept.stop() == 0


def test_data_for_a_contract_served_generically_is_refused(tmp_path: Path,
                                                           suppliers: list[object]) -> None:
    (tmp_path / "suppliers.json").write_text(json.dumps(suppliers))
    line = _one_line_exit_2(run("simulate", "erp-finance", "--in-memory", "--port", "0",
                                "--registry", REPO, "--data", tmp_path, cwd=tmp_path))
    assert "served generically" in line and "--data is for erp" in line


# ------------------------------------------------------------ 2. did you mean


@pytest.mark.parametrize(("target", "meant"), [
    ("erpp", "did you mean erp?"),
    ("ERP", "did you mean erp?"),
    ("sap-s4hanna", "did you mean sap-s4hana?"),
    ("netsuit", "did you mean netsuite?"),
    ("Tax-Engine", "did you mean tax-engine?"),
    ("erp-financ", "did you mean erp-finance?"),  # no simulator is close: the contract ids
])
def test_did_you_mean_prefers_the_simulators_names(tmp_path: Path, target: str,
                                                   meant: str) -> None:
    line = _one_line_exit_2(run("simulate", target, "--in-memory", "--port", "0",
                                "--registry", REPO, cwd=tmp_path))
    assert f"no contract {target!r}" in line and line.endswith(meant), line


# ------------------------------------------------------------ 3. default state file


def test_the_default_state_lies_under_the_registry_root(widgets_registry: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """Started from a sub-folder, the simulator finds the registry above it; its state must
    be that registry's too, or a restart from another folder starts a new world."""
    monkeypatch.chdir(widgets_registry / "contracts" / "widgets")
    sim = build("widgets", seed=1, events=[])
    try:
        assert sim.state_path == widgets_registry / ".ledgerpact" / "simulators" / \
            "widgets.sqlite"
    finally:
        sim.close()
    assert not (widgets_registry / "contracts" / "widgets" / ".ledgerpact").exists()
    given = widgets_registry / "contracts" / "mine.sqlite"
    sim = build("widgets", seed=1, events=[], state=Path("../mine.sqlite"))
    try:
        assert sim.state_path == Path("../mine.sqlite") and given.is_file()  # as given
    finally:
        sim.close()


# ------------------------------------------------------------ 4. busy port, bad host


def test_a_busy_port_names_the_option_and_suggests_port_0(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        line = _one_line_exit_2(run("simulate", "erp", "--in-memory", "--port", port,
                                    "--registry", REPO, cwd=tmp_path))
    assert line.startswith(f"error: --port {port}: cannot listen on 127.0.0.1:{port}")
    assert "<input>" not in line and "--port 0" in line


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_a_bad_host_names_the_option(host: str) -> None:
    with pytest.raises(InputError) as caught:
        bind(host, 0)
    assert str(caught.value).startswith(f"--host {host}: cannot listen on {host}:0")


# ------------------------------------------------------------ 5. journal filters


@pytest.fixture
def widgets() -> Iterator[httpx.Client]:
    app = make_app(WIDGETS, TinyBehaviour(), seed=3)
    stop, port = serve_in_thread(app)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        client.get("/widgets/search")
        client.get("/widgets?limit=0", headers={"X-Tenant": "acme"})  # a violation
        yield client
    stop()
    app.store.close()


@pytest.mark.parametrize(("params", "expected"), [
    ({"operationID": "searchWidgets"}, "did you mean operationId?"),
    ({"Status": "200"}, "did you mean status?"),
    ({"violations": "maybe"}, "violations must be true or false"),
    ({"fault": "yes"}, "fault must be true or false"),
    ({"status": "abc"}, "status must be an HTTP status code"),
    ({"status": "2000"}, "status must be an HTTP status code"),
])
def test_journal_filters_refuse_typos_and_bad_values(widgets: httpx.Client,
                                                     params: dict[str, str],
                                                     expected: str) -> None:
    r = widgets.get("/__admin/journal", params=params)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert expected in r.json()["detail"]


def test_journal_flags_filter_both_ways(widgets: httpx.Client) -> None:
    assert widgets.get("/__admin/journal", params={"violations": "true"}).json()["count"] == 1
    assert widgets.get("/__admin/journal", params={"violations": "false"}).json()[
        "count"] == 1
    assert widgets.get("/__admin/journal", params={"fault": "false"}).json()["count"] == 2
    assert widgets.get("/__admin/journal", params={"status": " 400 "}).json()["count"] == 1


def test_admin_endpoints_refuse_parameters_they_do_not_read(widgets: httpx.Client) -> None:
    """``DELETE /__admin/journal?path=/x`` would clear the whole journal."""
    r = widgets.delete("/__admin/journal", params={"path": "/widgets"})
    assert r.status_code == 400 and "takes no query parameters" in r.json()["detail"]
    assert widgets.get("/__admin/journal").json()["count"] == 2  # nothing was cleared
    r = widgets.get("/__admin/events", params={"aftr": "1"})
    assert r.status_code == 400 and "did you mean after?" in r.json()["detail"]


# ------------------------------------------------------------ 7. --reset of a shared state


def _start_on(state: Path, cwd: Path, *extra: str) -> Sim:
    return start("erp", "--port", "0", "--registry", REPO, "--state", state, *extra, cwd=cwd)


def test_reset_is_refused_while_another_simulator_serves_the_state(tmp_path: Path,
                                                                   sims: list[Sim]) -> None:
    state = tmp_path / "erp.sqlite"
    first = _start_on(state, tmp_path)
    sims.append(first)
    with httpx.Client(base_url=first.url, timeout=10, headers=AUTH) as c:
        number = c.get("/suppliers").json()["items"][0]["supplierNumber"]
        changed = c.post("/__admin/actions/set-supplier-status",
                         json={"supplierNumber": number, "status": "blocked",
                               "reason": "QA"})
        assert changed.status_code == 200, changed.text

    line = _one_line_exit_2(run("simulate", "erp", "--port", "0", "--registry", REPO,
                                "--state", state, "--reset", cwd=tmp_path))
    assert "--reset refused" in line and str(state) in line
    with httpx.Client(base_url=first.url, timeout=10, headers=AUTH) as c:
        assert c.get(f"/suppliers/{number}").json()["status"] == "blocked"  # not wiped

    second = _start_on(state, tmp_path)  # sharing is allowed, and said
    sims.append(second)
    assert second.stop() == 0
    assert second.proc.stderr is not None
    note = second.proc.stderr.read()
    assert "note:" in note and "another live simulator is serving this state file" in note
    assert first.proc.poll() is None
    assert first.stop() == 0
    assert first.proc.stderr is not None and "note:" not in first.proc.stderr.read()


def test_a_killed_simulator_does_not_block_reset(tmp_path: Path, sims: list[Sim]) -> None:
    state = tmp_path / "erp.sqlite"
    first = _start_on(state, tmp_path)
    sims.append(first)
    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait(15)
    again = _start_on(state, tmp_path, "--reset")
    sims.append(again)
    assert any("(new, seeded)" in line for line in again.details)
    assert again.stop() == 0
    assert again.proc.stderr is not None and "note:" not in again.proc.stderr.read()

