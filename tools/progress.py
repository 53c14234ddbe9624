"""Progress of long work (a history build, a migration): rich bars on a terminal, a plain line
every 5 % elsewhere."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0
        rate = task.completed / elapsed if elapsed else 0
        return Text(f"{rate:,.0f} {self.unit}/s", style="progress.data.speed")


class PhaseProgress:
    """A `progress(phase, done, total)` callback for long work; use as a context.

    `unit` names what `done` counts (events; MiB for a copy), for the rate shown.
    """

    def __init__(self, console: Console | None = None, *, unit: str = "events"):
        self.console = console or Console()
        self.unit = unit
        self.live = self.console.is_terminal
        self.bars: Progress | None = None
        self.tasks: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.next_line: dict[str, int] = {}

    def __enter__(self) -> PhaseProgress:
        if self.live:
            self.bars = Progress(
                TextColumn("{task.description:>6}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(self.unit),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bars.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bars is not None:
            self.bars.stop()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        began = self.started.setdefault(phase, now)
        if self.bars is not None:
            if phase not in self.tasks:
                self.tasks[phase] = self.bars.add_task(phase, total=total)
            self.bars.update(self.tasks[phase], completed=done, total=total)
            return
        step = max(1, total // 20)
        if done >= self.next_line.get(phase, step) or done == total:
            self.next_line[phase] = done + step
            rate = done / (now - began) if now > began else 0
            self.console.print(
                f"  {phase:>6} {done:>10,} / {total:,}  {rate:,.0f} {self.unit}/s"
                f"  {now - began:,.0f} s",
                highlight=False,
            )
