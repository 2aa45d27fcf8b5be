"""panelreport."""
