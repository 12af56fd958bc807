"""The sample workflows, under their old import path (tests and scripts use it); they live in
`services/sample_workflows.py`, where the first-run samples can reach them."""

from wayvo_app.services.sample_workflows import ORDER_APPROVAL, PAYMENT_PROCESSING, SAMPLES, WEBHOOK_ROUTER

__all__ = ["ORDER_APPROVAL", "PAYMENT_PROCESSING", "SAMPLES", "WEBHOOK_ROUTER"]
