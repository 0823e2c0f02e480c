"""SQLite storage: one database file, versioned migrations, repositories of core models; and what
else touches the machine for the layers above: the key ring file (keyring.py), image cleaning in a
worker process (image_worker.py).

Imports core, never telegram. This file imports nothing: the image worker starts fast.
"""
