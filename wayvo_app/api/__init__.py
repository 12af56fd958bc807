"""HTTP API routes (FastAPI mounted on the Reflex app); each route calls one command."""
