"""Workloads: transformer and CNN model types."""
