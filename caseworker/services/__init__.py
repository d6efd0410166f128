"""Use cases: every operation a user can do, with permissions, invariants and audit."""
