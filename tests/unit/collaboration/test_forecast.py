"""The in-year forecast of a pooled budget's schemes and the risk share applied to it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.collaboration.rules import forecast, risk_share

SEVEN_MONTHS = [100] * 7


def test_the_forecast_is_spend_to_date_plus_the_recent_run_rate_for_the_months_left():
    f = forecast.forecast_scheme("Care", "XC001", 1_000, SEVEN_MONTHS, committed_pence=200)
    assert (f.spent_pence, f.forecast_pence) == (700, 700 + 100 * 5)
    assert f.variance_pence == -200  # over budget
    assert f.uncommitted_pence == 1_200 - 700 - 200


def test_money_committed_will_be_spent_so_the_forecast_is_never_below_it():
    f = forecast.forecast_scheme("Care", "XC001", 1_000, SEVEN_MONTHS, committed_pence=800)
    assert f.forecast_pence == 700 + 800
    assert f.uncommitted_pence == 0


def test_the_run_rate_is_the_last_three_complete_months():
    f = forecast.forecast_scheme("Care", "XC001", 5_000, [0, 0, 0, 0, 300, 300, 300], 0)
    assert f.forecast_pence == 900 + 300 * 5


@pytest.mark.parametrize(("monthly", "committed"), [([], 0), ([1] * 13, 0), ([1], -1)])
def test_a_forecast_needs_complete_months_and_commitments_of_zero_or_more(monthly, committed):
    with pytest.raises(ValueError):
        forecast.forecast_scheme("Care", "XC001", 1_000, monthly, committed)


def test_cutting_uncommitted_spending_covers_only_what_is_not_committed():
    # Intermediate care: spent 4,200,000 over seven months, forecast 7,200,000 against a budget
    # of 6,000,000; committed 2,700,000, so 300,000 of the rest of the year could be cut.
    care = forecast.forecast_scheme("Care", "XC001", 6_000_000, [600_000] * 7, 2_700_000)
    adaptations = forecast.forecast_scheme("Adapt", "XL001", 4_000_000, [250_000] * 7, 2_250_000)
    assert (care.forecast_pence, care.uncommitted_pence) == (7_200_000, 300_000)
    assert (adaptations.forecast_pence, adaptations.uncommitted_pence) == (4_000_000, 0)
    result = forecast.if_the_year_ends_as_forecast(
        risk_share.Policy(), {"XC001": 6_000_000, "XL001": 4_000_000}, [care, adaptations]
    )
    assert result.total_overspend == 1_200_000
    assert result.covered[risk_share.Step.UNCOMMITTED_SCHEMES] == 300_000
    assert result.covered[risk_share.Step.OUTSIDE_POOL] == 900_000
    assert result.partners_pay == {"XC001": 900_000, "XL001": 0}  # each bears its own risk


@given(
    monthly=st.lists(st.integers(0, 10**8), min_size=1, max_size=11),
    committed=st.integers(0, 10**9),
    budget=st.integers(0, 10**9),
)
def test_forecast_covers_spent_and_committed_and_its_parts_add_up(monthly, committed, budget):
    f = forecast.forecast_scheme("S", "L", budget, monthly, committed)
    assert f.forecast_pence >= f.spent_pence + f.committed_pence
    assert f.spent_pence + f.committed_pence + f.uncommitted_pence == f.forecast_pence
    assert f.variance_pence == budget - f.forecast_pence


def test_the_forecast_chart_draws_one_panel_per_scheme_with_its_figures():
    from commissioning.collaboration.charts import forecast_chart

    care = forecast.forecast_scheme("Care", "XC001", 6_000_000, [600_000] * 7, 2_700_000)
    carers = forecast.forecast_scheme("Carers", "XL001", 600_000, [50_000], 0)
    figure = forecast_chart([care, carers], "Pool")
    first, second = figure.axes
    spent, projected = first.lines[0], first.lines[1]
    assert list(spent.get_ydata()) == [6_000 * k for k in range(1, 8)]  # pounds, cumulative
    assert list(projected.get_ydata()) == [42_000, 72_000]  # to the forecast outturn in March
    assert first.lines[2].get_ydata()[0] == 60_000  # the budget
    assert second.get_title(loc="left") == "Carers" and list(second.lines[0].get_ydata()) == [500]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "Spent",
        "Forecast",
        "Budget",
        "Committed",
    ]


def test_an_action_plan_is_agreed_by_every_partner_and_rejected_by_any():
    partners = ["XC001", "XL001"]
    assert forecast.plan_status({}, partners) is forecast.PlanStatus.PROPOSED
    assert forecast.plan_status({"XC001": True}, partners) is forecast.PlanStatus.PROPOSED
    assert forecast.plan_status({"XC001": True, "XL001": True}, partners).value == "agreed"
    assert forecast.plan_status({"XC001": True, "XL001": False}, partners).value == "rejected"
    assert forecast.plan_status({"XL001": False}, partners).value == "rejected"


def test_a_cut_is_at_most_the_uncommitted_spending_and_comes_off_the_forecast():
    care = forecast.forecast_scheme("Care", "XC001", 6_000_000, [600_000] * 7, 2_700_000)
    adapt = forecast.forecast_scheme("Adapt", "XL001", 4_000_000, [250_000] * 7, 2_250_000)
    schemes = {"Care": care, "Adapt": adapt}
    assert forecast.cut_problems({"Care": 300_000}, schemes) == {}
    problems = forecast.cut_problems({"Care": 300_001, "Adapt": 1, "Other": 5}, schemes)
    assert problems["Care"] == (
        "At most its uncommitted spending, £3,000.00: committed money cannot be cut"
    )
    assert "£0.00" in problems["Adapt"] and problems["Other"] == "Not a scheme of this pool"
    assert forecast.cut_problems({"Care": 0}, schemes) == {"Care": "A cut is more than £0"}
    cut = forecast.with_cuts(care, 300_000)
    assert (cut.forecast_pence, cut.uncommitted_pence) == (6_900_000, 0)
    assert forecast.with_cuts(care, 10**9).forecast_pence == 4_200_000 + 2_700_000
    with pytest.raises(ValueError):
        forecast.with_cuts(care, -1)
