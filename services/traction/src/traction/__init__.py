"""The traction service: goals, their KPIs and KPI readings, per tenant."""
