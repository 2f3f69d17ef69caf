"""The audit trail: who did what, when, from where, and how it went."""
