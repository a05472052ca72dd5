"""Model manifests, offline fetching and loading."""
