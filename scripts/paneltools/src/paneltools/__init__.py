"""paneltools."""
