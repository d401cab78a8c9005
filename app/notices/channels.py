"""The ways a notice reaches a person: e-mail by SMTP, and a chat's incoming webhook in Slack's or Microsoft
Teams' format.

The chat payloads are posted here rather than through Apprise: Apprise's Slack and Teams plugins build the
address from tokens and post only to those services' own hosts, so they could not be pointed at the local
server the tests run, and the two JSON bodies are a few lines each."""
import json
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10


def slack_payload(subject: str, body: str) -> dict:
    return {"text": f"*{subject}*\n{body}"}


def teams_payload(subject: str, body: str, url: str, open_label: str) -> dict:
    """An Adaptive Card in the message that Teams' Workflows (and older incoming) webhooks take."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": True},
                 {"type": "TextBlock", "text": body, "wrap": True}],
        "actions": [{"type": "Action.OpenUrl", "title": open_label, "url": url}],
    }
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def by_chat(webhook: str, payload: dict) -> None:
    """Post the payload; any answer but 2xx (urllib raises for those) or no answer in time is an OSError."""
    if urlsplit(webhook).scheme not in ("http", "https"):  # urllib would open file: addresses too
        raise OSError("the webhook is not an http(s) address")
    request = urllib.request.Request(webhook, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()
