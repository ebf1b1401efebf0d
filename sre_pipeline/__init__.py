"""sre_pipeline: reliability bookkeeping for SRE teams (SLOs, error budgets, burn rates).

The package root imports nothing heavy so that ``python3 -m sre_pipeline.dev`` can bootstrap a
virtualenv with the interpreter alone.
"""

__version__ = "0.1.0"
