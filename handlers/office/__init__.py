"""The office's side: staff access, invites, alerts of new tips, the inbox and the tip card."""
