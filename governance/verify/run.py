"""``verify_adapter``: the whole verification of one adapter, as a Python API.

Reads everything first (manifest, providers in the contracts' metadata, the pacts, the
adapter's code compared with the installed package, the state handlers), so bad input is
refused before any server starts; then starts the environment, verifies each consumer's
latest pact with each contract the adapter provides, runs Schemathesis against
``erp-finance``, stops everything, and writes one verification record per pact, failed ones
too (a broker records failures: they decide can-i-deploy). Schemathesis is part of the
outcome: a record says passed only if its pact and the run's property tests passed, so a
partial run (``only``) writes no record.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledgerpact.governance.deploy.matrix import latest_pacts
from ledgerpact.governance.deploy.records import (
    Pact,
    VerificationRecord,
    contract_providers,
    load_pacts,
    load_records,
    read_pact,
    write_record,
)
from ledgerpact.governance.verify.environment import Environment, ServiceFactory
from ledgerpact.governance.verify.manifest import (
    Manifest,
    check_code,
    check_providers,
    choose,
    load_manifests,
    resolve,
)
from ledgerpact.governance.verify.messages import MessageSource, message_names
from ledgerpact.governance.verify.outcome import PactResult, PropertyResult, VerifyReport
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.workspace import Workspace

DEFAULT_EXAMPLES = 5
VERIFIER_TOOL = "pact-python"
ONLY = ("pacts", "schemathesis")


def _check_vendor(ws: Workspace, manifest: Manifest) -> None:
    """The simulator must serve the vendor contract the manifest names, and that contract
    must be in the registry: otherwise the adapter is verified against some other API."""
    from ledgerpact.generators.simulators.behaviours import BEHAVIOUR_CONTRACTS
    from ledgerpact.generators.simulators.server import resolve_target
    from ledgerpact.registry.catalog import find_entry

    served, behaviour = resolve_target(manifest.vendor_simulator)
    if behaviour is None and manifest.vendor_simulator not in BEHAVIOUR_CONTRACTS and \
            find_entry(ws, manifest.vendor_simulator) is None:
        raise InputError(f"vendor simulator {manifest.vendor_simulator!r} is no simulator "
                         f"target (known: {', '.join(sorted(BEHAVIOUR_CONTRACTS))}, or a "
                         "contract id)", file=manifest.path, pointer="/vendor/simulator")
    if served != manifest.vendor_contract:
        raise InputError(f"vendor simulator {manifest.vendor_simulator!r} serves {served}, "
                         f"not {manifest.vendor_contract}", file=manifest.path,
                         pointer="/vendor")
    if find_entry(ws, manifest.vendor_contract) is None:
        raise InputError(f"vendor contract {manifest.vendor_contract!r} is not in the "
                         "registry", file=manifest.path, pointer="/vendor/contract")


def _accepts(function: Any, *args: Any, **kwargs: Any) -> bool:
    """Whether ``function`` can be called so (its signature binds), without calling it."""
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return False
    return True


def _handlers(manifest: Manifest) -> Mapping[str, Any]:
    handlers = resolve(manifest, "states")
    if not isinstance(handlers, Mapping) or not handlers or not all(
            isinstance(name, str) and callable(h) and _accepts(h, {}, None)
            for name, h in handlers.items()):
        raise InputError(f"states {manifest.states!r} must be a mapping of state names to "
                         "functions of (params, env)", file=manifest.path, pointer="/states")
    return handlers


def _service(manifest: Manifest) -> ServiceFactory:
    factory = resolve(manifest, "service")
    if isinstance(factory, type) or not callable(factory) or \
            not _accepts(factory, "http://127.0.0.1:1", registry=Path(), events=[]):
        raise InputError(f"service {manifest.service!r} must be a function "
                         "build(vendor_url, *, registry, events, auth) returning the adapter's "
                         "ASGI app", file=manifest.path, pointer="/service")
    return checked_service(factory, manifest)


def checked_service(factory: ServiceFactory, manifest: Manifest) -> ServiceFactory:
    """``factory``, refusing an answer that is no ASGI app (InputError, not a traceback)."""

    def build(vendor_url: str, **kwargs: Any) -> Any:
        app = factory(vendor_url, **kwargs)
        if not callable(app):
            raise InputError(f"service {manifest.service!r} returned a "
                             f"{type(app).__name__}, not an ASGI app", file=manifest.path,
                             pointer="/service")
        return app

    return build


def _type_names(app: Any, root: Path) -> dict[str, str]:
    """CloudEvents type -> finance-events message name, from the adapter's own compiled
    contract when it is a SimulatorApp (compiling it again costs a second)."""
    factory = getattr(app, "events", None)
    if factory is None or not hasattr(factory, "messages"):
        from ledgerpact.generators.simulators.events.envelope import EventFactory

        factory = EventFactory.from_registry("ledgerpact-verify", root)
    return {spec.event_type: spec.name for spec in factory.messages.values()}


def _tool_version() -> str:
    from pact import __version__

    return str(__version__)


def _properties_summary(props: PropertyResult) -> dict[str, Any]:
    return {"contract": props.contract, "passed": props.passed,
            "operations": list(props.operations), "checks": list(props.checks),
            "cases": props.cases,
            "failures": [f.splitlines()[0] for f in props.failures]}


def verify_adapter(registry: Path | None, adapter: str | None, *, seed: int = 1,
                   examples: int = DEFAULT_EXAMPLES, only: str | None = None,
                   record: bool = True, service: ServiceFactory | None = None,
                   enable_pending: bool = False,
                   clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                   ) -> VerifyReport:
    """Verify ``adapter`` (a registered participant name). ``service`` replaces the
    manifest's service factory (same signature: the mutation tests build broken variants
    with it); the pacts, states and records stay the adapter's. With ``enable_pending``
    failures of pending pacts do not fail the run (they are reported and recorded)."""
    from ledgerpact.registry.cli_support import open_registry

    if only not in (None, *ONLY):
        raise InputError(f"--only must be one of {', '.join(ONLY)}")
    reg = open_registry(registry)
    root = reg.root
    ws = reg.workspace(None)
    manifests = load_manifests(ws)
    manifest = choose(manifests, adapter)
    versions = check_providers(ws, manifest, manifests)
    every = load_pacts(ws)
    pacts: list[Pact] = []
    if only != "schemathesis":
        pacts = [p for contract in manifest.provides for p in latest_pacts(every, contract)]
    documents = {p.path: read_pact(ws, p) for p in pacts}
    records = load_records(ws)  # successes of any registered provider decide pending
    providers = contract_providers(ws, every)
    _check_vendor(ws, manifest)
    code = check_code(root, manifest)  # before anything of the adapter is imported
    factory = checked_service(service, manifest) if service is not None else \
        _service(manifest)
    handlers = _handlers(manifest)
    names = {p.path: message_names(documents[p.path]) for p in pacts}
    run_props = only != "pacts" and "erp-finance" in manifest.provides
    problems: list[str] = []
    if only != "schemathesis" and not pacts:
        problems.append("no pact names a contract this adapter provides ("
                        f"{', '.join(manifest.provides)}): nothing was verified")
    if only == "schemathesis" and not run_props:
        problems.append("Schemathesis runs against erp-finance, which this adapter does not "
                        "provide: nothing was verified")
    results: list[PactResult] = []
    properties: PropertyResult | None = None
    if pacts or run_props:
        with Environment(vendor_simulator=manifest.vendor_simulator, service=factory,
                         handlers=handlers, registry=root, seed=seed) as env:
            from ledgerpact.governance.verify.pacts import verify_pact

            type_names = _type_names(env.app, root) if any(names.values()) else {}
            for pact in pacts:
                source = MessageSource(env.adapter_url, env.sink_path, names[pact.path],
                                       type_names, env.marks) if names[pact.path] else None
                interactions, errors = verify_pact(str(root / pact.path),
                                                   documents[pact.path], pact.provider, env,
                                                   source)
                prior = [r for who in providers.get(pact.provider, [pact.provider])
                         for r in records if r.provider == who and r.passed
                         and r.consumer == pact.consumer and r.pact_provider == pact.provider
                         and r.pact_sha256 == pact.sha256]
                results.append(PactResult(pact.consumer, pact.consumer_version,
                                          pact.provider, pact.path, pact.sha256,
                                          versions[pact.provider], interactions, not prior,
                                          errors))
            if run_props:
                from ledgerpact.governance.verify.properties import run_properties

                properties = run_properties(env.adapter_url, root, seed=seed,
                                            examples=examples)
    report = VerifyReport(manifest.name, manifest.version, manifest.vendor_simulator, seed,
                          results, properties, pacts_run=only != "schemathesis",
                          enable_pending=enable_pending, problems=problems, code_sha256=code)
    if record and only is not None:
        report.notes.append(f"no verification records written: --only {only} is a partial "
                            "verification")
    elif record:
        summary = _properties_summary(properties) if properties is not None else None
        props_ok = properties is None or properties.passed
        for result in results:
            written = write_record(root, VerificationRecord(
                result.consumer, result.consumer_version, manifest.name, manifest.version,
                result.provider, result.contract_version, result.path, result.sha256,
                "passed" if result.passed and props_ok else "failed", clock(), VERIFIER_TOOL,
                _tool_version(), result.pending, code, summary))
            result.record = written.relative_to(root).as_posix()
    return report
