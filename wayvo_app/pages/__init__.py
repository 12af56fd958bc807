"""One Reflex page per module, its state beside it."""
