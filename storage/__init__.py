"""SQLite storage: one database file, versioned migrations, repositories of core models.

Imports core, never telegram.
"""
