"""The approvals inbox and approval page parts, and the pending badge."""
