"""Question answering over Chinese policy documents, with clause citations."""

from .schema import Answer, Citation, Clause, Document, DocumentMeta, Indicator

__all__ = ["Answer", "Citation", "Clause", "Document", "DocumentMeta", "Indicator"]
