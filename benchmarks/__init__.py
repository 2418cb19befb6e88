"""Performance harness: each module prints its figures; nothing here asserts a time."""
