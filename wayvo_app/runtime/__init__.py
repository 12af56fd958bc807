"""The worker process side: APScheduler wake-ups and the claim loop. No business logic here."""
