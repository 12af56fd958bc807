"""Workflow plugins: the plugin types, the registry that turns them into node specs, the app's list."""
