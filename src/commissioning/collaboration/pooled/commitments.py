"""Commitments: orders and contracts a scheme has made, what has been spent against them and what
is outstanding; releasing what is left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.ledger.models import Posting
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.validation import NON_FIELD, Problems, refuse

from ..models import (
    PooledBudget,
    PoolScheme,
    SchemeCommitment,
)


@dataclass(frozen=True)
class CommitmentInput:
    scheme_id: int | None
    reference: str
    supplier: str
    description: str
    amount_pence: int | None
    made_on: dt.date | None
    key: str


def _keeps(pool: PooledBudget, actor) -> None:
    if not can_ledger(actor, LedgerAction.POST, pool.pool_account):
        raise PermissionDenied("Only those who keep the pooled fund record its commitments")


def commit(cmd: CommitmentInput, actor) -> SchemeCommitment:
    """Record money a scheme has committed (an order placed or a contract signed). The same
    form's key twice records it once."""
    scheme = (
        PoolScheme.objects.select_related("pool__pool_account").filter(pk=cmd.scheme_id).first()
        if cmd.scheme_id is not None
        else None
    )
    if scheme is None:
        raise refuse("scheme_id", "Choose the scheme the commitment is for")
    _keeps(scheme.pool, actor)
    done = SchemeCommitment.objects.filter(key=cmd.key).first()
    if done is not None and cmd.key:
        return done
    problems = Problems()
    for name, message in (
        ("reference", "Give the order or contract reference"),
        ("supplier", "Name the supplier or provider"),
        ("description", "Say what the commitment is for"),
    ):
        if not getattr(cmd, name).strip():
            problems.add(name, message)
    if not cmd.key.strip():
        problems.add(NON_FIELD, "The form has expired: open it again")
    if cmd.amount_pence is None or cmd.amount_pence <= 0:
        problems.add("amount_pence", "Enter the amount committed, more than £0")
    pool = scheme.pool
    if cmd.made_on is None:
        problems.add("made_on", "Enter the date the commitment was made")
    elif cmd.made_on > clock.today():
        problems.add("made_on", "The date committed cannot be in the future")
    elif not pool.start_date <= cmd.made_on <= pool.end_date:
        problems.add(
            "made_on",
            f"The date committed falls within the agreement ({pool.start_date:%-d %B %Y} to "
            f"{pool.end_date:%-d %B %Y})",
        )
    reference = cmd.reference.strip()
    if reference and scheme.commitments.filter(reference=reference).exists():
        problems.add("reference", f"{reference} is already recorded for {scheme.name}")
    problems.raise_if_any()
    assert cmd.amount_pence is not None and cmd.made_on is not None  # refused above when missing
    made = SchemeCommitment(
        scheme=scheme,
        reference=reference,
        supplier=cmd.supplier.strip(),
        description=cmd.description.strip(),
        amount_pence=cmd.amount_pence,
        made_on=cmd.made_on,
        key=cmd.key.strip(),
        recorded_by=actor,
    )
    # Lengths and the like, as the model defines them.
    problems.check_model(made, exclude=["scheme", "recorded_by", "released_on"])
    problems.raise_if_any()
    try:
        with transaction.atomic():
            made.save()
            _record_commitment(actor, made)
    except IntegrityError:
        # The same form, or the same reference, recorded at the same moment by someone else.
        done = SchemeCommitment.objects.filter(key=made.key).first()
        if done is not None:
            return done
        raise refuse("reference", f"{reference} is already recorded for {scheme.name}") from None
    return made


def _record_commitment(actor, made: SchemeCommitment) -> None:
    audit.created(
        actor,
        made,
        ("reference", "supplier", "amount_pence", "made_on"),
        scheme=made.scheme.name,
    )


def release(commitment: SchemeCommitment, reason: str, actor) -> SchemeCommitment:
    """Release what is left of a commitment (the order was cancelled, the contract came in
    under its value): nothing more is outstanding on it."""
    _keeps(commitment.scheme.pool, actor)
    if not reason.strip():
        raise refuse("reason", "Say why the commitment is released")
    if len(reason.strip()) > 200:
        raise refuse("reason", "Say why in at most 200 characters")
    with transaction.atomic():
        locked = SchemeCommitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.released_on is not None:
            raise refuse("reason", f"Commitment {locked.reference} is already released")
        left = outstanding(locked)
        with audit.changing(actor, locked, ("released_on", "release_reason")) as change:
            locked.released_on = clock.today()
            locked.release_reason = reason.strip()
            locked.save(update_fields=["released_on", "release_reason"])
            change.also("outstanding_released_pence", None, left)
    return locked


def _against(lookup: str, value) -> Q:
    """Postings whose transaction's metadata matches ``lookup=value`` (``commitment=pk``, or
    ``has_key="commitment"``), or whose transaction reverses one that does: a reversed spend
    gives the commitment back, and the ledger does not copy metadata to a reversal."""
    return Q(**{f"transaction__metadata__{lookup}": value}) | Q(
        **{f"transaction__reverses__metadata__{lookup}": value}
    )


def spent_against(commitment: SchemeCommitment) -> int:
    """What has been spent against a commitment: the postings to its scheme's spend account
    whose transactions name it, and those of their reversals."""
    total = (
        Posting.objects.filter(account_id=commitment.scheme.spend_account_id)
        .filter(_against("commitment", commitment.pk))
        .aggregate(total=Sum("amount_pence"))["total"]
    )
    return int(total or 0)


def outstanding(commitment: SchemeCommitment, spent: int | None = None) -> int:
    """What is still to be spent on a commitment: nothing once released (or overspent).
    ``spent``: what ``spent_against`` says, if the caller has it already."""
    if commitment.released_on is not None:
        return 0
    if spent is None:
        spent = spent_against(commitment)
    return max(0, commitment.amount_pence - spent)


@dataclass(frozen=True)
class CommitmentPosition:
    commitment: SchemeCommitment
    spent_pence: int
    outstanding_pence: int


def commitments(pool: PooledBudget) -> list[CommitmentPosition]:
    """Every commitment of the pool with what was spent against it and what is outstanding:
    two reads for the pool, not one per commitment."""
    made = list(
        SchemeCommitment.objects.filter(scheme__pool=pool).select_related("scheme__spend_account")
    )
    spent = _spent_against(made)
    return [
        CommitmentPosition(c, spent.get(c.pk, 0), outstanding(c, spent.get(c.pk, 0))) for c in made
    ]


def _spent_against(made) -> dict[int, int]:
    """What was spent against each of the commitments ``made``, by commitment id (one read)."""
    spent: dict[int, int] = {}
    postings = (
        Posting.objects.filter(account_id__in={c.scheme.spend_account_id for c in made})
        .filter(_against("has_key", "commitment"))
        .values_list("amount_pence", "transaction__metadata", "transaction__reverses__metadata")
    )
    for pence, metadata, reversed_metadata in postings:
        pk = (metadata or {}).get("commitment") or (reversed_metadata or {}).get("commitment")
        assert pk is not None  # chosen above for naming a commitment (has_key)
        spent[int(pk)] = spent.get(int(pk), 0) + pence
    return spent


def committed(pool: PooledBudget) -> dict[int, int]:
    """Each scheme's outstanding commitments, by scheme id."""
    return committed_of([pool])[pool.pk]


def committed_of(pools) -> dict[int, dict[int, int]]:
    """``committed`` of several pools, by pool id: two reads for them all."""
    made = list(
        SchemeCommitment.objects.filter(scheme__pool__in=[p.pk for p in pools]).select_related(
            "scheme__spend_account"
        )
    )
    spent = _spent_against(made)
    out: dict[int, dict[int, int]] = {p.pk: {} for p in pools}
    for c in made:
        by_scheme = out[c.scheme.pool_id]
        by_scheme[c.scheme_id] = by_scheme.get(c.scheme_id, 0) + outstanding(c, spent.get(c.pk, 0))
    return out
