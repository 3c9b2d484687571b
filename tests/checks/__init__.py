"""Pure check tests: hand-built inventories, no AWS."""
