"""The e-mail outbox and the approval e-mail."""
