"""Check modules: pure functions over the inventory. Each module exposes CHECK or CHECKS."""
