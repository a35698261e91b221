"""Rich-text fields are textareas that richtext.js turns into a formatting editor; without
JavaScript the textarea of HTML stays, and what it posts is sanitized as before.
tests/browser/test_editing.py drives the editor."""

from __future__ import annotations

import html

from sqlalchemy import select

from app.db import session
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from campaigns.models import Customization


def test_richtext_fields_carry_the_editor_and_stay_textareas(app, world, login_as):
    with app.app_context():
        version = publish(session, import_template(session, load_starter("product-flyer")))
        campaign = lifecycle.create_campaign(
            {"name": "Flyer promo", "targeting": {"min_tier": "Gold"}}, "test"
        )
        asset_id = assets.add_asset(campaign, {"template_version_id": version.id}, "test").id
        session.commit()
        lifecycle.launch(campaign.id)

    partner = login_as("partner_member@a.example")
    page = html.unescape(partner.get(f"/portal/assets/{asset_id}").get_data(as_text=True))
    assert '<textarea id="f-intro" name="field_intro"  rows="4" data-richtext ' in page
    assert 'data-max-text="600"' in page  # the limit counts the visible text
    assert '<textarea id="f-headline"' not in page  # plain text stays plain
    assert "/static/richtext.js" in page
    # what a browser without the editor posts is still sanitized
    partner.post(
        f"/portal/assets/{asset_id}",
        data={"field_intro": '<p onclick="x()">Ours <b>now</b><script>bad()</script></p>'},
    )
    with app.app_context():
        saved = session.execute(select(Customization)).scalar_one().values["intro"]
    assert saved == "<p>Ours <b>now</b></p>"

    marketer = login_as("marketer@vendor.example")
    page = marketer.get(f"/admin/campaigns/assets/{asset_id}").get_data(as_text=True)
    assert '<textarea id="f-presets-intro" name="preset_intro" rows="3" data-richtext >' in page
    assert "/static/richtext.js" in page
