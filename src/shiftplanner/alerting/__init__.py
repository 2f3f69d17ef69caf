"""Alerting: rules over the stored measurements and the schedule, the alert lifecycle
(pending, firing, resolved, with acknowledgement and silences), and escalation to whoever
is on shift now."""
