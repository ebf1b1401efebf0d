"""One module per ``sre-pipeline`` sub-command; imported lazily so each starts fast."""
