"""The form engine: a conversation that asks a field at a time, then shows a summary to confirm.

`engine` holds the flow (Form, define, begin, the conversation's one state); `fields` what each kind of
field accepts and how its value reads back. The engine knows no role: each form says who may fill it
and who is filling it in (the office's forms in handlers.office, the liaisons' in handlers.liaison).
"""
