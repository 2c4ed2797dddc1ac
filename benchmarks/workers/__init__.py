"""Worker processes: one scenario, one client, one process, one JSON line of measurements."""
