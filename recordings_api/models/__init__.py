from recordings_api.models.personal_api_keys import PersonalAPIKey
from recordings_api.models.rate_budgets import RateBudgetWindow
from recordings_api.models.sentry_keys import SentryClientKey, sentry_dsn
from recordings_api.models.tenancy import Environment, Membership, Organization, Project
from recordings_api.models.users import User

__all__ = [
    "Environment",
    "Membership",
    "Organization",
    "PersonalAPIKey",
    "Project",
    "RateBudgetWindow",
    "SentryClientKey",
    "User",
    "sentry_dsn",
]
