"""High-level clients: service, training, sampling, REST, and the futures they return."""
