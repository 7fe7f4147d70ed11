"""Problems of one import, each pointing at its cell, never quoting a full number."""

from __future__ import annotations

from dataclasses import dataclass

from ..load.sheets.read import cell_ref, col_letter
from ..privacy import redact
from ..problems import CODES, Problem, problem


@dataclass
class _Note:
    """One kind of normalisation in one column: how many cells, and the first."""

    count: int
    row: int
    header: str
    example: str


class Sink:
    """Collects the problems of one source file. Every message, sheet name
    and file name passes through :func:`redact`: a cell value quoted in a
    message is masked if it holds a personal number. Normalisation notes
    are counted per column and reported once, with the first cell."""

    def __init__(self, file: str):
        self.file = redact(file)
        self.problems: list[Problem] = []
        self._notes: dict[tuple[str, int, str, str], _Note] = {}

    def add(
        self,
        code: str,
        message: str,
        sheet: str = "",
        row: int | None = None,
        col: int | None = None,
        severity=None,
    ) -> None:
        cell = cell_ref(row, col) if row is not None and col is not None else ""
        if row is not None and col is None:
            cell = f"A{row + 1}"
        self.problems.append(
            problem(
                self.file,
                row + 1 if row is not None else 0,
                code,
                redact(message),
                severity=severity or CODES[code][0],
                sheet=redact(sheet),
                cell=cell,
            )
        )

    def note(
        self, code: str, sheet: str, row: int, col: int, header: str, text: str, example: str = ""
    ) -> None:
        """A normalisation worth telling once per column and kind: ``text``
        says what was done, ``example`` what the first such cell held."""
        entry = self._notes.setdefault((sheet, col, code, text), _Note(0, row, header, example))
        entry.count += 1

    def flush_notes(self) -> None:
        for (sheet, col, code, text), n in sorted(
            self._notes.items(), key=lambda kv: (kv[0][0], kv[1].row, kv[0][1])
        ):
            what = f"“{n.header}”列（{col_letter(col)} 列）"
            ex = f"：{n.example}" if n.example else ""
            if n.count == 1:
                msg = f"{what}{text}{ex}"
            else:
                msg = f"{what}有 {n.count} 个单元格{text}；第一个是 {cell_ref(n.row, col)}{ex}"
            self.add(code, msg, sheet, n.row, col)
        self._notes.clear()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
