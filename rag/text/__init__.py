"""The shared text layer: one normaliser, one sentence splitter, one grammar for numbers with units,
one Markdown escaper. Every feature imports these instead of writing its own."""

from .compare import shared_run
from .markdown import escape_markdown
from .normalize import clean_input, decode_bytes, normalize, quoted_terms, strip_control
from .quantities import Quantity, fold, parse_quantities, quantities, quantity_occurs
from .sentences import clause_body, clause_sentences, split_sentences

__all__ = [
    "Quantity",
    "clause_body",
    "clause_sentences",
    "clean_input",
    "decode_bytes",
    "escape_markdown",
    "fold",
    "normalize",
    "quoted_terms",
    "parse_quantities",
    "quantities",
    "quantity_occurs",
    "shared_run",
    "split_sentences",
    "strip_control",
]
