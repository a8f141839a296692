"""A tqdm bar that accepts the warehouse's ``progress(label, fraction)`` callbacks."""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm


class FractionBar:
    def __init__(self, desc: str, stream: TextIO) -> None:
        self.bar = tqdm(total=1000, desc=desc, file=stream, bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def __call__(self, label: str, fraction: float) -> None:
        self.bar.set_postfix_str(label[:60], refresh=False)
        self.bar.n = int(max(0.0, min(1.0, fraction)) * 1000)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
