from django.apps import AppConfig


class PersonalBudgetsConfig(AppConfig):
    name = "commissioning.personal_budgets"
    verbose_name = "Personal health budgets"
