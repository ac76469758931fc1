"""The invoice lifecycle, read from the approval-state schema's ``x-state-machine``.

The registry publishes the machine so that simulators, workflow engines and tests share one
set of rules; hard-coding transitions here would let the simulator drift from the contract
the day someone adds a state. The machine is checked for consistency when it is loaded, so a
broken contract fails at start-up with a located error instead of answering wrongly later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerpact.registry.errors import InputError

CONTRACT_ID = "approval-state"
_POINTER = "/x-state-machine"


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    target: str
    event: str


class IllegalTransition(Exception):
    """An event the machine does not allow from ``state``; carries what is allowed instead."""

    def __init__(self, state: str, event: str, allowed: list[str]) -> None:
        shown = ", ".join(allowed) if allowed else "none (terminal state)"
        super().__init__(f"event {event!r} is not allowed in state {state!r}; allowed: {shown}")
        self.state = state
        self.event = event
        self.allowed = allowed


@dataclass(frozen=True)
class Lifecycle:
    initial: str
    terminal: frozenset[str]
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]

    @classmethod
    def from_registry(cls, root: Path | None = None) -> Lifecycle:
        """The machine of the registry's approval-state contract (nearest registry if None)."""
        from ledgerpact.registry.cli_support import catalog_for, open_registry

        ws = open_registry(root).workspace()
        entry = catalog_for(ws).get(CONTRACT_ID)
        document = ws.document(entry.document_path).data
        return cls.from_schema(document, source=entry.document_path)

    @classmethod
    def from_schema(cls, schema: Any, source: str = "<approval-state>") -> Lifecycle:
        """Build and check the machine held in a schema document's ``x-state-machine``."""
        machine = schema.get("x-state-machine") if isinstance(schema, Mapping) else None
        if not isinstance(machine, Mapping):
            raise InputError("no x-state-machine object", file=source, pointer=_POINTER)
        states = _state_names(machine, source)
        initial = machine.get("initial")
        terminal = machine.get("terminal", [])
        if not isinstance(initial, str) or initial not in states:
            raise InputError(f"initial state {initial!r} is not a declared state; expected one "
                             f"of {', '.join(states)}", file=source, pointer=f"{_POINTER}/initial")
        if not isinstance(terminal, list) or any(t not in states for t in terminal):
            raise InputError(f"terminal states {terminal!r} must be a list of declared states",
                             file=source, pointer=f"{_POINTER}/terminal")
        transitions = _transitions(machine, states, set(terminal), source)
        return cls(initial, frozenset(terminal), tuple(states), transitions)

    def allowed(self, state: str) -> list[str]:
        """The events that may happen in ``state``, in the contract's order."""
        return [t.event for t in self.transitions if t.source == state]

    def apply(self, state: str, event: str) -> str:
        """The state after ``event`` in ``state``; IllegalTransition if the machine forbids it."""
        for transition in self.transitions:
            if transition.source == state and transition.event == event:
                return transition.target
        raise IllegalTransition(state, event, self.allowed(state))

    def event_to(self, state: str, target: str) -> str | None:
        """The event that moves ``state`` to ``target``, if the machine has one."""
        for transition in self.transitions:
            if transition.source == state and transition.target == target:
                return transition.event
        return None

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal


def _state_names(machine: Mapping[str, Any], source: str) -> list[str]:
    raw = machine.get("states")
    if not isinstance(raw, list) or not raw:
        raise InputError("states must be a non-empty list", file=source,
                         pointer=f"{_POINTER}/states")
    names: list[str] = []
    for index, state in enumerate(raw):
        name = state.get("name") if isinstance(state, Mapping) else state
        if not isinstance(name, str) or not name or name in names:
            raise InputError(f"state {name!r} must be a unique non-empty name", file=source,
                             pointer=f"{_POINTER}/states/{index}")
        names.append(name)
    return names


def _transitions(machine: Mapping[str, Any], states: list[str], terminal: set[str],
                 source: str) -> tuple[Transition, ...]:
    raw = machine.get("transitions")
    if not isinstance(raw, list):
        raise InputError("transitions must be a list", file=source,
                         pointer=f"{_POINTER}/transitions")
    found: list[Transition] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(raw):
        pointer = f"{_POINTER}/transitions/{index}"
        if not isinstance(item, Mapping):
            raise InputError("a transition must be an object", file=source, pointer=pointer)
        source_state, target, event = item.get("from"), item.get("to"), item.get("event")
        for key, value in (("from", source_state), ("to", target)):
            if value not in states:
                raise InputError(f"{key} state {value!r} is not declared in states",
                                 file=source, pointer=f"{pointer}/{key}")
        if not isinstance(event, str) or not event:
            raise InputError("event must be a non-empty string", file=source,
                             pointer=f"{pointer}/event")
        if source_state in terminal:
            raise InputError(f"terminal state {source_state!r} has an exit ({event})",
                             file=source, pointer=f"{pointer}/from")
        if (str(source_state), event) in seen:
            raise InputError(f"event {event!r} leaves {source_state!r} twice (the machine must "
                             "be deterministic)", file=source, pointer=f"{pointer}/event")
        seen.add((str(source_state), event))
        found.append(Transition(str(source_state), str(target), event))
    return tuple(found)
