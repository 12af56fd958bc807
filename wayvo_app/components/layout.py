"""The app shell: top navigation, the workspace switcher, the signed-in user and sign-out, and the page frame."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.approvals.badge import pending_badge
from wayvo_app.state import AuthState, session_ping

# (label, path, icon); pages join this list as they are built.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Workflows", routes.WORKFLOWS, "workflow"),
    ("Executions", routes.EXECUTIONS, "history"),
    ("Approvals", routes.APPROVALS, "inbox"),
    ("Settings", routes.SETTINGS_API_KEYS, "settings"),
]
APPROVALS_PATH = routes.APPROVALS
# On a phone the navigation shows icons only, so it fits in 375 px.
_WIDE_ONLY = rx.breakpoints(initial="none", sm="inline")


def _active(path: str) -> rx.Var:
    """Whether the page shown belongs to the navigation item at `path` (its active state)."""
    here = AuthState.router.url.path.to(str)
    in_executions = here.contains("/executions")
    in_approvals = here.startswith(routes.APPROVALS)
    if path == routes.EXECUTIONS:
        return in_executions
    if path == routes.APPROVALS:
        return in_approvals
    if path == routes.WORKFLOWS:
        return here.startswith(routes.WORKFLOWS) & ~in_executions & ~in_approvals
    return here.startswith("/settings")


def _nav_link(label: str, path: str, icon: str) -> rx.Component:
    active = _active(path)
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2", weight="medium", display=_WIDE_ONLY),
                  pending_badge() if path == APPROVALS_PATH else rx.fragment(), spacing="2", align="center"),
        href=path, underline="none", color_scheme="gray", high_contrast=True, title=label, aria_label=label,
        padding_x=rx.breakpoints(initial="0.5rem", sm="0.75rem"), padding_y="0.4rem", border_radius="6px",
        background=rx.cond(active, rx.color("accent", 4), "transparent"),
        aria_current=rx.cond(active, "page", "false"), class_name="wv-nav-link",
        _hover={"background": rx.color("gray", 3)},
    )


def _user_menu() -> rx.Component:
    menu = rx.menu.root(
        rx.menu.trigger(
            rx.button(rx.icon("circle-user", size=16), rx.text(AuthState.display_name, display=_WIDE_ONLY),
                      variant="ghost", color_scheme="gray", id="user-menu",
                      aria_label="Account menu of " + AuthState.display_name),  # its text is hidden on phones
        ),
        rx.menu.content(
            rx.box(rx.text(AuthState.user_name, size="1", color_scheme="gray"), padding_x="0.5rem", padding_y="0.25rem"),
            rx.menu.separator(),
            rx.menu.item(rx.hstack(rx.icon("user-pen", size=14), rx.text("Profile")),
                         on_click=rx.redirect(routes.SETTINGS_PROFILE), id="menu-profile"),
            rx.cond(AuthState.is_admin,
                    rx.menu.item(rx.hstack(rx.icon("users", size=14), rx.text("Users")),
                                 on_click=rx.redirect(routes.SETTINGS_USERS), id="menu-users")),
            rx.menu.separator(),
            rx.menu.item(rx.link(rx.hstack(rx.icon("book-open", size=14), rx.text("API docs")), href=routes.API_DOCS,
                                 is_external=True, underline="none", color_scheme="gray", high_contrast=True),
                         id="api-docs-link"),
            rx.menu.item(rx.hstack(rx.icon("log-out", size=14), rx.text("Sign out")),
                         on_click=AuthState.logout, id="sign-out"),
        ),
    )
    # Every signed-in page shows this menu, so the idle session check rides along with it.
    return rx.fragment(menu, session_ping())


def workspace_switcher() -> rx.Component:
    """The current workspace; choosing another shows that workspace's objects on every page."""
    return rx.cond(
        AuthState.workspace_options.length() > 1,
        rx.select.root(
            rx.select.trigger(placeholder="Workspace", variant="soft", color_scheme="gray",
                              max_width=rx.breakpoints(initial="9rem", sm="14rem"),
                              id="workspace-switcher", aria_label="Current workspace"),
            rx.select.content(rx.foreach(AuthState.workspace_options,
                                         lambda w: rx.select.item(w["label"], value=w["id"]))),
            value=AuthState.workspace_id, on_change=AuthState.switch_workspace, size="2",
        ),
        rx.fragment(),
    )


def navbar() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("zap", color=rx.color("accent", 9)),
                              rx.heading("Wayvo", size="4"), align="center", spacing="2"),
                    href=routes.WORKFLOWS, underline="none", color_scheme="gray", high_contrast=True),
            rx.hstack(*[_nav_link(*item) for item in NAV_ITEMS], spacing="1"),
            spacing=rx.breakpoints(initial="3", sm="6"), align="center",
        ),
        rx.hstack(workspace_switcher(), _user_menu(), spacing="3", align="center", margin_left="auto"),
        justify="between", align="center", width="100%", padding_y="0.6rem", wrap="wrap",
        row_gap="0.4rem",  # on a phone the switcher and the user menu take a second row
        padding_x=rx.breakpoints(initial="0.75rem", sm="1.25rem"),
        border_bottom=f"1px solid {rx.color('gray', 5)}", background=rx.color("gray", 1),
        position="sticky", top="0", z_index="10",
    )


def page_frame(title: str, *children: rx.Component, actions: rx.Component | None = None) -> rx.Component:
    """A signed-in page: navigation, a title row with optional actions, then the content."""
    header = rx.hstack(rx.heading(title, size="6"), rx.spacer(), actions or rx.fragment(),
                       align="center", width="100%", wrap="wrap", spacing="3")
    return rx.box(
        navbar(),
        rx.cond(
            AuthState.user_id != "",
            rx.box(rx.vstack(header, *children, spacing="4", width="100%"),
                   max_width="1200px", margin_x="auto", width="100%",
                   padding=rx.breakpoints(initial="1rem", sm="1.5rem")),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        ),
        min_height="100vh", background=rx.color("gray", 2),
    )


SETTINGS_TABS = [("API keys", routes.SETTINGS_API_KEYS, "key-round"),
                 ("Integrations", routes.SETTINGS_INTEGRATIONS, "plug"),
                 ("Members", routes.SETTINGS_MEMBERS, "users-round"),
                 ("Profile", routes.SETTINGS_PROFILE, "user-pen")]
# Shown to installation administrators only.
ADMIN_SETTINGS_TABS = [("Users", routes.SETTINGS_USERS, "users")]


def settings_tabs(current: str) -> rx.Component:
    """The settings sub-navigation; `current` is the path of the page showing it."""
    def tab(label: str, path: str, icon: str) -> rx.Component:
        active = path == current
        return rx.link(rx.hstack(rx.icon(icon, size=14), rx.text(label, size="2", weight="medium"), spacing="2",
                                 align="center"),
                       href=path, underline="none", color_scheme="gray", high_contrast=active,
                       padding_x="0.75rem", padding_y="0.35rem", border_radius="6px",
                       background=rx.color("accent", 3) if active else "transparent")
    admin_tabs = [rx.cond(AuthState.is_admin, tab(*item)) for item in ADMIN_SETTINGS_TABS]
    return rx.hstack(*[tab(*item) for item in SETTINGS_TABS], *admin_tabs, spacing="1", wrap="wrap",
                     id="settings-tabs")
