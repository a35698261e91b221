"""Campaigns: through-channel campaigns, their co-branded assets, and what partners do with them.

- ``models``: Campaign, CampaignAsset, CampaignPartner, AssetRender, Customization,
  EngagementEvent;
- ``targeting``: the rules that pick partners (``validate_rules``, ``matching_query``,
  ``preview``);
- ``lookup``: a campaign by id (``get_campaign``), the list of them;
- ``lifecycle``: create and edit campaigns, ``launch`` (idempotent), ``schedule``, end,
  archive;
- ``assets``: add, change and remove a campaign's assets;
- ``membership``: which partners a campaign targets, late joiners (``sync_targets``,
  ``on_partner_changed``);
- ``tier_rules``: tiers that targeting rules name (``update_tier``, ``delete_tier``);
- ``progress``: renders by status (``progress``), ``retry_failed``, ``requeue_stalled``;
- ``rendering``: renders stored by render key (``render_one`` for workers, ``current_render``
  for the portal);
- ``customize``: a partner's values for the fields it may change;
- ``visibility``: which campaigns a partner sees (the portal's single rule);
- ``events``: engagement events, the dashboard and its CSV export;
- ``dispatch`` and ``notify``: tasks sent after commit, the "new campaign" email.
"""
