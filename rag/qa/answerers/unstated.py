"""A number asked of an item of the outline that states none (人工智能 among the 未来产业 has no 营收 target):
the item's own clause is where its numbers would be, so the answer says where the item is and that the
document gives no number for it, instead of quoting another item's figure."""

from __future__ import annotations

from ...facts import Item
from ...schema import Answer, Hit, Query
from ..intent import Intent
from .base import AnswerContext, refusal


def answer_unstated_number(query: Query, intent: Intent, hits: list[Hit], context: AnswerContext) -> Answer | None:
    if not (query.wants_number and query.mentions_target) or intent.describes:
        return None
    items = _named_items(query, context)
    # a fact the question names in its own words (not through an alias: 营收 would name every 营业收入 row)
    if not items or context.facts.named_in(query.text, by_name=True):
        return None
    if any(context.facts.states_number(item) for item in items):
        return None
    item = items[0]
    where = f"“{item.category}”中的" if item.category and item.category != item.name else ""
    reason = f"规划在【{item.ref}】把“{item.name}”列为{where}一项，但没有给出它的具体数值目标。"
    named_first = [h for h in hits if (h.clause.doc_id, h.clause.ref) == (item.doc_id, item.ref)]
    return refusal(query, named_first + [h for h in hits if h not in named_first], reason)


def _named_items(query: Query, context: AnswerContext) -> list[Item]:
    """The items the question names by their whole name (量子科技, 人工智能), not by a part of another's."""
    named = context.facts.items_named_in(query.text)
    return [item for item in named if not any(other is not item and item.name in other.name for other in named)]
