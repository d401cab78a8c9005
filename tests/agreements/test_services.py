"""The rules of agreements: one to three promises, bad input refused with nothing saved, who may draft and
confirm, one agreement for a form sent twice, and which promises a round asks about."""
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.agreements import services
from app.agreements.models import Agreement, Promise
from app.audit.models import AuditEntry
from app.database import MadeAlready
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.ratings.services import AskedPromise
from tests.factories import count, link, make_department, make_user
from tests.ratings.test_services import add_dimensions, person


@pytest.fixture
def pair(app):
    """Finance serves Sales (six people); their heads, a head of Legal, a facilitator, an admin, an
    employee of Sales; two dimensions and a metric with readings."""
    dimensions = add_dimensions(2)
    finance, sales, legal = (make_department("Finance", "FIN"), make_department("Sales", "SAL"),
                             make_department("Legal", "LEG"))
    link(finance, sales)
    nps = Metric(name="NPS", direction="higher")
    db.session.add(nps)
    db.session.add_all([Reading(metric=nps, taken_on=date(2026, m, 1), value=20 + m) for m in range(1, 8)])
    world = {
        "dimensions": dimensions, "finance": finance, "sales": sales, "legal": legal, "nps": nps,
        "head_finance": make_user("head.fin@example.com", "Hana Head", finance, head_of=[finance]),
        "head_sales": make_user("head.sal@example.com", "Sam Head", sales, head_of=[sales]),
        "head_legal": make_user("head.leg@example.com", "Lee Head", legal, head_of=[legal]),
        "facilitator": make_user("fac@example.com", "Fay Facilitator", is_facilitator=True),
        "admin": make_user("admin@example.com", "Ada Admin", is_admin=True),
        "employee": make_user("employee@example.com", "Erin Employee", sales),
        "sellers": [person(sales) for _ in range(6)],
    }
    db.session.commit()
    return world


def promise(world, text="Answer invoices within two days", dimension=0):
    return services.PromiseData(text, world["dimensions"][dimension], world["nps"])


def draft(world, by="head_finance", promises=None, **kwargs) -> Agreement:
    agreement = services.draft(world[by], world["finance"], world["sales"],
                               promises if promises is not None else [promise(world)], **kwargs)
    db.session.commit()
    return agreement


def in_force(world, promises=None) -> Agreement:
    agreement = draft(world, promises=promises)
    services.confirm(world["head_sales"], agreement)
    db.session.commit()
    return agreement


# Drafting ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_an_agreement_holds_one_to_three_promises_in_their_order(pair, n):
    agreement = draft(pair, promises=[promise(pair, f"Promise {i}", i % 2) for i in range(n)])
    assert agreement.state == "draft" and agreement.drafted_by_id == pair["head_finance"].id
    assert [(p.position, p.text) for p in agreement.promises] == [(i + 1, f"Promise {i}") for i in range(n)]
    assert db.session.scalars(sa.select(AuditEntry.action)).all()[-1] == "agreement.draft"


def refused(world, provider="finance", receiver="sales", promises=None, by="head_finance") -> str:
    with pytest.raises(services.AgreementError) as error:
        services.draft(world[by], world[provider] if provider else None, world[receiver],
                       promises if promises is not None else [promise(world)])
    db.session.rollback()
    assert count(Agreement) == 0 and count(Promise) == 0
    return str(error.value)


@pytest.mark.parametrize("texts", [[], ["a", "b", "c", "d"]])
def test_none_or_more_than_three_promises_are_refused_and_nothing_is_saved(pair, texts):
    assert "one to three" in refused(pair, promises=[promise(pair, t) for t in texts])


@pytest.mark.parametrize("text", ["", "   ", "nul\x00byte", "x" * 301])
def test_an_empty_unstorable_or_long_promise_is_refused_and_nothing_is_saved(pair, text):
    assert "1 to 300 characters" in refused(pair, promises=[promise(pair), promise(pair, text)])


def test_a_promise_without_its_dimension_or_metric_is_refused(pair):
    no_metric = services.PromiseData("Call back", pair["dimensions"][0], None)
    no_dimension = services.PromiseData("Call back", None, pair["nps"])
    for bad in (no_metric, no_dimension):
        assert "dimension and an external metric" in refused(pair, promises=[bad])


def test_the_two_departments_are_given_and_different(pair):
    assert "two different" in refused(pair, receiver="finance")
    assert "Choose the providing" in refused(pair, provider=None)


def test_a_300_character_promise_is_kept_whole(pair):
    assert draft(pair, promises=[promise(pair, "x" * 300)]).promises[0].text == "x" * 300


@pytest.mark.parametrize("who,may", [("head_finance", True), ("head_sales", True), ("facilitator", True),
                                     ("admin", True), ("head_legal", False), ("employee", False)])
def test_the_heads_of_the_two_facilitators_and_admins_draft(pair, who, may):
    if may:
        assert draft(pair, by=who).id
    else:
        assert "Only the heads" in refused(pair, by=who)


def test_the_same_form_sent_twice_makes_one_agreement(pair):
    first = draft(pair, form_token="token-1")
    with pytest.raises(MadeAlready) as made:
        services.draft(pair["head_finance"], pair["finance"], pair["sales"], [promise(pair)],
                       form_token="token-1")
    db.session.rollback()
    assert made.value.made_id == first.id and count(Agreement) == 1 and count(Promise) == 1


# Confirming --------------------------------------------------------------------------------------

def test_the_other_side_s_head_puts_a_draft_in_force_once(pair):
    agreement = draft(pair)
    for not_them in ("head_finance", "head_legal", "facilitator", "employee"):
        with pytest.raises(services.AgreementError):
            services.confirm(pair[not_them], agreement)
    services.confirm(pair["head_sales"], agreement)
    db.session.commit()
    assert agreement.state == "in_force" and agreement.confirmed_by_id == pair["head_sales"].id
    assert agreement.confirmed_at is not None
    with pytest.raises(services.AgreementError):
        services.confirm(pair["head_sales"], agreement)


def test_a_draft_a_facilitator_wrote_is_confirmed_by_either_head(pair):
    agreement = draft(pair, by="facilitator")
    services.confirm(pair["head_finance"], agreement)
    assert agreement.state == "in_force"


def test_a_second_confirmation_racing_the_first_changes_nothing(pair):
    agreement = draft(pair)
    services.confirm(pair["head_sales"], agreement)
    set_committed_value(agreement, "state", "draft")  # as a racing copy read it, before the first wrote
    with pytest.raises(services.AgreementError, match="in force already"):
        services.confirm(pair["head_sales"], agreement)


# What a round asks about -------------------------------------------------------------------------

def test_only_the_promises_in_force_are_asked_and_only_of_the_receiving_department(pair):
    draft(pair)  # a draft is not asked about
    assert services.promises_in_force(pair["finance"].id, pair["sales"].id) == []
    agreement = in_force(pair, [promise(pair, "First"), promise(pair, "Second", 1)])
    asked = services.promises_in_force(pair["finance"].id, pair["sales"].id)
    assert asked == [AskedPromise(p.id, p.text) for p in agreement.promises]
    assert services.promises_in_force(pair["sales"].id, pair["finance"].id) == []
    assert services.promises_in_force(pair["finance"].id, pair["legal"].id) == []


def test_who_sees_which_agreement(pair):
    agreement = draft(pair)
    for who in ("head_finance", "head_sales", "facilitator", "admin"):
        assert services.visible_agreements(pair[who]) == [agreement]
    assert services.visible_agreements(pair["head_legal"]) == []


# Ending ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who,may", [("head_finance", True), ("head_sales", True), ("facilitator", True),
                                     ("admin", True), ("head_legal", False), ("employee", False)])
def test_the_heads_of_the_two_facilitators_and_admins_end_an_agreement(pair, who, may):
    agreement = in_force(pair)
    if may:
        services.end(pair[who], agreement)
        db.session.commit()
        assert agreement.state == "ended" and agreement.ended_by_id == pair[who].id
        assert agreement.ended_at is not None and agreement.confirmed_at is not None
        assert db.session.scalars(sa.select(AuditEntry.action)).all()[-1] == "agreement.end"
    else:
        with pytest.raises(services.AgreementError, match="Only the heads"):
            services.end(pair[who], agreement)
        db.session.rollback()
        assert agreement.state == "in_force"


def test_a_draft_is_withdrawn_and_can_no_longer_be_confirmed(pair):
    agreement = draft(pair)
    services.end(pair["head_finance"], agreement)
    db.session.commit()
    assert agreement.state == "ended" and agreement.confirmed_at is None
    with pytest.raises(services.AgreementError):
        services.confirm(pair["head_sales"], agreement)


def test_an_agreement_is_ended_once(pair):
    agreement = in_force(pair)
    services.end(pair["head_sales"], agreement)
    db.session.commit()
    with pytest.raises(services.AgreementError, match="ended already"):
        services.end(pair["head_finance"], agreement)
    db.session.rollback()
    assert agreement.ended_by_id == pair["head_sales"].id
    assert count(AuditEntry, AuditEntry.action == "agreement.end") == 1


def test_an_ended_agreement_is_asked_about_no_more(pair):
    agreement = in_force(pair)
    services.end(pair["head_sales"], agreement)
    db.session.commit()
    assert services.promises_in_force(pair["finance"].id, pair["sales"].id) == []


@pytest.mark.parametrize("state", ["draft", "in_force"])
def test_the_database_keeps_ended_and_its_time_together(pair, state):
    agreement = draft(pair) if state == "draft" else in_force(pair)
    for values in ({"state": "ended"}, {"ended_at": agreement.drafted_at},
                   {"state": "in_force", "confirmed_at": None}):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Agreement).where(Agreement.id == agreement.id).values(**values))
        db.session.rollback()
