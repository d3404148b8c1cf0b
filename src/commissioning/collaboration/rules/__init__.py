"""Commissioning together's pure rules (no Django, no database): co-commissioning models and
who decides each function, the pooled budget's risk share, and the forecast of a year's spending.
"""
