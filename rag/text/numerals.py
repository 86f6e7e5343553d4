"""Chinese numerals as documents number their parts (第十二条, 二十、)."""

from __future__ import annotations

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 32 → 三十二; 100 and more stay in digits."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def numeral_value(char: str) -> int | None:
    """The value of one Chinese numeral character (五 → 5, 两 → 2, 十 → 10); None for any other character."""
    if char in CN_DIGITS:
        return CN_DIGITS.index(char)
    return {"两": 2, "十": 10}.get(char)
