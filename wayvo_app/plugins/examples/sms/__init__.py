"""The product document's SMS integration, in Python: steps, server plugin and client plugin."""
