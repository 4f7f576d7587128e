"""Action definitions (PostHog's actions): the model is ``recordings.models.Action``."""
