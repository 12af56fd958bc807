"""The server half: which function runs the "greeter/greet" action, and its name in logs."""

from __future__ import annotations

from wayvo_app.plugins.sdk import ActionLabel, StepImporter, WorkflowServerPlugin

greeter_server_plugin = WorkflowServerPlugin(
    step_importers=[StepImporter("greeter/greet", import_path="wayvo_greeter.steps:greet_step")],
    action_labels=[ActionLabel("greeter/greet", "Greet someone")],
)
