"""A finding: something wrong inside a contract, located in the original files.

Findings are results (exit 1 when any reaches the failing severity); InputError is for input
the tool cannot read at all (exit 2). Keeping them apart is what lets CI tell "your contract
breaks a rule" from "your file is broken".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ledgerpact.registry.schema_errors import clip_instance


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    pointer: str
    rule: str
    message: str
    severity: str = "error"
    contract: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def github(self) -> str:
        """A GitHub Actions workflow command: an annotation on the file and line."""
        level = {"error": "error", "warn": "warning"}.get(self.severity, "notice")
        where = f"file={github_escape(self.file, True)}" + (
            f",line={self.line}" if self.line else "")
        return (f"::{level} {where},title={github_escape(self.rule, True)}::"
                f"{github_escape(self.pointer or '/')}: {github_escape(self.message)}")

    def text(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.severity} [{self.rule}] at {self.pointer or '/'}: {self.message}"


def shorten(message: str, limit: int = 300) -> str:
    """jsonschema quotes whole instances in messages; a finding must stay one short line.

    The quoted instance comes first and the reason last ("{...} is not of type 'string'"),
    so a long instance is clipped where it stands before the line is cut: cutting the end
    alone left a finding that quotes an example and never says what is wrong with it."""
    message = clip_instance(" ".join(message.split()))
    return message if len(message) <= limit else message[: limit - 14] + " ... (trimmed)"


def github_escape(text: str, property_value: bool = False) -> str:
    """Escape for a GitHub Actions workflow command (message, or a property value)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
