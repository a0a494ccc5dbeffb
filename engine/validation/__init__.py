"""Validation of the estimates against published measurements."""
