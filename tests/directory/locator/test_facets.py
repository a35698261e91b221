"""The where-to-buy filters' choices: counted by the database into ``locator_facets`` (by the
task, or once on the first run), read by the pages without reading every partner."""

from __future__ import annotations

from app import jobs
from app.db import session
from directory.locator import finder
from directory.models import Partner
from tests.directory.locator.conftest import add_partner


def test_choices_are_what_listed_partners_have_counted_again_by_the_task(app, network, monkeypatch):
    with app.app_context():
        hidden = session.get(Partner, network.hidden)
        hidden.specialties = ["Secret"]  # not listed: never a choice
        session.commit()
        finder.forget_facets()
        first = finder.facets()  # the first run: nothing counted yet, counted here
        assert [v for v, _ in first["specialty"]] == ["Heat pumps", "Solar"]
        assert ("de", "German") in first["language"] and ("en", "English") in first["language"]
        assert [v for v, _ in first["type"]] == ["reseller", "installer"]
        assert [v for v, _ in first["tier"]] == ["Silver", "Gold"]

        # an edit is seen once the task counts again (sent after the commit)
        sent = []
        monkeypatch.setattr(jobs, "send", lambda task, args, eta=None: sent.append(task))
        berlin = session.get(Partner, network.berlin)
        berlin.specialties = ["Solar", "Storage", None, ""]  # blanks are no choice
        finder.facets_changed()
        assert sent == []
        session.commit()
        assert sent == [finder.FACETS_TASK]
        assert "Storage" not in [v for v, _ in finder.facets()["specialty"]]
        assert finder.refresh_facets() > 0
        session.commit()
        assert [v for v, _ in finder.facets()["specialty"]] == ["Solar", "Storage"]


def test_no_listed_partner_no_choices(app):
    with app.app_context():
        add_partner("Unlisted", None, listed=False, specialties=["Solar"])
        session.commit()
        finder.forget_facets()
        found = finder.facets()
        assert found["specialty"] == [] and found["type"] == []


def test_the_task_runs_on_the_beat_schedule_and_counts(app, network):
    import workers

    entry = workers.celery.conf.beat_schedule["locator-refresh-facets"]
    assert entry["task"] == finder.FACETS_TASK in workers.celery.tasks
    with app.app_context():
        # the task as the worker runs it: counts, commits
        count = workers.celery.tasks[finder.FACETS_TASK].run()
        session.remove()
        assert count == session.query(finder.LocatorFacet).count() > 0
