"""The product's core: documents, templates, storage and execution. Imports no web framework."""
