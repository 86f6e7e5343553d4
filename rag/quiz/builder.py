"""Quizzes for trainers: items with answer keys and clause citations, chosen from the facts of the parsed plan.

Every item is checked against the plan before it is chosen (rag.quiz.validate); every random choice comes from
the request's seed. Nothing here needs the embedding model: the tokenizer is the project's, built from the
documents with the corpus dictionary.
"""

from __future__ import annotations

import logging
import random

from ..index.tokenize import Tokenizer
from ..schema import Document
from .distractors import Distractors
from .facts import Plan
from .items import build_items
from .model import KINDS, Kind, Quiz, QuizError, QuizItem, QuizRequest
from .phrases import PhraseReader
from .validate import problems

log = logging.getLogger(__name__)

Candidate = tuple[tuple[int, int], QuizItem]  # (document number, clause order) and the item
_READERS: dict[tuple, PhraseReader] = {}  # one tokenizer per corpus: building it takes seconds


def _reader(documents: list[Document], tokenizer: Tokenizer | None) -> PhraseReader:
    if tokenizer is not None:
        return PhraseReader(tokenizer)
    key = tuple((d.doc_id, hash(tuple(c.text for c in d.clauses))) for d in documents)
    if key not in _READERS:
        _READERS.clear()
        _READERS[key] = PhraseReader(Tokenizer(documents))
    return _READERS[key]


def build_quiz(documents: list[Document], request: QuizRequest, tokenizer: Tokenizer | None = None) -> Quiz:
    """Same documents and request, same quiz. Pass the app's tokenizer when there is one; else one is built."""
    rng = random.Random(request.seed)
    reader = _reader(documents, tokenizer)
    candidates: dict[Kind, list[Candidate]] = {kind: [] for kind in request.kinds}
    titles: list[str] = []
    for number, document in enumerate(documents):
        if request.section and document.clause(request.section) is None:
            continue
        titles.append(document.meta.title)
        plan = Plan(document, reader, reader.tokenizer.gazetteer)
        pick = Distractors(plan)
        for fact in plan.facts:
            if request.section and not plan.within(fact.clause.ref, request.section):
                continue
            for kind in request.kinds:
                for item in build_items(fact, pick, kind, rng):
                    issues = problems(item, plan)
                    if issues:
                        log.debug("dropped %s item on %s: %s", kind, item.ref, "; ".join(issues))
                    elif not request.difficulty or item.difficulty == request.difficulty:
                        candidates[kind].append(((number, fact.clause.order), item))
    if request.section and not titles:
        raise QuizError(f"没有条款“{request.section}”。范围写作条款编号，如 二、二（三）、二（三）5、专栏")
    picked = _pick(candidates, request, rng)
    picked.sort(key=lambda pair: (KINDS.index(pair[1].kind), pair[0]))
    title = "、".join(f"《{t}》" for t in dict.fromkeys(titles)) or "规划"
    return Quiz(title, request, tuple(item for _, item in picked))


def _pick(candidates: dict[Kind, list[Candidate]], request: QuizRequest, rng: random.Random) -> list[Candidate]:
    """Round-robin over the requested kinds, one item per fact, preferring clauses not yet asked about
    and the kind of fact (number, list, term, …) asked least so far. The same answer drawn from the same
    sentence counts as the same fact too (two lists of one sentence both answered by 轻工产业)."""
    for pool in candidates.values():
        rng.shuffle(pool)
    picked: list[Candidate] = []
    facts: set[str | tuple[str, tuple[str, ...]]] = set()
    refs: set[str] = set()
    focus_counts: dict[tuple[Kind, str], int] = {}
    while len(picked) < request.count:
        progress = False
        for kind in request.kinds:
            if len(picked) == request.count:
                break
            pool = [pair for pair in candidates[kind]
                    if pair[1].fact not in facts and (pair[1].evidence, pair[1].answers) not in facts]
            candidates[kind] = pool
            if not pool:
                continue
            choice = min(pool, key=lambda pair: (focus_counts.get((kind, pair[1].focus), 0), pair[1].ref in refs))
            pool.remove(choice)
            picked.append(choice)
            facts.update((choice[1].fact, (choice[1].evidence, choice[1].answers)))
            refs.add(choice[1].ref)
            focus_counts[kind, choice[1].focus] = focus_counts.get((kind, choice[1].focus), 0) + 1
            progress = True
        if not progress:
            break
    return picked
