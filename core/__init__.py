"""Leaf helpers every app uses: search engine, sanitizing, uploads, QR codes, env parsing.

Nothing here imports an app, the project package (``g60portal``), ``demo`` or ``bench``.
"""
