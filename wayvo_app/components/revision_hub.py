"""The viewer's per-process revision hub; it lives in services/ so the SSE route shares it."""

from wayvo_app.services.revision_hub import TICK_SECONDS, RevisionHub, Subscription, hub

__all__ = ["TICK_SECONDS", "RevisionHub", "Subscription", "hub"]
