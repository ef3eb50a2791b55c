"""The demo scenario: a deterministic ONS-like organisation, its unions and the dispute."""
