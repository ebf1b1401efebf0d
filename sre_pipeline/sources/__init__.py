"""Where SLI counts come from: the Prometheus collector and the embedded demo source."""
