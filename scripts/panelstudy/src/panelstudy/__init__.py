"""panelstudy."""
