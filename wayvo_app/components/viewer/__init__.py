"""The execution viewer: canvas, panels, state, and the embeddable component."""
