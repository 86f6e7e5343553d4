"""What a question asks for, read from how people ask in Chinese (not from the plan's wording).

- calculation: 增加多少, 提高几个百分点, 多少倍, 一共/合计, 平均每年, 比…高多少
- rank / filter: 最高的三个, 排前五, 低于1500亿元的有哪些
- a property of table rows: 哪些没有基期值, 目标比基期还低的, 哪些带≥, 有没有两个目标一样的
- list: 有哪些, 哪几个, 分别是, 包括什么
- claim: a statement put up for confirmation (…吧, 对吗, 是不是, 是吗)
- source: which document says it (哪个文件规定的, 出自哪): answered with every document that does
- about self: the asker speaks of their own enterprise (我们, 我司, 本公司, 湘潭一家钢厂, 做家电配件的厂)
- describes: the asker describes a thing in their own words instead of naming it (…的那种技术, 这一类, 那个行当),
  or asks what the plan calls it (叫什么, 怎么说, 有这个提法吗): words the plan never uses are expected
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..corpus.parse import CN_NUM
from ..text import normalize


class Operation(StrEnum):
    DIFFERENCE = "difference"  # target − base, or A − B
    GROWTH = "growth"  # (target − base) ÷ base, in per cent
    RATIO = "ratio"  # A ÷ B, growth multiple
    SUM = "sum"
    PER_YEAR = "per_year"


class Order(StrEnum):
    HIGHEST = "highest"
    LOWEST = "lowest"
    BOTH = "both"  # 最高的和最低的


class RowProperty(StrEnum):
    NO_BASE = "no_base"  # the table prints no base value (/)
    BELOW_BASE = "below_base"  # the target is lower than the base
    BOUND = "bound"  # which targets are a floor (≥, 以上) and which a plain number
    EQUAL = "equal"  # items with the same target


class Comparison(StrEnum):
    BELOW = "below"
    ABOVE = "above"
    BETWEEN = "between"


@dataclass(frozen=True)
class Intent:
    operation: Operation | None = None
    operations: tuple[Operation, ...] = ()  # when sentences of the question ask different computations
    order: Order | None = None
    top: int = 0  # how many of a ranking (最高的三个 → 3); 1 for 最高/哪个更高
    comparison: Comparison | None = None
    threshold: str = ""  # the number a filter compares with, as written (1500亿元)
    upper: str = ""  # with BETWEEN, the upper bound (在3000亿元到5000亿元之间)
    inclusive: bool = True  # the threshold itself qualifies (5000亿元以上, 不低于); not with 超过, 低于
    upper_inclusive: bool = True  # ... and the upper bound of BETWEEN (不到4000亿元: not)
    by_change: bool = False  # ranked by how much each rises from base to target (提高最多)
    which_of: bool = False  # 哪个更高/谁多: a choice between the items the question names
    wants_list: bool = False
    claim: bool = False
    source: bool = False  # 哪个文件规定的: which documents say it, not the detail it names
    about_self: bool = False  # the asker describes their own enterprise (我们是做…的)
    describes: bool = False  # a thing described, not named (…的那种技术, 规划里叫什么)
    asks_name: bool = False  # what the documents call it is what is asked (这种做法叫什么, 有这个提法吗)
    row_property: RowProperty | None = None  # 哪些指标没有基期值: the rows that have a property


_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九十")} | {"两": 2}
_CHANGE = r"(?:增加|增长|提高|提升|上升|下降|降低|减少|多出|高出|相差|扩大|缩小|涨|增|(?<![至最不])[低高多少差])"
_DIFFERENCE = re.compile(rf"{_CHANGE}了?(?:多少|几)|(?:新增|拉高|多出)(?:多少|几)|几个(?:百分)?点|多少个(?:百分)?点|"
                         r"差距|差额|相差|差多少|净增")
_GROWTH = re.compile(rf"{_CHANGE}了?(?:百分之(?:多少|几)|几成)|增幅|涨幅|增长率")
_RATIO = re.compile(r"多少倍|几倍|是.{0,12}的多少|翻(?:几|多少)")
_SUM = re.compile(r"一共|总共|合计|加起来|加总|加一块|加到一起|总和|总计|共计|加在一起|总数是多少")
_BY_CHANGE = re.compile(r"(?:提高|提升|增长|增加|上升|下降|降低|提|涨|升|降)得?最(?:多|少|快|慢|大|小)|(?:增幅|涨幅|幅度)最")
_PER_YEAR = re.compile(r"平均每年|每年平均|年均(?:要|需要|得)?(?:新增|增加)")
_HIGHEST = re.compile(r"最高|最大|最多|排(?:名)?(?:第一|前)|领先|靠前")
_LOWEST = re.compile(r"最低|最小|最少|垫底|靠后|排(?:名)?(?:最后|末)")
_TOP = re.compile(rf"前([{CN_NUM}\d]{{1,2}})|([{CN_NUM}\d]{{1,2}})个|([{CN_NUM}\d]{{1,2}})大")
_WHICH = re.compile(r"哪(?:个|一个|项)[^，。？?、]{0,8}?(?:更|最)(?:高|大|多|低|小|少)|哪(?:个|一个|项)(?:高|大|多|低|小|少)|谁[^，。？?、]{0,6}?(?:更)?(?:高|大|多|低|少)")
_AMOUNT = r"\d+(?:\.\d+)?\s*(?:[亿万千]+元?|[元家个%])"
_INCLUDED = r"\s*(?:[（(]含[）)]|及|或)?\s*"  # 5000亿（含）以上, 5000亿及以上
_BELOW = re.compile(rf"(低于|少于|小于|不到|不足|未达到|不超过|未超过)\s*({_AMOUNT})|({_AMOUNT}){_INCLUDED}(以下|以内)")
_ABOVE = re.compile(rf"(高于|多于|大于|超过|超出|不少于|不低于)\s*({_AMOUNT})|({_AMOUNT}){_INCLUDED}(以上)")
_STRICT = {"低于", "少于", "小于", "不到", "不足", "未达到", "高于", "多于", "大于", "超过", "超出"}
_BETWEEN = re.compile(rf"({_AMOUNT})\s*(?:到|至|～|~|-|—)\s*({_AMOUNT})(?:之间|以内|区间)")
_LIST = re.compile(r"哪些|哪[几两三四五六七八九十]|都有|有什么|有啥|包括|包含|分别|列举|列出|各(?:自|是)|是哪(?:几|些)")
_SELF = re.compile(r"我们|我司|我公司|我厂|我家|咱们|咱家|俺们|本公司|本企业|本厂|^我|"
                   r"一家[^，。？?]{0,12}(?:厂|企业|公司)|做[^，。？?]{1,12}的(?:[大中小]型|小|老|民营)?(?:厂|企业|公司|工厂)")
_ASKS_NAME = re.compile(r"叫(?:什么|啥|做什么)|(?:什么|啥)(?:说法|提法|叫法|名堂)|(?:有|是)(?:这个|这种|什么)?(?:说法|提法)")
_DESCRIBES = re.compile(rf"{_ASKS_NAME.pattern}|叫法|怎么(?:说|叫|称呼|表述|提)|(?:说法|提法|叫法|称呼)|这么说|指的是什么|"
                        r"的(?:那|这)(?:种|类|一类|个|些|部分|块|一块|样)|(?:那|这)(?:一|个)?(?:行当|行业|一行|摊子|类|种)|"
                        r"、[^，。？?]{1,12}(?:这些|那些|之类)")  # examples closed by 这些: 吃的喝的、零食茶叶这些
_ROW_PROPERTIES = (
    (RowProperty.NO_BASE, re.compile(r"(?:没有|无|缺|空着?)(?:的)?基期|基期(?:值|数)?[^，。？?]{0,4}(?:空|没有|没给|缺|斜杠|/)")),
    (RowProperty.BELOW_BASE, re.compile(r"(?:低于|小于|少于|不及)[^，。？?]{0,3}基期|"
                                        r"比[^，。？?]{0,3}基期[^，。？?]{0,3}(?:还|更|反而)?(?:低|小|少|降)")),
    (RowProperty.BOUND, re.compile(r"[≥≤]|下限|上限|(?:带|有)[“\"]?(?:以上|不少于|不低于)")),
    (RowProperty.EQUAL, re.compile(r"一模一样|(?:相同|一样|相等|持平)的?(?:吗|？|\?|，|,|$)|目标(?:相同|一样|相等)")),
)
_WHERE = r"哪一?(?:部分|章|节|条)|第几(?:条|章|节|部分)"  # where in a document: 放在哪一部分, 是第几条
_SOURCE = re.compile(rf"(?:哪|什么)(?:个|一个|份|一份|些)?文件|出自哪|出处|{_WHERE}")
# the words that ask for the source, which say nothing of what is looked up: 这话是哪个文件说的, 出自哪里
_SOURCE_WORDS = re.compile(r"[，,]?(?:这(?:话|句话|条|个|项)?|这个说法)?(?:是|在|由)?(?:(?:哪|什么)(?:个|一个|份|一份|些)?文件"
                           r"(?:里|中|上)?(?:规定|说|定|提|讲|写|明确)?(?:的|了)?|出自哪(?:里|儿)?|(?:的)?出处(?:是)?(?:哪里|什么)?|"
                           r"(?:是|在|放在)?(?:" + _WHERE + r")(?:规定|说|写|提)?(?:的|了)?)")
# asks the least that qualifies (最少多少钱才能报) or the most there is (最多补多少): a bound, not any figure
_ASKS_LEAST = re.compile(r"(?:最少|至少|最低|起码|起步)[^，。？?]{0,6}(?:多少|几)|门槛")
_ASKS_MOST = re.compile(r"(?:最多|至多|最高|顶多)[^，。？?]{0,6}(?:多少|几)|上限|封顶")
# asks the value now, the base of a target (现在几家, 2025年基期值最高), not the target
ASKS_BASE = re.compile(r"基期|现在|目前|现有|当前|\d{4}年(?:的)?(?:基数|实际|现状)")
# 几家 asks a count, not an amount; 几个点 (百分点) a share, not a count
_ASKED_UNIT = re.compile(r"(?:几|多少)\s*(家|个(?![百]?分?点)|项|人|亩|倍|%|[万亿]?元)|多少钱")
_CLAIM = re.compile(r"(?:吧|对吗|对吧|对不对|是不是|是吗|没错吧|没错吗|是真的吗|是这样吗|真的吗)[？?。!！\s]*$|"
                    r"^(?:我?听说|据说|有人说)|是不是(?:说|要|定的|规定)")  # hearsay, or 是不是 before the claim


def _operation(text: str) -> Operation | None:
    if _RATIO.search(text):
        return Operation.RATIO
    if _GROWTH.search(text):
        return Operation.GROWTH
    if _PER_YEAR.search(text):
        return Operation.PER_YEAR
    if _DIFFERENCE.search(text):
        return Operation.DIFFERENCE
    if _SUM.search(text) and "多少" in text and "哪" not in text:  # 一共有哪几个 lists; 一共多少家 adds up
        return Operation.SUM
    return None


def read_intent(question: str) -> Intent:
    text = normalize(question)
    operation = _operation(text)
    # each sentence's own (还要新增几家？是现在的几倍？: a difference, then a multiple)
    operations = tuple(dict.fromkeys(op for part in re.split(r"[？?。；;！!，,]", text) if (op := _operation(part))))
    highest, lowest = _HIGHEST.search(text), _LOWEST.search(text)
    order = Order.BOTH if highest and lowest else Order.HIGHEST if highest else Order.LOWEST if lowest else None
    which = _WHICH.search(text)
    if which and order is None:
        order = Order.LOWEST if re.search(r"[低小少]", which.group(0)) else Order.HIGHEST
    comparison, threshold, upper, inclusive, upper_inclusive = None, "", "", True, True
    between = _BETWEEN.search(text)
    below, above = _BELOW.search(text), _ABOVE.search(text)
    if between:
        comparison, threshold, upper = Comparison.BETWEEN, between.group(1), between.group(2)
    elif below and above:  # 3000亿元以上、不到4000亿元
        comparison = Comparison.BETWEEN
        (threshold, inclusive), (upper, upper_inclusive) = _bound(above), _bound(below)
    elif below or above:
        comparison = Comparison.BELOW if below else Comparison.ABOVE
        threshold, inclusive = _bound(below or above)
    return Intent(operation=operation, operations=operations if len(operations) > 1 else (), order=order,
                  top=_top(text) if order else 0, comparison=comparison,
                  threshold=threshold, upper=upper, inclusive=inclusive, upper_inclusive=upper_inclusive,
                  by_change=bool(_BY_CHANGE.search(text)), which_of=bool(which), wants_list=bool(_LIST.search(text)),
                  claim=bool(_CLAIM.search(text)), source=bool(_SOURCE.search(text)),
                  about_self=bool(_SELF.search(text)),
                  describes=bool(_DESCRIBES.search(text)), asks_name=bool(_ASKS_NAME.search(text)),
                  row_property=next((kind for kind, pattern in _ROW_PROPERTIES if pattern.search(text)), None))


def asked_unit(question: str) -> str:
    """The unit a question asks a number in (几家 → 家, 多少万元 / 多少钱 → 元), or "" when it names none."""
    match = _ASKED_UNIT.search(normalize(question))
    return unit_family(match.group(1) or "元") if match else ""


def asked_bound(question: str) -> str:
    """The bound a number question asks for: "≥" for the least that qualifies (最少多少钱才能报, 门槛), "≤" for
    the most there is (最多补多少, 上限), "" for neither."""
    text = normalize(question)
    return "≥" if _ASKS_LEAST.search(text) else "≤" if _ASKS_MOST.search(text) else ""


def unit_family(unit: str) -> str:
    """Amounts of money are one family whatever their scale (万元, 亿元)."""
    return "元" if unit.endswith("元") else unit


def without_source_words(question: str) -> str:
    """The question without the words that ask which document says it (kept when nothing else is left)."""
    rest = _SOURCE_WORDS.sub("", question).strip("，,？?。 ")
    return rest if len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 2 else question


def _bound(match: re.Match) -> tuple[str, bool]:
    """The amount a filter compares with, and whether the amount itself qualifies."""
    word, amount = (match.group(1), match.group(2)) if match.group(2) else (match.group(4), match.group(3))
    return amount.replace(" ", ""), word not in _STRICT


def _top(text: str) -> int:
    match = _TOP.search(text)
    if not match:
        return 1
    written = next(g for g in match.groups() if g)
    if written.isdigit():
        return int(written)
    if written == "十":
        return 10
    return sum(_CN_DIGITS.get(ch, 0) for ch in written) or 1
