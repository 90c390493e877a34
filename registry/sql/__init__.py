"""SQL read with ``importlib.resources``: tile layers and the tile cache statements."""
