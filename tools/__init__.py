"""Operator tools behind the `animaltrack` command."""
