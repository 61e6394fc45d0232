"""Small helpers for the words of progress lines and messages."""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def listed(items: list[str], most: int = 10) -> str:
    """The first few items, comma-separated, and how many more there are."""
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")
