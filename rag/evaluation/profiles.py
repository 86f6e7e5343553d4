"""Precision of the measure finder: every enterprise profile of evals/profiles.jsonl through the finder, the
clause references it shows by default against the references the profile expects.

Precision and recall are micro-averaged over references (a profile that expects nothing counts every shown
reference as wrong); the mean list length counts the items shown by default."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT, Settings

DEFAULT_PROFILES = PROJECT_ROOT / "evals" / "profiles.jsonl"


@dataclass(frozen=True)
class ProfileOutcome:
    id: str
    expected: tuple[str, ...]
    shown: tuple[str, ...]  # distinct references, in the order shown
    items: int

    @property
    def hits(self) -> int:
        return len(set(self.shown) & set(self.expected))

    @property
    def missing(self) -> list[str]:
        return [ref for ref in self.expected if ref not in self.shown]

    @property
    def extra(self) -> list[str]:
        return [ref for ref in self.shown if ref not in self.expected]


def profile_input(profile: dict):
    """An eval profile as the finder's input: size and stage are type tags beside the listed tags."""
    from ..measures import ProfileInput

    tags = [*profile.get("tags", []), profile.get("size", ""), profile.get("stage", "")]
    return ProfileInput(
        industry=profile.get("industry", ""),
        location=profile.get("region", ""),
        tags=",".join(t for t in tags if t),
        description=profile.get("text", ""),
    )


def run_profiles(settings: Settings, path: Path = DEFAULT_PROFILES) -> list[ProfileOutcome]:
    from ..measures import load_finder

    finder = load_finder(settings)
    outcomes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        checklist = finder.match(profile_input(case["profile"]))
        shown = tuple(dict.fromkeys(item.ref for item in checklist.items))
        outcomes.append(ProfileOutcome(case["id"], tuple(case["expected"]), shown, len(checklist.items)))
    return outcomes


def summarize(outcomes: list[ProfileOutcome]) -> dict:
    hits = sum(o.hits for o in outcomes)
    shown = sum(len(o.shown) for o in outcomes)
    expected = sum(len(o.expected) for o in outcomes)
    return {
        "profiles": len(outcomes),
        "precision": round(hits / shown, 3) if shown else 1.0,
        "recall": round(hits / expected, 3) if expected else 1.0,
        "mean_items": round(sum(o.items for o in outcomes) / len(outcomes), 2) if outcomes else 0.0,
        "per_profile": [
            {"id": o.id, "items": o.items, "missing": o.missing, "extra": o.extra} for o in outcomes
        ],
    }


def evaluate_profiles(settings: Settings, path: Path = DEFAULT_PROFILES) -> dict:
    """Precision, recall (micro over references) and the mean number of items shown, with each profile's misses."""
    return summarize(run_profiles(settings, path))


def as_table(result: dict) -> str:
    lines = [
        f"画像 {result['profiles']} 个：precision {result['precision']:.3f}，recall {result['recall']:.3f}，"
        f"平均每份清单 {result['mean_items']:.1f} 条",
        "",
        "id   条数  漏掉                          多出",
    ]
    for row in result["per_profile"]:
        if row["missing"] or row["extra"]:
            missing = "、".join(row["missing"]) or "—"
            extra = "、".join(row["extra"]) or "—"
            lines.append(f"{row['id']:<5}{row['items']:>4}  {missing:<28}  {extra}")
    return "\n".join(lines)
