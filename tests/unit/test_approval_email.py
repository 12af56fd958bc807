"""The approval notification email and link (pure functions)."""

from wayvo_app.mail.approval_email import approval_email, approval_link, approval_subject, context_lines

APP = "https://flows.example.com"


def test_default_subject_names_the_title():
    assert approval_subject("Refund 42") == "Approval requested: Refund 42"


def test_subject_template_fills_the_title_placeholder():
    assert approval_subject("Refund 42", "Please decide: {{title}} ({{ title }})") == (
        "Please decide: Refund 42 (Refund 42)")


def test_subject_is_one_line_even_when_the_title_is_not():
    assert approval_subject("Refund\r\nBcc: evil@example.com") == (
        "Approval requested: Refund Bcc: evil@example.com")


def test_blank_subject_template_falls_back_to_the_default():
    assert approval_subject("X", "   ") == "Approval requested: X"


def test_body_holds_title_description_context_and_link():
    subject, body = approval_email(
        title="Order 7", description="Large order from a new customer.",
        context_data={"amount": 1200, "customer": "Ann", "items": [{"sku": "A1", "qty": 2}], "vip": True},
        approval_url=f"{APP}/workflows/approvals/r1", subject_template="Decide {{title}}")
    assert subject == "Decide Order 7"
    assert body.startswith("Approval requested: Order 7\n\nLarge order from a new customer.\n\nDetails:\n")
    assert "amount: 1200\ncustomer: Ann\nitems: [{\"sku\": \"A1\", \"qty\": 2}]\nvip: true\n" in body
    assert f"{APP}/workflows/approvals/r1" in body


def test_body_without_description_or_context():
    _, body = approval_email(title="T", description="", context_data=None, approval_url="https://x/a")
    assert body == ("Approval requested: T\n\nReview and decide here:\nhttps://x/a\n\n"
                    "Opening the link does not decide anything; you choose Approve or Reject on the page.\n")


def test_context_lines_for_non_objects_and_multiline_text():
    assert context_lines([1, 2]) == ["[1, 2]"]
    assert context_lines("plain") == ["plain"]
    assert context_lines({}) == []
    assert context_lines({"note": "line one\nline two"}) == ["note: line one\n  line two"]


def test_default_link():
    assert approval_link(APP + "/", "abc-1") == f"{APP}/workflows/approvals/abc-1"


def test_custom_link_placeholders():
    # Issue 16 item 16: a custom link must stay under APP_URL (another host gets the default link,
    # see tests/unit/test_safe_urls.py).
    assert approval_link(APP, "r9", "https://flows.example.com/approve?id={id}") == (
        "https://flows.example.com/approve?id=r9")
    assert approval_link(APP, "r9", "{{appUrl}}/custom/{{id}}/{{ approvalRequestId }}") == (
        f"{APP}/custom/r9/r9")


def test_custom_link_as_a_path_is_joined_to_the_app_url():
    assert approval_link(APP, "r9", "/my/approvals/{{id}}") == f"{APP}/my/approvals/r9"


def test_link_quotes_the_id():
    assert approval_link(APP, "a/b c") == f"{APP}/workflows/approvals/a%2Fb%20c"
