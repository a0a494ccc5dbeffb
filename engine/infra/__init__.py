"""Infrastructure: electricity grids and datacenter facility profiles."""
