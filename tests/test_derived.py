"""The cache of what start-up derives from each document (facts, measures): read back it gives what deriving
gives; a changed document is derived again alone; a damaged or unwritable cache is derived again, never an error."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.generate import variant
from rag.corpus.derived import FOLDER
from rag.corpus.parse import parse_file
from rag.facts import extract_facts
from rag.index.tokenize import Tokenizer
from rag.measures import MeasureFinder
from rag.qa.engine import derive


@pytest.fixture(scope="module")
def library(settings, tmp_path_factory):
    """The plan and a copy of it with another province and other figures, as two documents."""
    folder = tmp_path_factory.mktemp("corpus")
    plan = next(settings.corpus_dir.glob("*.txt"))
    text = plan.read_text("utf-8")
    for copy in (0, 1):
        (folder / f"plan-{copy}.txt").write_text(variant(text, copy), "utf-8")
    documents = [parse_file(path) for path in sorted(folder.glob("*.txt"))]
    return documents, Tokenizer(documents)


def _derived(settings, data, documents, tokenizer):
    facts, finder = derive(replace(settings, data_dir=data), documents, tokenizer)
    return facts, [repr(measure) for measure in finder.measures]


def _fresh(documents, tokenizer):
    return extract_facts(documents), [repr(m) for m in MeasureFinder(documents, tokenizer).measures]


def _files(data):
    return {path.name: path.stat().st_mtime_ns for path in (data / FOLDER).glob("*.json")}


def test_cached_results_equal_derived_ones(settings, library, tmp_path):
    documents, tokenizer = library
    expected = _fresh(documents, tokenizer)
    assert _derived(settings, tmp_path, documents, tokenizer) == expected  # derived and written
    written = _files(tmp_path)
    assert len(written) == 4  # facts and measures of each document
    assert _derived(settings, tmp_path, documents, tokenizer) == expected  # read back
    assert _files(tmp_path) == written  # nothing rewritten


def test_a_changed_document_alone_is_derived_again(settings, library, tmp_path):
    documents, tokenizer = library
    _derived(settings, tmp_path, documents, tokenizer)
    before = _files(tmp_path)
    first = documents[0]
    changed = replace(first, clauses=[replace(c, text=c.text.replace("7700亿元", "7800亿元")) for c in first.clauses])
    assert changed.clauses != first.clauses
    library_now = [changed, documents[1]]
    assert _derived(settings, tmp_path, library_now, tokenizer) == _fresh(library_now, tokenizer)
    after = _files(tmp_path)
    rewritten = {name for name in after if after[name] != before[name]}
    assert len(rewritten) == 2 and all(name in before for name in after)  # the changed document's two records


def test_a_damaged_record_is_derived_again(settings, library, tmp_path):
    documents, tokenizer = library
    expected = _derived(settings, tmp_path, documents, tokenizer)
    records = sorted((tmp_path / FOLDER).glob("*.json"))
    records[0].write_bytes(records[0].read_bytes().replace("产业".encode(), "产品".encode(), 1))  # same size
    records[1].write_bytes(records[1].read_bytes()[:-40])
    records[2].write_bytes(b"not json\n")
    assert _derived(settings, tmp_path, documents, tokenizer) == expected
    assert _derived(settings, tmp_path, documents, tokenizer) == expected  # rewritten whole


def test_an_unwritable_data_folder_derives_without_a_cache(settings, library, tmp_path):
    documents, tokenizer = library
    (tmp_path / FOLDER).write_text("a file where the folder should be", "utf-8")
    assert _derived(settings, tmp_path, documents, tokenizer) == _fresh(documents, tokenizer)


def test_records_of_removed_documents_are_removed(settings, library, tmp_path):
    documents, tokenizer = library
    _derived(settings, tmp_path, documents, tokenizer)
    _derived(settings, tmp_path, documents[:1], tokenizer)
    assert len(_files(tmp_path)) == 2
