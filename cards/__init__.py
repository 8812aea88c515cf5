"""Adaptive Card builders (schema 1.5, the newest Teams renders) and the typed parsing of card actions."""
