"""ankigen: Anki decks (.apkg) built from a book's Markdown flashcards, described by the book's profile.

The public API is small: the command line (`ankigen`, `python -m ankigen`), `recipe` for a book's
figure recipes (with `night_variant`, where an image recipe writes its night-mode version), and the pipeline's commands in `ankigen.pipeline`.
"""

from .compute.figures import night_variant, recipe

__version__ = "0.1.0"
__all__ = ["night_variant", "recipe", "__version__"]
