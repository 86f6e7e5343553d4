"""The collector pause used while a library is loaded or built: it always ends, and only the outermost ends it."""

from __future__ import annotations

import gc

import pytest

from rag.loading import loading


def test_collection_pauses_in_the_block_and_resumes_after_it_even_on_error():
    assert gc.isenabled()
    with loading():
        assert not gc.isenabled()
        with loading():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner block must not resume collection for the outer one"
    assert gc.isenabled()
    with pytest.raises(ValueError), loading():
        raise ValueError("build failed")
    assert gc.isenabled()


def test_assistant_start_leaves_collection_on(assistant):
    assert gc.isenabled() and assistant.index.store.count() > 0
