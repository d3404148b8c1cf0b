"""Personal health budgets: the person, their assessment, care and support plans (with
versions), the money (on the ledger), reviews, repayment notices, stopping decisions,
reconsideration requests, and the log of every access to a person's record.

Personal data is kept to what the work needs: a name to greet and address the person by,
the NHS number, the date of birth (the regulations treat a child under 16 differently).
None of it is written to the application's logs or to the access log (which holds ids)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from commissioning.audit.models import AppendOnly

from .rules.direct_payments import RepaymentGround, StopGround
from .rules.holding import Mode, Recipient
from .rules.nhs_number import display
from .rules.spending import Category

FUNDING_SOURCES = {"nhs": "NHS", "social_care": "Social care", "education": "Education"}


def choices_of(enum) -> list[tuple[str, str]]:
    """Choices from a rules enum: its values, labelled in sentence case."""
    return [(m.value, m.value.replace("_", " ").capitalize()) for m in enum]


class Entitlement(models.TextChoices):
    CONTINUING_HEALTHCARE = "chc", "NHS Continuing Healthcare (a right since October 2014)"
    CHILDRENS_CONTINUING_CARE = "ccc", "Children's continuing care (a right since October 2014)"
    SECTION_117 = "s117", "Section 117 after-care (a right since December 2019)"
    WHEELCHAIR = "wheelchair", "Personal wheelchair budget (a right since December 2019)"
    LONG_TERM_CONDITION = "ltc", "Long-term condition (an offer since April 2015)"


class Person(models.Model):
    # The audit trail says that a sign-in is linked, never whose (audit.readable): the trail is
    # read by auditors the budget's own policy may not let see the person.
    AUDIT_UNNAMED = ("holder", "representative", "nominee")

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        STOPPED = "stopped", "Stopped"

    nhs_number = models.CharField("NHS number", max_length=10, unique=True)
    name = models.CharField("name", max_length=120)
    date_of_birth = models.DateField("date of birth")
    lacks_capacity = models.BooleanField(
        "lacks capacity to consent",
        default=False,
        help_text="Assessed under the Mental Capacity Act 2005",
    )
    excluded_by_schedule = models.BooleanField(
        "excluded from direct payments",
        default=False,
        help_text="Under a drug rehabilitation or alcohol treatment requirement, or on licence "
        "with such conditions (the Schedule to SI 2013/1617)",
    )
    entitlement = models.CharField(
        "basis of entitlement", max_length=12, choices=Entitlement.choices
    )
    commissioner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="phb_people"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="phb_caseload"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phb_own",
        help_text="The person's own sign-in",
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phb_represented",
    )
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phb_nominated",
    )
    budget_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    spend_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:  # an id, never personal data: str() can reach logs
        return f"Personal health budget {self.reference}"

    @property
    def reference(self) -> str:
        return f"PHB-{self.pk:06d}"

    @property
    def nhs_number_display(self) -> str:
        return display(self.nhs_number)

    def age_on(self, day) -> int:
        b = self.date_of_birth
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class NeedsAssessment(models.Model):
    class Decision(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    ratings = models.JSONField(help_text="{domain: level 0-5}")
    likely_eligible = models.BooleanField(help_text="What the Decision Support Tool indicates")
    indication = models.CharField(max_length=300)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    decision_reasons = models.TextField(help_text="The multidisciplinary team's judgement")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"Needs assessment {self.pk}"


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        SUPERSEDED = "superseded", "Superseded"

    class AgreedBy(models.TextChoices):
        PERSON = "person", "The person"
        REPRESENTATIVE = "representative", "Their representative"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField()
    needs = models.TextField("health and wellbeing needs")
    outcomes = models.TextField("outcomes sought")
    risks = models.TextField("risks and how they are managed")
    contingency = models.TextField("contingency: what happens if something goes wrong")
    mode = models.CharField(
        "how the budget is held", max_length=20, choices=[(m.value, m.label) for m in Mode]
    )
    recipient = models.CharField(
        "who receives the direct payment",
        max_length=20,
        blank=True,
        choices=choices_of(Recipient),
    )
    third_party_name = models.CharField("third-party organisation", max_length=200, blank=True)
    third_party_independent = models.BooleanField(
        "the third party is independent of the person and the NHS", default=False
    )
    amount_pence = models.BigIntegerField("annual budget")
    indicative_pence = models.BigIntegerField("indicative budget", null=True, blank=True)
    reduction_reasons = models.TextField(blank=True)
    pool = models.ForeignKey(
        "collaboration.PooledBudget",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrated_plans",
        help_text="An integrated budget is funded from this pool",
    )
    scheme = models.ForeignKey(
        "collaboration.PoolScheme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrated_plans",
        help_text="The pool's scheme an integrated budget is charged to (its spending)",
    )
    funding = models.JSONField(default=dict, help_text="{nhs|social_care|education: pence}")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    agreed_by = models.CharField(max_length=20, choices=AgreedBy.choices, blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    agreed_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["person", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="one_plan_version"),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="agreed"), name="one_agreed_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"Care and support plan, version {self.version}"

    @property
    def funding_lines(self) -> list[tuple[str, int]]:
        """An integrated budget's shares, labelled, always in the order NHS, social care,
        education (PostgreSQL's jsonb does not keep the order keys were written in)."""
        return [
            (label, self.funding[k]) for k, label in FUNDING_SOURCES.items() if k in self.funding
        ]

    @property
    def total_cost_pence(self) -> int:
        return sum(s.annual_cost_pence for s in self.services.all())


class PlannedService(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=choices_of(Category))
    provider = models.CharField(max_length=200, blank=True)
    annual_cost_pence = models.BigIntegerField()

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payments")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="payments")
    service = models.ForeignKey(
        PlannedService, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    category = models.CharField(
        max_length=30, choices=PlannedService._meta.get_field("category").choices
    )
    payee = models.CharField(max_length=200)
    description = models.CharField(max_length=300)
    amount_pence = models.BigIntegerField()
    paid_on = models.DateField()
    flagged = models.BooleanField(
        default=False, help_text="Outside the plan: for the coordinator to review"
    )
    flag_cleared = models.BooleanField(default=False)
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "paid_on", "pk"]

    def __str__(self) -> str:
        return f"Payment {self.pk}"


class RefusedPayment(models.Model):
    """A payment the spending rules refused (a prohibited purchase, or more than is left):
    nothing was paid and nothing is on the ledger, but the attempt is kept so that the care
    coordinator can see a pattern (repeated attempts can be a sign the plan is not meeting the
    person's needs, or of a safeguarding concern) and talk it through at the review."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="refused_payments")
    category = models.CharField(
        max_length=30, choices=PlannedService._meta.get_field("category").choices
    )
    payee = models.CharField(max_length=200)
    description = models.CharField(max_length=300)
    amount_pence = models.BigIntegerField()
    attempted_on = models.DateField(help_text="The date the payment was for")
    reason = models.CharField(max_length=300)
    attempted_at = models.DateTimeField()
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"Refused payment {self.pk}"


class Review(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    needs_met = models.BooleanField("the plan is meeting the person's needs")
    notes = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review {self.pk}"


class RepaymentNotice(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="repayment_notices")
    ground = models.CharField(
        max_length=40,
        choices=choices_of(RepaymentGround),
    )
    reasons = models.TextField()
    amount_pence = models.BigIntegerField()
    deadline = models.DateField()
    repayer = models.CharField(
        "who must repay",
        max_length=20,
        choices=choices_of(Recipient),
    )
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"Repayment notice {self.pk}"

    @property
    def repaid_pence(self) -> int:
        return sum(r.amount_pence for r in self.repayments.all())

    @property
    def outstanding_pence(self) -> int:
        return self.amount_pence - self.repaid_pence


class Repayment(models.Model):
    """Money received against a repayment notice (regulation 15), on the ledger."""

    notice = models.ForeignKey(RepaymentNotice, on_delete=models.PROTECT, related_name="repayments")
    amount_pence = models.BigIntegerField()
    received_on = models.DateField()
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["notice", "received_on", "pk"]

    def __str__(self) -> str:
        return f"Repayment {self.pk}"


class StopDecision(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stop_decisions")
    ground = models.CharField(
        max_length=40,
        choices=choices_of(StopGround),
    )
    reasons = models.TextField()
    decided_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"Stopping decision {self.pk}"


class Reconsideration(models.Model):
    """A request to reconsider a decision (docs/domain.md section 6). SI 2013/2354 gives the
    right for a refusal to pay (reg 7), leaving a service out of the plan (reg 8) and a
    reduction (reg 13), with reasons given; reg 15 lets the recipient ask for a repayment
    decision to be reconsidered. Reconsidering a decision to stop payments is the platform's
    choice."""

    class About(models.TextChoices):
        REFUSAL = "refusal", "A refusal to pay a direct payment"
        SERVICE_LEFT_OUT = "service_left_out", "A service left out of the care and support plan"
        REDUCTION = "reduction", "A reduction in the budget"
        REPAYMENT = "repayment", "A repayment notice"
        STOPPING = "stopping", "Stopping the direct payment"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        UPHELD = "upheld", "Original decision upheld"
        CHANGED = "changed", "Decision changed"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reconsiderations")
    about = models.CharField(max_length=20, choices=About.choices)
    grounds = models.TextField("why the person asks for it")
    requested_on = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_reasons = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["person", "-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"Reconsideration request {self.pk}"


class SignInNotice(models.Model):
    """What the person is told when someone is given (or loses) a sign-in to their record: who
    (the account's username and how they stand to the person), by whom and when. Shown on the
    record to the person and those who see it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sign_in_notices")
    at = models.DateTimeField()
    link = models.CharField(max_length=20)  # holder, representative or nominee
    username = models.CharField(max_length=150, blank=True, help_text="Empty: the link removed")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Sign-in notice {self.pk}"


class Access(AppendOnly):
    """One attempt to read or change a person's record, allowed or refused. Ids only: the
    log itself holds no personal data."""

    at = models.DateTimeField(auto_now_add=True)
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150)
    person_id = models.BigIntegerField(
        null=True, help_text="The record asked for (it may not exist)"
    )
    what = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=[("web", "Web"), ("api", "API")])
    allowed = models.BooleanField()

    append_only = "The access log is append-only"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person_id", "at"])]

    def __str__(self) -> str:
        return f"Access {self.pk}"
