"""Machine-readable progress events (JSON Lines) for whoever runs the CLI (the Parley worker).

One object per line: {"event": "phase"|"step"|"epoch"|"done", ...}. Logs stay on stderr, so a reader of
the progress stream never has to parse human text.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import IO, Any


class Progress:
    """Writes events to a file, to stdout (`-`), or nowhere (None). Flushes every line so a tailing
    reader sees it at once. Step events are throttled to `min_interval` seconds except the last step."""

    def __init__(self, target: Path | str | None = None, min_interval: float = 0.5) -> None:
        self._fh: IO[str] | None = None
        self._owned = False
        if target == "-":
            self._fh = sys.stdout
        elif target is not None:
            self._fh = Path(target).open("a", encoding="utf-8")  # noqa: SIM115 (closed by close())
            self._owned = True
        self._min_interval = min_interval
        self._last_step = -math.inf  # the first step is always written (monotonic() can be < min_interval after boot)

    @property
    def enabled(self) -> bool:
        return self._fh is not None

    def emit(self, event: str, **fields: Any) -> None:
        if self._fh is None:
            return
        self._fh.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        self._fh.flush()

    def step(self, epoch: int, step: int, steps: int, loss: float) -> None:
        now = time.monotonic()
        if step < steps and now - self._last_step < self._min_interval:
            return
        self._last_step = now
        self.emit("step", epoch=epoch, step=step, steps=steps, loss=round(loss, 6))

    def close(self) -> None:
        if self._owned and self._fh is not None:
            self._fh.close()
        self._fh = None


NO_PROGRESS = Progress(None)
