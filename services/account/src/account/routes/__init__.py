"""HTTP routes of the account service, one Router per resource."""
