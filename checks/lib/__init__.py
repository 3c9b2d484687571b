"""Helpers shared by check modules (pure; no AWS calls)."""
