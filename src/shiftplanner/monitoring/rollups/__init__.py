"""Stored rollups: each process's per-minute measurements written to the database, the
leader's merge into the service's minute and hour rows, the availability probe, and the
reads the dashboards, the SLA and the alert rules are built on."""
