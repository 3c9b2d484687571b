"""Collectors, one module per AWS service; each module exposes COLLECTORS."""
