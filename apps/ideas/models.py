import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import models as core_models
from apps.core.i18n import BilingualNameMixin


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    SUBMISSION = "submission", _("Accepting ideas")
    SUBMISSION_AND_VOTING = "submission_voting", _("Accepting ideas and voting")
    REVIEW = "review", _("Reviewing ideas before voting")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")
    RESULTS = "results", _("Results published")


class Challenge(models.Model):
    class VoteKind(models.TextChoices):
        LIKE = "like", _("One いいね per idea")
        BUDGET = "budget", _("A budget of votes per person")

    class ResultsVisibility(models.TextChoices):
        ALL = "all", _("All staff")
        COE = "coe", _("COE members only")

    title = models.CharField(_("title"), max_length=200)
    theme = models.TextField(_("theme"), help_text=_("Markdown."))
    submission_start = models.DateTimeField(_("ideas accepted from"))
    submission_end = models.DateTimeField(_("ideas accepted until"))
    voting_start = models.DateTimeField(_("voting opens"))
    voting_end = models.DateTimeField(_("voting closes"))
    vote_kind = models.CharField(_("voting rule"), max_length=10, choices=VoteKind.choices, default=VoteKind.LIKE)
    vote_budget = models.PositiveIntegerField(
        _("votes per person"), default=3, help_text=_("Used with the budget rule only.")
    )
    own_department_may_vote = models.BooleanField(_("the authors' own department may vote"), default=True)
    hide_counts_while_voting = models.BooleanField(_("hide counts while voting is open"), default=False)
    premoderation = models.BooleanField(_("COE approves ideas before they are shown"), default=True)
    results_visibility = models.CharField(
        _("results visible to"), max_length=5, choices=ResultsVisibility.choices, default=ResultsVisibility.ALL
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("tally sealed"), null=True, blank=True)
    seal_digest = models.CharField(_("tally digest (SHA-256)"), max_length=64, blank=True)
    # When the beat job told all staff that voting opened / closes soon; set once, so never twice.
    voting_open_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    voting_closing_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-voting_end", "-id"]
        verbose_name = _("idea challenge")
        verbose_name_plural = _("idea challenges")
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_end__gt=F("submission_start")), name="ideas_submission_window"
            ),
            models.CheckConstraint(condition=Q(voting_end__gt=F("voting_start")), name="ideas_voting_window"),
            models.CheckConstraint(
                condition=Q(voting_start__gte=F("submission_start")), name="ideas_voting_after_start"
            ),
            models.CheckConstraint(condition=Q(vote_budget__gte=1), name="ideas_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, now) -> str:
        if self.results_published_at and self.results_published_at <= now:
            return Phase.RESULTS
        accepting = self.submission_start <= now < self.submission_end
        voting = self.voting_start <= now < self.voting_end
        if accepting and voting:
            return Phase.SUBMISSION_AND_VOTING
        if accepting:
            return Phase.SUBMISSION
        if voting:
            return Phase.VOTING
        if now < self.submission_start:
            return Phase.UPCOMING
        if now < self.voting_start:
            return Phase.REVIEW
        return Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    def is_accepting_ideas(self, now=None) -> bool:
        now = now or timezone.now()
        return self.submission_start <= now < self.submission_end

    def is_voting_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.voting_start <= now < self.voting_end

    def counts_hidden(self, now=None) -> bool:
        """Counts are hidden everywhere while voting is open, if the challenge says so."""
        return self.hide_counts_while_voting and self.is_voting_open(now)

    @property
    def votes_per_person(self) -> int | None:
        return self.vote_budget if self.vote_kind == self.VoteKind.BUDGET else None

    @staticmethod
    def digest_of(counts: list[tuple[int, int]]) -> str:
        """SHA-256 over the sorted "idea_id:count" lines, as published on the results page."""
        text = "\n".join(f"{idea_id}:{count}" for idea_id, count in sorted(counts))
        return hashlib.sha256(text.encode()).hexdigest()


class Category(BilingualNameMixin, models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="categories")
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class AnswerStatus(BilingualNameMixin, models.Model):
    """The COE's official answer to an idea after the challenge (採用, 検討中, 実現, 見送り …)."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("answer status")
        verbose_name_plural = _("answer statuses")

    def __str__(self) -> str:
        return self.name


class Idea(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Published")
        RETURNED = "returned", _("Returned to the author")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged into another idea")

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="ideas")
    title = models.CharField(_("title"), max_length=150)
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("details"), blank=True, help_text=_("Markdown."))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separate with commas."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ideas")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote_count = models.PositiveIntegerField(_("likes"), default=0)
    answer_status = models.ForeignKey(
        AnswerStatus, verbose_name=_("official answer"), null=True, blank=True, on_delete=models.PROTECT
    )
    answer_text = models.TextField(_("public response"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        indexes = [
            models.Index(fields=["challenge", "status", "-vote_count"], name="ideas_rank"),
            models.Index(fields=["challenge", "status", "-submitted_at"], name="ideas_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("、", ",").split(",") if t.strip()]


class Coauthor(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="coauthors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coauthored_ideas")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="ideas_coauthor_once")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.idea_id}: {self.status}"


class Vote(models.Model):
    """One いいね. The unique constraint is what makes a double vote impossible, however
    many requests arrive at once; the budget is checked with the voter's row locked."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes")
    voter_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "idea"], name="ideas_one_vote_per_idea")]
        indexes = [
            models.Index(fields=["challenge", "voter"], name="ideas_vote_budget"),
            # The reports' vote figures (apps.ideas.reporting) read only these columns.
            models.Index(
                fields=["created_at"],
                include=["challenge", "voter_department", "voter"],
                name="ideas_vote_report_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.idea_id}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=2000)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden_reason)


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="ideas_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.idea_id}"


class IdeaEvent(models.Model):
    """The idea's history: submitted, approved, returned, edited after votes, merged, answered."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.idea_id} {self.action}"


class Attachment(core_models.Attachment):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="attachments")
