"""The automations domain: endpoints, service, repository and schemas."""
