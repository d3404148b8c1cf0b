"""A Better Care Fund pool on the ledger: the written agreement, contributions, spending by
scheme, and the year-end risk share moving money to the penny, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.collaboration import pooled
from commissioning.collaboration.models import PooledBudget, YearEndSettlement
from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.verify import verify_ledger
from tests.integration.collaboration.conftest import AGREEMENT, fund

pytestmark = pytest.mark.django_db


def test_a_pool_is_refused_without_what_the_written_agreement_must_state(bcf):
    cmd = pooled.PoolInput(
        code="X",
        name="Pool",
        kind="section_75",
        host_id=bcf.council.pk,
        fund_manager_id=bcf.people["XL001"].pk,
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 3, 1),
        partners=[pooled.PartnerInput(bcf.icb.pk, 0, "NOPE")],
        **{**AGREEMENT, "aims_and_outcomes": " "},
    )
    with pytest.raises(ValidationError) as refused:
        pooled.create_pool(cmd, bcf.people["XL001"])
    errors = refused.value.message_dict
    assert "reg 7" in errors["aims_and_outcomes"][0]
    assert set(errors) >= {
        "end_date",
        "partners",
        "host_id",
        "partners.0.contribution_pence",
        "partners.0.account_code",
    }
    assert PooledBudget.objects.count() == 1  # nothing half-saved


def test_contributions_spending_and_an_overspend_met_by_the_lead_partner(bcf):
    pool = bcf.pool
    fund(bcf)
    care, adaptations = pool.schemes.all()
    pooled.record_spend(
        care, 6_500_000, "s-1", "Q1-Q4 placements", bcf.people["XL001"], dt.date(2025, 9, 30)
    )
    pooled.record_spend(
        adaptations, 3_400_000, "s-2", "Adaptations", bcf.people["XL001"], dt.date(2025, 9, 30)
    )
    # The pool cannot pay more than it holds.
    with pytest.raises(ValidationError) as refused:
        pooled.record_spend(care, 100_001, "s-3", "More", bcf.people["XL001"], dt.date(2026, 1, 31))
    assert refused.value.messages == [
        f"Refused: this needs £1,000.01 from {pool.pool_account.name}, "
        "which has £1,000.00 available"
    ]
    pooled.record_spend(care, 100_000, "s-3", "More", bcf.people["XL001"], dt.date(2026, 1, 31))
    settlement = pooled.settle_year(pool, 2025, bcf.people["XL001"])
    f = settlement.figures
    # Intermediate care overspent by 600,000; home adaptations underspent by 600,000: the
    # underspend covers it all, nothing reaches the partners, nothing is left.
    assert (f["total_overspend"], f["total_underspend"]) == (600_000, 600_000)
    assert f["covered"]["other_underspends"] == 600_000
    assert f["partners"]["XC001"]["pays_pence"] == 0 and f["retained"] == 0
    assert verify_ledger().ok
    with pytest.raises(ValidationError, match="already been settled"):
        pooled.settle_year(pool, 2025, bcf.people["XL001"])


def test_underspend_returned_pro_rata_moves_money_back_once(bcf):
    pool = bcf.pool
    pool.risk_policy = {**pool.risk_policy, "underspend": "return_pro_rata"}
    pool.save()
    fund(bcf)
    care, _ = pool.schemes.all()
    pooled.record_spend(
        care, 5_000_001, "s-1", "Placements", bcf.people["XL001"], dt.date(2025, 6, 30)
    )
    # The council's finance lead moves money out of the pool (hosted by the council), and
    # the returns land in each partner's budget.
    before = dict(
        Account.objects.filter(code__in=["XC001-BCF", "XL001-BCF"]).values_list(
            "code", "balance_pence"
        )
    )
    settlement = pooled.settle_year(pool, 2025, bcf.people["XL001"])
    returned = {c: p["returned_pence"] for c, p in settlement.figures["partners"].items()}
    assert returned == {"XC001": 2_999_999, "XL001": 2_000_000}  # 4,999,999 split 60:40
    after = dict(
        Account.objects.filter(code__in=["XC001-BCF", "XL001-BCF"]).values_list(
            "code", "balance_pence"
        )
    )
    assert after["XC001-BCF"] - before["XC001-BCF"] == 2_999_999
    assert Account.objects.get(code="BCF-2025-XL001").balance_pence == 0
    assert Transaction.objects.filter(key__startswith=f"pool-{pool.pk}-2025").count() == 2
    assert YearEndSettlement.objects.count() == 1
    assert verify_ledger().ok


def test_an_overspend_beyond_the_underspends_is_paid_by_the_lead_partner_once(bcf):
    pool = bcf.pool
    icb, council = fund(bcf, overdraft=True)
    care, adaptations = pool.schemes.all()
    pooled.record_spend(
        care, 6_700_000, "s-1", "Placements", bcf.people["XL001"], dt.date(2025, 9, 30)
    )
    pooled.record_spend(
        adaptations, 3_900_000, "s-2", "Adaptations", bcf.people["XL001"], dt.date(2025, 9, 30)
    )
    settlement = pooled.settle_year(pool, 2025, bcf.people["XL001"])
    # 700,000 over, 100,000 under: 600,000 falls on the ICB, which leads intermediate care.
    assert settlement.figures["partners"]["XC001"]["pays_pence"] == 600_000
    with pytest.raises(PermissionDenied):  # the host cannot take it from the ICB's budget
        pooled.pay_share(settlement, icb, bcf.people["XL001"])
    paid = pooled.pay_share(settlement, icb, bcf.people["XC001"])
    again = pooled.pay_share(settlement, icb, bcf.people["XC001"])
    assert paid.created and not again.created
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == 0
    with pytest.raises(ValidationError, match="owes nothing"):
        pooled.pay_share(settlement, council, bcf.people["XL001"])
    assert verify_ledger().ok


def test_spending_dated_outside_the_agreement_is_refused_naming_the_date(bcf):
    """Issue 18: spending dated 1 June 2027 was accepted from a pool that ended in March."""
    pool = bcf.pool
    fund(bcf)
    care, _ = pool.schemes.all()
    after = pool.end_date + dt.timedelta(days=62)
    with pytest.raises(ValidationError) as refused:
        pooled.record_spend(care, 1_000, "late", "Late", bcf.people["XL001"], after)
    assert list(refused.value.message_dict) == ["value_date"]
    assert "is outside it" in refused.value.message_dict["value_date"][0]
    assert not Transaction.objects.filter(key="late").exists()


def test_spending_beyond_an_overdraft_says_what_is_available_in_pounds(bcf):
    """Issue 18: the refusal quoted "below its limit of −£10,000.00" and the account's code."""
    pool = bcf.pool
    fund(bcf, overdraft=True)  # 10,000,000 paid in, an overdraft of 1,000,000 pence
    care, _ = pool.schemes.all()
    pooled.record_spend(care, 10_500_000, "s-1", "Placements", bcf.people["XL001"],
                        dt.date(2025, 9, 30))  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        pooled.record_spend(care, 600_000, "s-2", "More", bcf.people["XL001"],
                            dt.date(2025, 10, 31))  # fmt: skip
    (message,) = refused.value.messages
    assert message == (
        f"Refused: this needs £6,000.00 from {pool.pool_account.name}, "
        "which has £5,000.00 available"
    )
    assert pool.pool_account.code not in message and "−" not in message
