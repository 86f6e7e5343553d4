"""Comparing two names: the longest run of characters they share (百亿企业 in 年营业收入百亿企业数量)."""

from __future__ import annotations


def shared_run(a: str, b: str) -> int:
    """Length of the longest run of characters (common substring) two texts share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best
