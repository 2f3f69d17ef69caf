"""Schedule generation: build the solver's problem for a team and a date range from the
database, run the solver as a job in a process of its own, and write its proposal to the
schedule through the ordinary bulk write path."""
