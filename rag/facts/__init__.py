"""Plan facts: every quantitative statement of the documents as a typed record, and the item catalogue."""

from .extract import category_of, extract_facts
from .model import Bound, Fact, Item, PlanFacts, Role

__all__ = ["Bound", "Fact", "Item", "PlanFacts", "Role", "category_of", "extract_facts"]
