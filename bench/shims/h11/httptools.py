"""On ``PYTHONPATH``, hides the installed httptools: uvicorn's "auto" falls back to h11, its pure
Python HTTP parser. For measuring, never for serving."""

raise ImportError("httptools hidden by bench/shims/h11")
