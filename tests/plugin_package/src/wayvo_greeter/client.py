"""The client half: the integration and its action as the builder shows them."""

from __future__ import annotations

from wayvo_app.plugins.sdk import (
    ConfigField,
    IntegrationSpec,
    OutputField,
    PluginAction,
    WorkflowClientPlugin,
)

greeter_client_plugin = WorkflowClientPlugin(
    integration=IntegrationSpec(
        type="greeter",
        label="Greeter",
        description="Greets people by name",
        icon="party-popper",  # any lucide icon name
        actions=(
            PluginAction(
                slug="greet",
                label="Greet",
                description="Say hello to someone",
                category="Greeter",  # always the integration's label
                config_fields=(
                    ConfigField(key="name", label="Name", type="template-input", required=True),
                    ConfigField(key="salutation", label="Salutation", type="text", placeholder="Hello"),
                ),
                output_fields=(OutputField("greeting", "The greeting"),),
            ),
        ),
    ),
)
