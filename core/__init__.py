"""The domain of Tipline, in pure Python: models, taxonomy, rules and crypto.

Nothing in this package imports telegram or aiosqlite.
"""
