"""Clocks: the system's, and one tests and the admin API can set.

Behaviours read time only through ``Context.clock`` so a QA scenario (a payment due date,
an outage window) can be reproduced at any wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """Wall time shifted by an offset, or frozen at an instant when set."""

    def __init__(self, frozen: datetime | None = None) -> None:
        self._frozen = frozen
        self._offset = timedelta(0)

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def set(self, instant: datetime | None) -> None:
        """Freeze at ``instant`` (timezone-aware), or None to run with the wall clock again."""
        if instant is not None and instant.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware time")
        self._frozen = instant.astimezone(UTC) if instant is not None else None

    def advance(self, delta: timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def to_mapping(self) -> dict[str, object]:
        return {"now": self.now().isoformat().replace("+00:00", "Z"),
                "frozen": self._frozen is not None,
                "offsetSeconds": self._offset.total_seconds()}
