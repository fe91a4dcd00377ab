class RuleError(Exception):
    """A rule of the product refused the action; nothing was changed. `message` is shown to
    the user (translated), `status` is the HTTP answer (4xx), `code` names the rule (tests,
    logs and htmx callers tell refusals apart by it)."""

    def __init__(self, message: str, *, code: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
