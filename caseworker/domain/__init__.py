"""Pure domain: pydantic models, money, dates and policy logic. No Qt, no SQL."""
