"""Example plugins shipped with the app (the product document's SMS integration)."""
