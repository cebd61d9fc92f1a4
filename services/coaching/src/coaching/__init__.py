"""The coaching service: coaching sessions and their messages, per tenant and user."""
