"""The invoice lifecycle is the approval-state x-state-machine, read from the registry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.simulators.behaviours.lifecycle import IllegalTransition, Lifecycle
from ledgerpact.registry.errors import InputError

SCHEMA = Path("contracts/schemas/approval-state/approval-state.schema.json")


@pytest.fixture(scope="module")
def raw_machine(repo_root: Path) -> dict[str, Any]:
    machine: dict[str, Any] = json.loads((repo_root / SCHEMA).read_text())["x-state-machine"]
    return machine


@pytest.fixture(scope="module")
def lifecycle(repo_root: Path) -> Lifecycle:
    return Lifecycle.from_registry(repo_root)


def test_initial_terminal_and_states_come_from_the_schema(
        lifecycle: Lifecycle, raw_machine: dict[str, Any]) -> None:
    assert lifecycle.initial == raw_machine["initial"]
    assert lifecycle.terminal == frozenset(raw_machine["terminal"])
    assert list(lifecycle.states) == [s["name"] for s in raw_machine["states"]]


def test_every_declared_transition_is_legal(lifecycle: Lifecycle,
                                            raw_machine: dict[str, Any]) -> None:
    for transition in raw_machine["transitions"]:
        assert lifecycle.apply(transition["from"], transition["event"]) == transition["to"]
        assert transition["event"] in lifecycle.allowed(transition["from"])


def test_every_other_state_event_pair_is_illegal(lifecycle: Lifecycle,
                                                 raw_machine: dict[str, Any]) -> None:
    declared = {(t["from"], t["event"]) for t in raw_machine["transitions"]}
    events = {t["event"] for t in raw_machine["transitions"]}
    illegal = [(s, e) for s in lifecycle.states for e in sorted(events) if (s, e) not in declared]
    assert illegal  # the machine is not complete, so there is something to refuse
    for state, event in illegal:
        with pytest.raises(IllegalTransition) as caught:
            lifecycle.apply(state, event)
        assert caught.value.state == state
        assert caught.value.event == event
        assert caught.value.allowed == [t["event"] for t in raw_machine["transitions"]
                                        if t["from"] == state]


def test_terminal_states_have_no_exits(lifecycle: Lifecycle) -> None:
    assert lifecycle.terminal
    for state in lifecycle.terminal:
        assert lifecycle.allowed(state) == []
        with pytest.raises(IllegalTransition) as caught:
            lifecycle.apply(state, "approval-granted")
        assert "terminal" in str(caught.value)


def _schema(machine: dict[str, Any]) -> dict[str, Any]:
    return {"x-state-machine": machine}


def test_a_transition_to_an_undeclared_state_is_refused(raw_machine: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw_machine)
    broken["transitions"].append({"from": "received", "to": "archived", "event": "archive"})
    with pytest.raises(InputError) as caught:
        Lifecycle.from_schema(_schema(broken), source="approval-state.schema.json")
    index = len(broken["transitions"]) - 1
    assert caught.value.pointer == f"/x-state-machine/transitions/{index}/to"
    assert "archived" in caught.value.message


def test_a_terminal_state_with_an_exit_is_refused(raw_machine: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw_machine)
    terminal = broken["terminal"][0]
    broken["transitions"].append({"from": terminal, "to": "received", "event": "reopen"})
    with pytest.raises(InputError) as caught:
        Lifecycle.from_schema(_schema(broken))
    assert "terminal" in caught.value.message and terminal in caught.value.message


def test_an_undeclared_initial_state_is_refused(raw_machine: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw_machine)
    broken["initial"] = "draft"
    with pytest.raises(InputError) as caught:
        Lifecycle.from_schema(_schema(broken))
    assert caught.value.pointer == "/x-state-machine/initial"


def test_an_ambiguous_event_is_refused(raw_machine: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw_machine)
    first = broken["transitions"][0]
    broken["transitions"].append({"from": first["from"], "to": broken["terminal"][0],
                                  "event": first["event"]})
    with pytest.raises(InputError, match="twice"):
        Lifecycle.from_schema(_schema(broken))
