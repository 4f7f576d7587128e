"""posthog-js capture endpoints: body decoding, payload parsing and the public views."""
