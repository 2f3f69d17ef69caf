"""Domain-free helpers shared by every package: time, pagination, schemas."""
