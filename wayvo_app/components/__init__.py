"""Reusable UI pieces: layout, badges, flow canvas, forms."""
