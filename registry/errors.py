"""The one error type for bad input, so every command can answer it the same way.

Bad input (a broken file, a hostile ``$ref``, an alias bomb) is the user's to fix, not a bug:
the CLI prints ``str(error)`` on one line and exits 2, never a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input, located as precisely as we know: file, line, JSON pointer."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        pointer: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.pointer = pointer
        self.line = line

    def located(self, *, file: str | None = None, line: int | None = None) -> InputError:
        """Fill in location details that a lower layer could not know."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        pointer = self.pointer or "/"
        if len(pointer) > 160:  # a 10,000-level pointer helps nobody; its start does
            pointer = pointer[:120] + f"... ({pointer.count('/')} levels)"
        at = f" at {pointer}:" if self.pointer is not None else ""
        text = " ".join(self.message.split())  # always one line
        return f"{where}:{at} {text}"


class EvaluationStopped(Exception):
    """An evaluation that could not finish within its bounds on this input (a pattern that
    backtracks without end on a hostile value): the caller reports it, in words about the
    input, instead of waiting for ever or calling it an internal error."""
