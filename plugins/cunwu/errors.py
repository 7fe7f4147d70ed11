"""One exception tree: everything cunwu raises on purpose derives from CunwuError.

The CLI prints a CunwuError's message (Chinese, for cadres) and exits with its
``exit_code`` instead of showing a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problems import Report


class CunwuError(Exception):
    """Base class for errors the tool raises on purpose."""

    exit_code = 1


class UsageError(CunwuError):
    """The command was called wrongly (bad option value, missing path)."""

    exit_code = 2


class ProjectNotFound(UsageError):
    """No cunwu.yaml in the given folder or any parent."""


class ValidationFailed(CunwuError):
    """Sources have errors; carries the report so callers can print it."""

    def __init__(self, report: Report, message: str = "校验未通过，已停止构建。"):
        super().__init__(message)
        self.report = report


class BuildError(CunwuError):
    """The build could not complete; the previous output is left untouched."""


class FontMissing(BuildError):
    """No CJK font is installed, so posters would come out as empty boxes."""


class PrivacyLeak(BuildError):
    """A personal number was found in what the build wrote."""


class HistoryError(CunwuError):
    """Git history could not be read or contradicts the published manifest."""
