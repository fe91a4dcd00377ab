"""E-mail backends for worker processes started by tests (named by EMAIL_BACKEND)."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class HoldingFileBackend(EmailBackend):
    """The file backend, except that once the mail to $HOLD_MAIL_TO is written (the mail
    server has accepted it) it touches $HOLD_MARKER and stops there, as a worker would
    that dies before it can record the mail as sent. The test kills it at that point."""

    def send_messages(self, email_messages):
        count = super().send_messages(email_messages)
        hold_for, marker = os.environ.get("HOLD_MAIL_TO"), os.environ.get("HOLD_MARKER")
        if hold_for and marker and any(hold_for in m.to for m in email_messages):
            Path(marker).touch()
            deadline = time.monotonic() + 120  # never hang a forgotten worker for ever
            while time.monotonic() < deadline:
                time.sleep(0.1)
        return count
