"""HTML templates (``string.Template``), read with ``importlib.resources``."""
