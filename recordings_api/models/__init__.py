from recordings_api.models.personal_api_keys import PersonalAPIKey
from recordings_api.models.tenancy import Environment, Membership, Organization, Project
from recordings_api.models.users import User

__all__ = ["Environment", "Membership", "Organization", "PersonalAPIKey", "Project", "User"]
