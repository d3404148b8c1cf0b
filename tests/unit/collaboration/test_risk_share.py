"""Pooled budget risk share at year end: the policy's steps, in order, to the penny."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commissioning.collaboration.rules.risk_share import (
    Bearer,
    Policy,
    Scheme,
    Step,
    Underspend,
    policy_problems,
    pro_rata,
    settle,
)

PARTNERS = {"ICB": 6_000_000, "COUNCIL": 4_000_000}


def test_an_overspend_is_covered_by_the_steps_in_the_agreed_order():
    schemes = [
        Scheme("Intermediate care", "ICB", 5_000_000, 5_900_000, uncommitted_pence=100_000),
        Scheme("Home adaptations", "COUNCIL", 3_000_000, 2_700_000),
        Scheme("Carers' breaks", "COUNCIL", 2_000_000, 2_000_000),
    ]
    result = settle(Policy(risk_pool_pence=250_000), PARTNERS, schemes)
    assert result.total_overspend == 900_000 and result.total_underspend == 300_000
    assert result.covered == {
        Step.OTHER_UNDERSPENDS: 300_000,
        Step.RISK_POOL: 250_000,
        Step.UNCOMMITTED_SCHEMES: 100_000,
        Step.OUTSIDE_POOL: 250_000,
    }
    # Each partner bears its own risk: the ICB led the overspending scheme.
    assert result.partners_pay == {"ICB": 250_000, "COUNCIL": 0}
    assert result.retained == 0


def test_a_surplus_is_retained_or_returned_pro_rata_to_contributions():
    schemes = [Scheme("Reablement", "ICB", 1_000_000, 900_001)]
    kept = settle(Policy(), PARTNERS, schemes)
    assert (kept.retained, kept.returned) == (99_999, {"ICB": 0, "COUNCIL": 0})
    back = settle(Policy(underspend=Underspend.RETURN_PRO_RATA), PARTNERS, schemes)
    # 59,999.4 and 39,999.6: the penny left goes to the larger remainder.
    assert back.returned == {"ICB": 59_999, "COUNCIL": 40_000}
    assert back.retained == 0


def test_fixed_shares_split_what_reaches_the_partners_fifty_fifty():
    schemes = [Scheme("Discharge to assess", "ICB", 1_000_000, 1_000_101)]
    policy = Policy(steps=(Step.OUTSIDE_POOL,), overspend_bearer=Bearer.FIXED,
                    fixed_shares={"ICB": 1, "COUNCIL": 1})  # fmt: skip
    assert settle(policy, PARTNERS, schemes).partners_pay == {"ICB": 51, "COUNCIL": 50}


def test_a_policy_must_end_with_resources_outside_the_pool_and_name_every_share():
    assert "last step" in policy_problems(Policy(steps=(Step.RISK_POOL,)), list(PARTNERS))["steps"]
    fixed = Policy(overspend_bearer=Bearer.FIXED, fixed_shares={"ICB": 1})
    assert "every partner" in policy_problems(fixed, list(PARTNERS))["fixed_shares"]
    assert policy_problems(Policy(), list(PARTNERS)) == {}


@given(st.integers(0, 10**12), st.dictionaries(st.sampled_from("ABCDEF"), st.integers(0, 10**9),
                                               min_size=1))  # fmt: skip
def test_pro_rata_shares_always_add_up_and_are_within_a_penny_of_exact(amount, weights):
    shares = pro_rata(amount, weights)
    total = sum(weights.values())
    if total:
        assert sum(shares.values()) == amount
        for k, w in weights.items():
            assert abs(shares[k] - amount * w / total) < 1 + 1e-6 * amount


@given(st.lists(st.tuples(st.sampled_from(["ICB", "COUNCIL"]), st.integers(0, 10**8),
                          st.integers(0, 10**8), st.integers(0, 10**7)), min_size=1, max_size=6),
       st.integers(0, 10**8), st.sampled_from(list(Bearer)))  # fmt: skip
def test_every_overspend_is_met_exactly_once(rows, pool, bearer):
    schemes = [Scheme(f"S{i}", lead, b, s, u) for i, (lead, b, s, u) in enumerate(rows)]
    policy = Policy(risk_pool_pence=pool, overspend_bearer=bearer,
                    fixed_shares={"ICB": 1, "COUNCIL": 1})  # fmt: skip
    result = settle(policy, PARTNERS, schemes)
    assert sum(result.covered.values()) == result.total_overspend
    assert sum(result.partners_pay.values()) == result.covered[Step.OUTSIDE_POOL]
    left = result.total_underspend - result.covered[Step.OTHER_UNDERSPENDS]
    assert result.retained + sum(result.returned.values()) == left
