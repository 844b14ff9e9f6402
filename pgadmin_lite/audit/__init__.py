"""The audit log: append-only events in the config DB, the administrators' page and its export."""
