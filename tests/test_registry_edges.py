"""Edge cases found in review: nothing fetched, names that look like keywords, registries in
odd places, one broken contract among good ones."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import commit_all, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]


def _contract(root: Path, contract_id: str, text: str, extra: dict[str, str] | None = None
              ) -> Path:
    folder = root / "contracts" / contract_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.yaml").write_text(text)
    for name, content in (extra or {}).items():
        (folder / name).write_text(content)
    write_metadata(folder, contract_id, "openapi", "openapi.yaml")
    return folder


@pytest.fixture
def http_log() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'{"type": "string"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_ref_in_a_default_value_is_never_fetched(tmp_path: Path,
                                                 http_log: tuple[str, list[str]]) -> None:
    base, seen = http_log
    secret = tmp_path / "secret.json"
    secret.write_text('{"secret": "s3cr3t-token"}')
    api = f"""\
openapi: 3.1.0
info: {{title: Leak, version: 1.0.0}}
paths: {{}}
components:
  schemas:
    FromFile: {{type: integer, default: {{$ref: "file://{secret}"}}}}
    FromWeb: {{type: integer, default: {{$ref: "{base}/default.json"}}}}
"""
    root = init_repo(tmp_path / "reg")
    _contract(root, "leak", api)
    commit_all(root, "leak")
    for command in (["registry", "validate", "leak"], ["registry", "release", "leak",
                                                        "--dry-run"]):
        result = run(*command, "--registry", root)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "nothing is ever fetched" in result.stderr
        assert "s3cr3t" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert seen == []


def test_properties_named_like_keywords_are_bundled(tmp_path: Path) -> None:
    api = """\
openapi: 3.1.0
info: {title: Names, version: 1.0.0}
paths: {}
components:
  schemas:
    Attachment:
      type: object
      properties:
        content: {$ref: "shared.yaml#/Blob"}
        headers: {$ref: "shared.yaml#/Blob"}
        example: {$ref: "shared.yaml#/Blob"}
        x-id: {$ref: "shared.yaml#/Blob"}
      discriminator:
        propertyName: kind
        mapping: {blob: "shared.yaml#/Blob", plain: Attachment}
    Amount:
      $ref: ../schemas/m.schema.json
      description: The contract's own words
"""
    root = tmp_path / "reg"
    _contract(root, "names", api, {"shared.yaml": "Blob: {type: string}\n"})
    schemas = root / "contracts" / "schemas"
    schemas.mkdir()
    (schemas / "m.schema.json").write_text(json.dumps(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "M",
         "description": "the file's words", "type": "string"}))
    result = run("registry", "bundle", "names", "--registry", root, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "shared.yaml" not in result.stdout and "m.schema.json" not in result.stdout
    doc = json.loads(result.stdout)["components"]["schemas"]
    props = doc["Attachment"]["properties"]
    assert {p["$ref"] for p in props.values()} == {"#/components/schemas/Blob"}
    assert doc["Attachment"]["discriminator"]["mapping"] == {
        "blob": "#/components/schemas/Blob", "plain": "Attachment"}
    assert doc["Amount"]["description"] == "The contract's own words"


def test_refs_into_dot_git_are_refused(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _contract(root, "peek", "openapi: 3.1.0\ninfo: {title: P, version: 1.0.0}\npaths: {}\n"
              "components:\n  schemas:\n    S: {$ref: '../../.git/HEAD'}\n")
    commit_all(root, "peek")
    result = run("registry", "bundle", "peek", "--registry", root)
    assert result.returncode == 2
    assert "inside .git" in result.stderr


def test_no_registry_is_an_error_not_a_pass(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    for command in (["registry", "validate"], ["registry", "list"]):
        result = run(*command, "--registry", empty)
        assert result.returncode == 2, command
        assert "no contracts/ folder" in result.stderr
    (empty / "contracts").mkdir()
    result = run("registry", "validate", "--registry", empty)
    assert result.returncode == 2
    assert "no contracts to validate" in result.stderr


def test_a_file_inside_the_registry_validates_by_path() -> None:
    result = run("registry", "validate", "contracts/erp-finance/openapi.yaml", cwd=REPO)
    assert result.returncode == 0, result.stderr
    sub = run("registry", "list", "--format", "json", cwd=REPO / "contracts" / "erp-finance")
    assert sub.returncode == 0 and "erp-finance" in sub.stdout


GOOD = "openapi: 3.1.0\ninfo: {title: G, version: 1.0.0}\npaths: {}\n"


def test_one_broken_contract_does_not_block_the_others(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    _contract(root, "good", GOOD)
    broken = _contract(root, "broken", GOOD)
    meta = (broken / "contract.yaml").read_text()
    (broken / "contract.yaml").write_text(meta + "owner: typo\n")
    assert run("registry", "bundle", "good", "--registry", root).returncode == 0
    assert run("registry", "show", "good", "--registry", root).returncode == 0
    listed = run("registry", "list", "--registry", root, "--format", "json")
    assert listed.returncode == 2
    assert [e["id"] for e in json.loads(listed.stdout)] == ["good"]
    assert "unknown field 'owner'" in listed.stderr
    validated = run("registry", "validate", "--registry", root)
    assert validated.returncode == 2
    assert "contracts/broken/contract.yaml" in validated.stderr
    assert "unknown field 'owner'" in run("registry", "show", "broken", "--registry",
                                          root).stderr


def test_removed_contract_keeps_its_releases(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _contract(root, "gone", GOOD)
    _contract(root, "kept", GOOD)
    commit_all(root, "two contracts")
    assert run("registry", "release", "gone", "--registry", root).returncode == 0
    shutil.rmtree(root / "contracts" / "gone")
    commit_all(root, "remove gone")
    versions = run("registry", "versions", "gone", "--registry", root, "--format", "json")
    assert versions.returncode == 0, versions.stderr
    assert [v["version"] for v in json.loads(versions.stdout)] == ["1.0.0"]
    show = run("registry", "show", "gone", "--registry", root)
    assert show.returncode == 2 and "has releases 1.0.0" in show.stderr
    assert run("registry", "get", "gone@1.0.0", "--registry", root).returncode == 0


def test_registry_in_a_subfolder_of_a_git_repository(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "mono")
    root = repo / "platform" / "registry"
    _contract(root, "sub", GOOD)
    commit_all(repo, "registry inside a monorepo")
    release = run("registry", "release", "sub", "--registry", root)
    assert release.returncode == 0, release.stderr
    got = run("registry", "get", "sub@1.0.0", "--registry", root, "--format", "json")
    assert got.returncode == 0, got.stderr
    assert [f["path"] for f in json.loads(got.stdout)["files"]] == [
        "contracts/sub/contract.yaml", "contracts/sub/openapi.yaml"]
    inside = run("registry", "versions", "sub", cwd=root / "contracts")
    assert inside.returncode == 0 and "sub/v1.0.0" in inside.stdout


def test_nested_schema_examples_are_validated(tmp_path: Path) -> None:
    api = """\
openapi: 3.1.0
info: {title: Ex, version: 1.0.0}
paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        total:
          type: string
          pattern: "^[0-9]+\\\\.[0-9]{2}$"
          examples: ["12.5"]
        due:
          type: string
          format: date
          example: "31/12/2026"
"""
    root = tmp_path / "reg"
    _contract(root, "ex", api)
    result = run("registry", "validate", "ex", "--registry", root, "--format", "json")
    assert result.returncode == 1, result.stderr
    pointers = {f["pointer"] for f in json.loads(result.stdout)["findings"]}
    assert pointers == {"/components/schemas/Invoice/properties/total/examples/0",
                        "/components/schemas/Invoice/properties/due/example"}


def test_a_broken_contract_named_as_the_target_is_reported_once(tmp_path: Path) -> None:
    """The catalog's error and the lookup of the named target are the same error: one line."""
    root = tmp_path / "reg"
    _contract(root, "good", GOOD)
    broken = _contract(root, "fx-rates", GOOD)
    meta = (broken / "contract.yaml").read_text()
    (broken / "contract.yaml").write_text(meta.replace("id: fx-rates", "id: fx-rate"))
    validated = run("registry", "validate", "fx-rates", "--registry", root)
    assert validated.returncode == 2
    lines = validated.stderr.strip().splitlines()
    assert lines == ["error: contracts/fx-rates/contract.yaml:1: at /id: id 'fx-rate' must "
                     "equal its folder's name 'fx-rates'"], validated.stderr
