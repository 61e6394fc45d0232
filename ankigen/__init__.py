"""ankigen: Markdown flashcards for the fastai book, packaged as Anki decks."""

__version__ = "0.1.0"
