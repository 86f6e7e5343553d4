"""Generated libraries for the benchmark: copies of the plan with the province and the figures changed,
one file per copy, so every copy parses like the plan and embeds to different vectors."""

from __future__ import annotations

import re
from pathlib import Path

_FIGURE = re.compile(r"(\d+(?:\.\d+)?)(亿元|万|家|个)")
_PROVINCE = "湖南"


def variant(text: str, copy: int) -> str:
    """Copy 0 is the plan itself; copy i names a made-up province and scales its figures by (1 + i/1000)."""
    if copy == 0:
        return text

    def scaled(match: re.Match) -> str:
        value = float(match.group(1)) * (1 + copy / 1000)
        return f"{value:.1f}{match.group(2)}" if "." in match.group(1) else f"{round(value)}{match.group(2)}"

    return _FIGURE.sub(scaled, text).replace(_PROVINCE, f"试点{copy}号")


def generate(plan: Path, folder: Path, copies: int) -> list[Path]:
    """``copies`` files in ``folder`` (kept when already there, so runs can share them)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = plan.read_text("utf-8")
    paths = []
    for copy in range(copies):
        path = folder / f"plan-{copy:05d}.txt"
        if not path.exists():
            path.write_text(variant(text, copy), "utf-8")
        paths.append(path)
    return paths


def touch_one(path: Path, revision: int) -> None:
    """Change one figure of one document (the one-document update)."""
    text = path.read_text("utf-8")
    path.write_text(_FIGURE.sub(lambda m: f"{m.group(1)}{revision}{m.group(2)}", text, count=1), "utf-8")
