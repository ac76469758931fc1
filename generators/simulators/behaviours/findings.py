"""One finding of a finance check, shared by the ERP's invoice checks and the tax engine so
both answer with the same shape (code, severity, pointer, message)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    pointer: str
    message: str
    severity: str = "error"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "pointer": self.pointer,
                "message": self.message}
