"""Load errors that point designers at a file, a line and a column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadError:
    """One problem in a bot's files; ``line`` and ``column`` are 1-based."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class BotLoadError(Exception):
    """Every problem found while loading a bot, not just the first one."""

    def __init__(self, errors: list[LoadError]) -> None:
        self.errors = sorted(errors, key=lambda error: (error.file, error.line, error.column))
        super().__init__("\n".join(str(error) for error in self.errors))
