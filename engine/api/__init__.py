"""The spec's API: thin facades over the pure solvers that take and return pint Quantities."""
