"""Pure solver functions: SI floats in, frozen estimates out. No pint, no catalog look-ups."""
