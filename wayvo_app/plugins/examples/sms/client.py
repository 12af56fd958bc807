"""The SMS client plugin: the integration (credential form) and its "Send SMS" action."""

from __future__ import annotations

from wayvo_app.core.specs import ConfigField, OutputField
from wayvo_app.plugins.types import FormField, IntegrationSpec, PluginAction, WorkflowClientPlugin

sms_client_plugin = WorkflowClientPlugin(
    integration=IntegrationSpec(
        type="sms",
        label="SMS",
        description="Send SMS messages",
        icon="message-square",
        form_fields=(
            FormField(id="apiKey", label="API Key", type="password",
                      placeholder="Your SMS provider API key", config_key="apiKey"),
            FormField(id="baseUrl", label="Provider URL", type="url", placeholder="https://api.smsprovider.com",
                      config_key="baseUrl", required=False),
        ),
        actions=(
            PluginAction(
                slug="send",
                label="Send SMS",
                description="Send an SMS message to a phone number",
                category="SMS",  # matches the integration label
                step_function="send_sms_step",
                step_import_path="wayvo_app.plugins.examples.sms.steps",
                config_fields=(
                    ConfigField(key="phoneNumber", label="Phone Number", type="template-input",
                                placeholder="+1234567890", required=True),
                    ConfigField(key="message", label="Message", type="template-textarea",
                                placeholder="Your message here", rows=3, required=True),
                ),
                output_fields=(
                    OutputField("success", "Whether the SMS was sent"),
                    OutputField("messageId", "The SMS message ID"),
                ),
            ),
        ),
    ),
)
