"""Month-end rules for specialised budgets: flat phasing, a three-month run rate."""

from commissioning.specialised.rules import forecast_outturn, month_end, plan_to_date


def test_plan_to_date_is_the_budget_in_equal_twelfths():
    assert plan_to_date(1_200_000, 3) == 300_000
    assert plan_to_date(1_000_001, 12) == 1_000_001
    assert plan_to_date(100, 1) == 8  # rounded down to the penny


def test_forecast_is_spend_to_date_plus_the_last_three_months_run_rate():
    # Spend rising: 100, 100, 100, 130, 160, 190. Last three average 160; six months left.
    assert forecast_outturn([100, 100, 100, 130, 160, 190]) == 780 + 160 * 6
    assert forecast_outturn([90]) == 90 * 12
    assert forecast_outturn([]) == 0


def test_variances_are_positive_when_under_budget():
    m = month_end(1_200, [100, 100, 130])
    assert (m.plan_to_date, m.actual_to_date, m.variance_to_date) == (300, 330, -30)
    assert m.forecast == 330 + round(330 / 3 * 9) and m.forecast_variance == 1_200 - m.forecast
