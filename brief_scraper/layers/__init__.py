"""Extraction layers: each is a pure ``(Page) -> dict`` holding only what it found."""
