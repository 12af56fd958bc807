"""The workflow builder: canvas, palette, config panel, runs; its state and view-models."""
