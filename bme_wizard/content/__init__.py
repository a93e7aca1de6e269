"""Guideline content: editions, pathways, statements, references and the editorial workflow."""
