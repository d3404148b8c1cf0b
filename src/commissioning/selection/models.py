"""Clinical advice, provider selection, proposals, evaluation, decisions and representations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from commissioning import clock
from commissioning.organisations.models import Budget, DelegatedAuthority, Organisation
from commissioning.specifications.models import ServiceSpecification, SpecificationOutcome

from .rules.award import Outcome
from .rules.conflicts import Management
from .rules.evaluation import MAX_SCORE, Criterion
from .rules.public import WITHHOLDABLE
from .rules.selection_route import Route
from .rules.urgent import CONDITIONS as URGENT_CONDITIONS

USER = settings.AUTH_USER_MODEL
MAX_PRICE_PENCE = 10**14


class AdviceSource(models.TextChoices):
    SCN_CANCER = "scn_cancer", "Strategic clinical network: cancer"
    SCN_CARDIOVASCULAR = "scn_cardiovascular", "Strategic clinical network: cardiovascular"
    SCN_MENTAL_HEALTH = (
        "scn_mental_health",
        "Strategic clinical network: mental health, dementia and neurological conditions",
    )
    SCN_MATERNITY_CHILDREN = (
        "scn_maternity_children",
        "Strategic clinical network: maternity and children",
    )
    CLINICAL_SENATE = "clinical_senate", "Clinical senate"
    PROVIDER_CLINICIAN = "provider_clinician", "A named clinician of a potential provider"


class AdviceRequest(models.Model):
    specification = models.ForeignKey(
        ServiceSpecification, on_delete=models.PROTECT, related_name="advice_requests"
    )
    source = models.CharField(max_length=30, choices=AdviceSource.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="advice_requests",
        help_text="The network, senate or provider asked",
    )
    clinician = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advice_requests",
        help_text="The named clinician, when a provider's clinician is asked",
    )
    question = models.TextField()
    due_date = models.DateField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Advice request {self.pk} to {self.organisation.code} on {self.specification}"

    @property
    def answered(self) -> bool:
        return hasattr(self, "advice")


class Advice(models.Model):
    class Recommendation(models.TextChoices):
        SUPPORT = "support", "Support the specification as it is"
        SUPPORT_WITH_CHANGES = "support_with_changes", "Support it with the changes suggested"
        DO_NOT_SUPPORT = "do_not_support", "Do not support it"
        NO_VIEW = "no_view", "No view either way"

    request = models.OneToOneField(AdviceRequest, on_delete=models.PROTECT, related_name="advice")
    adviser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recommendation = models.CharField(max_length=25, choices=Recommendation.choices)
    summary = models.TextField()
    clinical_evidence = models.TextField(blank=True)
    risks = models.TextField("risks and how to manage them", blank=True)
    suggested_changes = models.TextField(blank=True)
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["-given_at"]
        verbose_name_plural = "advice"

    def __str__(self) -> str:
        return f"Advice on request {self.request_id}: {self.get_recommendation_display()}"


class Urgency(models.Model):
    """What an authority records to rely on regulation 14 (``rules.urgent``): for an urgent
    award (a process whose route is ``urgent_award``) and for an urgent modification. One
    declaration of the fields for both."""

    urgent_must_be_made_urgently = models.BooleanField(
        default=False, verbose_name=URGENT_CONDITIONS["urgent_must_be_made_urgently"]
    )
    urgent_not_foreseeable = models.BooleanField(
        default=False, verbose_name=URGENT_CONDITIONS["urgent_not_foreseeable"]
    )
    urgent_not_attributable = models.BooleanField(
        default=False, verbose_name=URGENT_CONDITIONS["urgent_not_attributable"]
    )
    urgent_delay_risks_safety = models.BooleanField(
        default=False, verbose_name=URGENT_CONDITIONS["urgent_delay_risks_safety"]
    )
    urgent_reasons = models.TextField(
        blank=True, help_text="Why regulation 14 applies: the notice publishes it"
    )

    class Meta:
        abstract = True


URGENCY_FIELDS = (*URGENT_CONDITIONS, "urgent_reasons")


class SelectionProcess(Urgency):
    """Choosing a provider for an approved specification under the Provider Selection Regime,
    or, where regulation 14 applies, awarding a contract urgently without a process."""

    class Status(models.TextChoices):
        SETTING_UP = "setting_up", "Setting up"
        INVITING = "inviting", "Inviting proposals"
        DECIDED = "decided", "Decided"
        CLOSED = "closed", "Closed"

    specification = models.OneToOneField(
        ServiceSpecification, on_delete=models.PROTECT, related_name="selection"
    )
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="processes")
    incumbent = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The existing provider, if the service exists",
    )
    # The facts the authority records before choosing a process (``rules.selection_route``).
    existing_service = models.BooleanField(default=False)
    existing_provider_only_capable = models.BooleanField(default=False)
    patients_choose_provider = models.BooleanField(default=False)
    providers_unrestricted = models.BooleanField(default=False)
    all_qualifying_providers_awarded = models.BooleanField(default=False)
    replacing_expiring_contract = models.BooleanField(default=False)
    materially_different = models.BooleanField(default=False)
    attributable_to_authority = models.BooleanField(default=False)
    current_lifetime_value_pence = models.BigIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    existing_provider_satisfying_contract = models.BooleanField(default=False)
    existing_provider_likely_to_satisfy_new = models.BooleanField(default=False)
    can_identify_most_suitable_without_competition = models.BooleanField(default=False)
    recommended_route = models.CharField(max_length=30, choices=[(r.value, r.label) for r in Route])
    route = models.CharField(max_length=30, choices=[(r.value, r.label) for r in Route])
    route_reasons = models.JSONField(default=list)
    route_justification = models.TextField(
        blank=True, help_text="Why another permitted process was chosen, if it was"
    )
    # Direct award C: what the existing contract's record said when the process was set up
    # (rules.incumbent: the contract, each finding and its weight), and, where it counted
    # against the provider satisfying the contract, why C was still chosen.
    incumbent_evidence = models.JSONField(default=dict, blank=True)
    direct_award_c_justification = models.TextField(blank=True)
    # Published when proposals are invited, and fixed from then on.
    weight_quality_innovation = models.PositiveSmallIntegerField(default=0)
    weight_value = models.PositiveSmallIntegerField(default=0)
    weight_integration = models.PositiveSmallIntegerField(default=0)
    weight_access = models.PositiveSmallIntegerField(default=0)
    weight_social_value = models.PositiveSmallIntegerField(default=0)
    proposals_deadline = models.DateField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SETTING_UP)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "selection processes"

    def __str__(self) -> str:
        return f"Provider selection for {self.specification}"

    @property
    def status_label(self) -> str:
        """The status as people need it today: "Inviting proposals" stops being true on the day
        after the deadline, though the status stays until the decision (issue 18)."""
        if (
            self.status == self.Status.INVITING
            and self.proposals_deadline is not None
            and clock.today() > self.proposals_deadline
        ):
            return "Proposals closed: evaluating and deciding"
        return self.get_status_display()

    @property
    def route_enum(self) -> Route:
        return Route(self.route)

    @property
    def route_explained(self) -> str:
        """The process and, where it is not the one the regime pointed to, why: what the
        selection page, the decision record and its PDF say."""
        label = self.route_enum.label
        pointed = self.get_recommended_route_display().lower()
        if self.route == Route.URGENT_AWARD:
            return (
                f"{label}: the commissioner relied on regulation 14 rather than {pointed}, "
                f"because: {self.urgent_reasons}"
            )
        if self.route != self.recommended_route:
            return (
                f"{label} (the regime pointed to {pointed}; the commissioner chose another "
                f"permitted process because: {self.route_justification})"
            )
        return label

    @property
    def weights(self) -> dict[Criterion, int]:
        return {c: getattr(self, f"weight_{c.value}") for c in Criterion}


class Proposal(models.Model):
    """A provider's proposal: an answer to an invitation, or unsolicited."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    process = models.ForeignKey(
        SelectionProcess,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text="Empty for an unsolicited proposal",
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="proposals")
    addressed_to = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="proposals_received",
        help_text="The commissioner it is for",
    )
    title = models.CharField("service", max_length=200)
    description = models.TextField()
    capacity = models.PositiveIntegerField(
        "capacity a year", help_text="Activity the provider can deliver each year"
    )
    total_price_pence = models.BigIntegerField(
        "price over the whole term",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_PENCE)],
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # An unsolicited proposal gets a considered response from the commissioner.
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "provider"],
                condition=models.Q(process__isnull=False),
                name="one_proposal_per_provider_per_process",
            ),
            models.CheckConstraint(
                condition=models.Q(total_price_pence__gt=0), name="proposal_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} from {self.provider.code}: {self.title}"

    def audit_name(self) -> str:
        """What the audit trail calls it for people (audit.readable)."""
        return f"{self.provider.display_name}'s proposal"

    @property
    def unsolicited(self) -> bool:
        return self.process_id is None


class ProposalOutcome(models.Model):
    """How a proposal will meet one of the specification's outcomes."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="outcome_answers")
    outcome = models.ForeignKey(SpecificationOutcome, on_delete=models.PROTECT, related_name="+")
    approach = models.TextField()

    class Meta:
        ordering = ["outcome_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "outcome"], name="one_answer_per_outcome")
        ]

    def __str__(self) -> str:
        return f"Proposal {self.proposal_id} on outcome {self.outcome_id}"


class Document(models.Model):
    """A document attached to advice or to a proposal. The content is kept in the database so
    that attaching it is part of the same all-or-nothing write."""

    advice = models.ForeignKey(
        Advice, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(advice__isnull=False) & models.Q(proposal__isnull=True))
                | (models.Q(advice__isnull=True) & models.Q(proposal__isnull=False)),
                name="document_belongs_to_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size:,} bytes)"


class Clarification(models.Model):
    """A bidder's question and the commissioner's answer, published to every bidder without
    saying who asked."""

    process = models.ForeignKey(
        SelectionProcess, on_delete=models.PROTECT, related_name="clarifications"
    )
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    asked_for = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"Clarification question {self.pk}"


class Evaluator(models.Model):
    process = models.ForeignKey(
        SelectionProcess, on_delete=models.PROTECT, related_name="evaluators"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="evaluations")
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["user__last_name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="one_evaluator_row_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user.username} evaluating process {self.process_id}"


class ConflictDeclaration(models.Model):
    """A declaration of interests (or of none) by an evaluator or decision maker, and how the
    commissioner managed it."""

    process = models.ForeignKey(
        SelectionProcess, on_delete=models.PROTECT, related_name="declarations"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    has_interest = models.BooleanField()
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The bidder the interest concerns, if one",
    )
    description = models.TextField(blank=True)
    declared_at = models.DateTimeField()
    management = models.CharField(
        max_length=20, choices=[(m.value, m.label) for m in Management], blank=True, default=""
    )
    management_note = models.TextField(blank=True)
    managed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    managed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["declared_at", "id"]

    def __str__(self) -> str:
        kind = "interest" if self.has_interest else "no interests"
        return f"Declaration of {kind} by {self.user.username} (process {self.process_id})"


class Score(models.Model):
    AUDIT_LINKS = {"evaluator_user_id": "organisations.User"}  # the evaluator, by name

    """One evaluator's score of one proposal against one key criterion."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="scores")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="scores")
    criterion = models.CharField(max_length=20, choices=[(c.value, c.label) for c in Criterion])
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_SCORE)])
    justification = models.TextField()
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["proposal_id", "evaluator_id", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "evaluator", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(condition=models.Q(score__lte=MAX_SCORE), name="score_in_scale"),
        ]

    def __str__(self) -> str:
        return f"Score {self.score} for {self.criterion} on proposal {self.proposal_id}"

    def audit_name(self) -> str:
        """Without the score, which may change: an old entry must not name today's value."""
        return f"score for {self.get_criterion_display().lower()} on {self.proposal.audit_name()}"


class ModeratedScore(models.Model):
    """The agreed score of one proposal against one criterion, after moderation."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="moderated")
    criterion = models.CharField(max_length=20, choices=[(c.value, c.label) for c in Criterion])
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_SCORE)])
    rationale = models.TextField()
    moderated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    moderated_at = models.DateTimeField()

    class Meta:
        ordering = ["proposal_id", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "criterion"], name="one_moderated_score"),
            models.CheckConstraint(
                condition=models.Q(score__lte=MAX_SCORE), name="moderated_score_in_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"Moderated {self.score} for {self.criterion} on proposal {self.proposal_id}"

    def audit_name(self) -> str:
        """Without the score, which may change: an old entry must not name today's value."""
        return (
            f"moderated score for {self.get_criterion_display().lower()} on "
            f"{self.proposal.audit_name()}"
        )


class Decision(models.Model):
    # The ids the decision service records beside the fields, named in the audit trail.
    AUDIT_LINKS = {"awarded_proposal_ids": "selection.Proposal",
                   "advice_considered_ids": "selection.Advice"}  # fmt: skip

    """The commissioner's decision: award, do not award, or change the specification."""

    class Status(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        NOTICE_PUBLISHED = "notice_published", "Notice published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    process = models.ForeignKey(
        SelectionProcess, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=25, choices=[(o.value, o.label) for o in Outcome])
    awarded = models.ManyToManyField(Proposal, blank=True, related_name="awards")
    rationale = models.TextField()
    advice_considered = models.ManyToManyField(Advice, blank=True, related_name="decisions")
    departs_from_ranking = models.BooleanField(default=False)
    evaluation = models.JSONField(
        default=dict, help_text="The moderated scores and ranking as they stood at the decision"
    )
    value_pence = models.BigIntegerField(help_text="The value decided on")
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="decisions")
    delegation = models.ForeignKey(
        DelegatedAuthority, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_on = models.DateField()
    decided_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECORDED)
    notice_published_on = models.DateField(null=True, blank=True)
    notice_published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Marked commercially confidential when deciding (rules.public): what the public register
    # withholds ("value", "reasons") and why, shown in its place.
    withheld = models.JSONField(default=list, blank=True)
    withheld_reason = models.TextField(blank=True)
    new_version = models.ForeignKey(
        ServiceSpecification,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The new draft version, when the decision is to change the specification",
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process"],
                condition=~models.Q(status="withdrawn"),
                name="one_standing_decision_per_process",
            )
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk}: {Outcome(self.outcome).label} ({self.process.specification})"

    @property
    def outcome_enum(self) -> Outcome:
        return Outcome(self.outcome)

    @property
    def withheld_words(self) -> str:
        """What the public register withholds and why, for the decision record ("" if
        nothing)."""
        if not self.withheld:
            return ""
        what = "; ".join(WITHHOLDABLE.get(w, w).split(" (")[0].lower() for w in self.withheld)
        return (f"Withheld from the public register as commercially confidential: {what}. "
                f"Why: {self.withheld_reason}")  # fmt: skip


class Representation(models.Model):
    """A bidder's representation against an intention to award, made during standstill."""

    class Status(models.TextChoices):
        OPEN = "open", "Open: under review"
        UPHELD = "upheld", "Reviewed: the decision stands"
        DECISION_WITHDRAWN = "decision_withdrawn", "Reviewed: the decision was withdrawn"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="representations")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField()
    received_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"Representation {self.pk} by {self.provider.code} on decision {self.decision_id}"


class Notice(models.Model):
    """A notice the Provider Selection Regime requires, as published: its items written once
    from the decision (and, for an award notice, the contract) when it is published, and never
    changed after (``rules.notices``; a correction is a further notice). The public register
    shows these and the OCDS releases are built from them."""

    class Stage(models.TextChoices):
        INTENTION = "intention", "Notice of intention to award"
        AWARD = "award", "Award notice"
        MODIFICATION = "modification", "Notice of a contract modification"
        WITHDRAWAL = "withdrawal", "Notice that the decision was withdrawn"

    process = models.ForeignKey(SelectionProcess, on_delete=models.PROTECT, related_name="notices")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="notices")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    schedule = models.PositiveSmallIntegerField(
        help_text="The schedule of SI 2023/1348 whose items the notice contains (0: none, the "
        "platform's notice of a withdrawn decision)"
    )
    title = models.CharField(max_length=200, help_text="The schedule's title")
    items = models.JSONField(help_text="The schedule's items as published: number, heading, text")
    # What the OCDS release is built from, as published (integer pence, ISO dates, codes).
    facts = models.JSONField()
    published_on = models.DateField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["published_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "stage"],
                condition=models.Q(stage__in=["intention", "award"]),
                name="one_notice_of_each_stage_per_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.published_on:%d %b %Y})"

    def audit_name(self) -> str:
        return f"{self.get_stage_display().lower()} for {self.facts.get('title', 'a service')}"
