"""Quality monitoring methods (no Django): SPC ("Making Data Count"), funnel plots, risk
adjustment, risk-adjusted CUSUM and VLAD. Each method has a naive reference engine (the test
oracle) and a fast engine; the same specification tests run on both."""
