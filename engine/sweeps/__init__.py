"""Vectorised sweeps: many scenarios in one call, DataFrame in, DataFrame out."""
