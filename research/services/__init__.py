"""Research services (writes and orchestration): signal reports, the model registry, combinations."""
