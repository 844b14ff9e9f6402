"""The Flask plumbing shared by every feature: errors, proxy and prefix, headers, input, health, OpenAPI."""
