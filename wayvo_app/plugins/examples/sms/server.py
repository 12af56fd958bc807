"""The SMS server plugin: list it in WAYVO_WORKFLOW_PLUGINS as
`wayvo_app.plugins.examples.sms.server:sms_server_plugin`."""

from __future__ import annotations

from wayvo_app.plugins.types import ActionLabel, StepImporter, WorkflowServerPlugin

sms_server_plugin = WorkflowServerPlugin(
    step_importers=[
        # A lazy import path: the step module is imported the first time an SMS is sent.
        StepImporter("sms/send", import_path="wayvo_app.plugins.examples.sms.steps:send_sms_step"),
    ],
    action_labels=[ActionLabel("sms/send", "Send SMS")],
)
