"""ankigen: Anki decks (.apkg) built from a book's Markdown flashcards, described by the book's profile.

The public API is small: the command line (`ankigen`, `python -m ankigen`), `recipe` for a book's
figure recipes, and the pipeline's commands in `ankigen.pipeline`.
"""

from .compute.figures import recipe

__version__ = "0.1.0"
__all__ = ["recipe", "__version__"]
