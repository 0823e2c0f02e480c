"""Liaisons of villages and departments: registration, the monthly figures and the quarter's summary
(their conversations' states join the chat's one conversation, handlers.reporter), and what the
office gets: the units and their liaisons, the consolidated monthly table."""
