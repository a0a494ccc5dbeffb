"""Systems: nodes, fabrics and fleets (clusters)."""
