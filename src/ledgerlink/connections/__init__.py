"""The connections domain: endpoints, service, repository and schemas."""
