"""The figures the fault tests measure, appended to ``artifacts/faults.md`` (gitignored)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIGURES_PATH = ROOT / "artifacts" / "faults.md"


def start_report(when: str) -> None:
    """Truncates the report and writes its title."""
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_PATH.write_text(
        f"# Fault-injection figures\n\nMeasured by `pytest tests/faults` on {when}.\n",
        encoding="utf-8",
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "nan"
    return str(value).replace("|", "\\|").replace("\n", " ")


def record(title: str, rows: Iterable[tuple[str, Any]], note: str = "") -> None:
    """Appends one section: a two-column table of ``(figure, value)`` and an optional note."""
    lines = ["", f"## {title}", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {_cell(name)} | {_cell(value)} |" for name, value in rows]
    if note:
        lines += ["", note]
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES_PATH.open("a", encoding="utf-8") as report:
        report.write("\n".join(lines) + "\n")


@contextmanager
def fuzz_tally(title: str, seen: str, inputs_label: str = "inputs / 5xx") -> Iterator[dict]:
    """Counters a fuzz module fills (``inputs``, ``5xx`` and ``statuses`` by kind of input,
    ``thread errors``), recorded as one section when the block ends: per kind and in all, and
    the statuses seen after ``seen``."""
    counts: dict[str, Counter] = {
        "inputs": Counter(),
        "5xx": Counter(),
        "statuses": Counter(),
        "thread errors": Counter(),
    }
    yield counts
    inputs, errors = counts["inputs"], counts["5xx"]
    rows: list[tuple[str, Any]] = [
        (f"{kind}: {inputs_label}", f"{inputs[kind]} / {errors[kind]}") for kind in sorted(inputs)
    ]
    rows.append(("all inputs / 5xx", f"{sum(inputs.values())} / {sum(errors.values())}"))
    rows += [(f"server thread errors: {k}", n) for k, n in counts["thread errors"].items()]
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(counts["statuses"].items()))
    record(title, rows, note=f"{seen}: {statuses}.")
