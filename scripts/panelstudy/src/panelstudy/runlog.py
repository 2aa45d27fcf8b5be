"""A rule script's log: what the script writes to stderr (progress, warnings, a
traceback) goes to the rule's log file as well as to the terminal."""

from __future__ import annotations

import sys


class Tee:
    """A text stream that writes to several."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()

    def isatty(self) -> bool:
        return False


def log_to(path: str) -> None:
    """Send stderr to `path` too, from now on (call first, so a crash is logged)."""
    handle = open(path, "w", encoding="utf-8", buffering=1)
    sys.stderr = Tee(sys.stderr, handle)


def note(*parts) -> None:
    """One line for the log (and the terminal)."""
    print(*parts, file=sys.stderr, flush=True)
