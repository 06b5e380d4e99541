"""The crm domain: endpoints, service, repository and schemas."""
