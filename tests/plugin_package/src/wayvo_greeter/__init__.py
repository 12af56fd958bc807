"""A Greet node for Wayvo Workflows: the plugin package of docs/plugins.md."""
