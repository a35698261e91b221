"""Leads: requests of end customers, captured on public pages, routed to a partner, answered
within an SLA, watched for channel conflicts, kept no longer than the retention setting."""
