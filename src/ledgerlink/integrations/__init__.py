"""The integrations domain: endpoints, service, repository and schemas."""
