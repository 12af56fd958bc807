"""The workflow language and its policies, pure: no database, no web framework."""
