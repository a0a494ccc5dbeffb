"""Data-only package: lets the catalog TOML files ship and load as package data."""
