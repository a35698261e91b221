"""Campaigns: through-channel campaigns, their co-branded assets, and what partners do with them.

- ``models``: Campaign, CampaignAsset, CampaignPartner, AssetRender, Customization,
  EngagementEvent;
- ``targeting``: the rules that pick partners (``validate_rules``, ``matching_query``,
  ``preview``);
- ``service``: create and edit campaigns and assets, lifecycle, ``launch`` (idempotent),
  ``schedule``, late joiners (``sync_targets``, ``on_partner_changed``), ``retry_failed``,
  ``progress``;
- ``rendering``: renders stored by render key (``render_one`` for workers, ``current_render``
  for the portal);
- ``customize``: a partner's values for the fields it may change;
- ``visibility``: which campaigns a partner sees (the portal's single rule);
- ``events``: engagement events, the dashboard and its CSV export;
- ``dispatch`` and ``notify``: tasks sent after commit, the "new campaign" email.
"""
