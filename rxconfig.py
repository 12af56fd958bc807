"""Reflex configuration: the app, its database and state manager, from the product's settings."""

import reflex as rx

from wayvo_app.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="wayvo_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    api_url=_settings.app_url,
    deploy_url=_settings.app_url,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
