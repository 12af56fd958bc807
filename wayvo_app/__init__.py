"""Wayvo Workflows."""
