"""The composition root: settings, the Application, the command line, the in-memory Bot API."""
