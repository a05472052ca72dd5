"""Language utilities shared by retrieval, the figure guard and query rewriting.

Kept free of heavy dependencies (only PyStemmer) so every layer can import it.
"""

from assistant.text.french import fold, fold_aligned, stem, tokenize
from assistant.text.numbers import parse_number

__all__ = ["fold", "fold_aligned", "parse_number", "stem", "tokenize"]
