"""Every form the app posts, fuzzed: generated values in every field (NUL, broken characters, huge and
infinite numbers, ids out of range, long, empty and foreign text), posted with a valid CSRF token by someone
who may use the form, never cause a server error, and nothing the database cannot keep is stored.

Each POST route is listed here with the form it reads, or as skipped with a reason: a new route fails
`test_every_post_route_is_fuzzed_or_skipped` until it is added."""
import importlib
import io
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import DateTimeField, DecimalField, FileField, FloatField, IntegerField

import app as app_package
from app.agreements import services as agreements
from app.agreements.forms import AgreementForm
from app.api.forms import EmptyForm, TokenForm
from app.api.services import create_token
from app.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    NewPasswordForm,
    SetupForm,
    SignInForm,
)
from app.auth.services import issue_link
from app.complaints import services as complaints
from app.complaints.forms import CategoryForm
from app.dimensions.forms import DimensionForm
from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from app.loop.forms import ResponseForm
from app.metrics import forms as metric_forms
from app.metrics.models import Reading
from app.notices.forms import NoticeChoicesForm
from app.org import forms as org_forms
from app.projects import services as projects
from app.projects.forms import CheckInForm, MoveForm, ProjectForm, RootCauseForm, TaskDoneForm, TaskForm
from app.ratings import services as ratings
from app.ratings.forms import RoundForm, rating_form
from app.replies import services as replies
from app.replies.forms import AnswerForm, CodeForm, ReplyForm, prefix
from app.replies.models import CommentReply
from app.themes import forms as theme_forms
from app.themes import services as themes
from app.themes.models import ThemeKeyword
from app.web import forms as web_forms
from app.web.forms import UNSTORABLE, Form
from app.workshops import services as workshops
from app.workshops.forms import (
    ActionForm,
    CardForm,
    MergeForm,
    ProjectFromCardForm,
    StepForm,
    SuggestionForm,
    ThemeCardForm,
    WorkshopForm,
)
from tests.api.helpers import make_metric
from tests.factories import PASSWORD, make_department, page_text
from tests.reports.test_results import Survey

NEW_PASSWORD = "a quite different passphrase"

# What a careless or hostile sender puts in a field; numbers and dates more often where they are read.
NUMBERS = [
    "-1", "0", "-0", "2147483648", "-2147483649", "9223372036854775808", "1" + "0" * 400, "-1" + "0" * 400,
    "1e400", "-1e400", "inf", "-inf", "nan", "Infinity", "1e308", "1e-400", "3,5", "٣", "1_000", "0x10",
    "9" * 5000,
]
DATES = ["2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "10000-01-01", "1969-12-31", "31.12.2026"]
NASTY = [
    *NUMBERS, *DATES, "", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\ufffd", "x" * 70_000,
    "Ünïcödé ✓ 🎉 中文", "\u202eevil", "a\r\nb", "a\rb", "<script>alert(1)</script>", "%s %(x)s {0}",
    "' OR 1=1 --", "y", "on", "1",
]
text_with_surrogates = st.text(st.characters(codec=None, categories=["L", "N", "P", "Cc", "Cs"]), max_size=30)
nasty_value = st.one_of(st.sampled_from(NASTY), text_with_surrogates)
nasty_values = st.one_of(nasty_value, st.lists(nasty_value, min_size=2, max_size=3))  # a field sent twice
in_an_address = nasty_value.map(lambda v: UNSTORABLE.sub("", v) or "x")  # no NUL, no half a pair in an URL
BAD_IDS = [0, -1, 2**31, 2**63, 10**30]


class World:
    """The company the forms act on, each part built when a route first needs it."""

    def __init__(self, org: dict):
        self.org = org
        self.workshops, self.first_cards = {}, {}

    def __getitem__(self, name):
        return self.org[name]

    @cached_property
    def dimension(self):
        seed_default_dimensions()
        return ordered()[0]

    @cached_property
    def metric(self):
        metric = make_metric(owner=self["finance"])
        db.session.add_all(Reading(metric=metric, taken_on=date(2026, 1, day), value=40.0 + day)
                           for day in (1, 2, 3))
        return metric

    @cached_property
    def category(self):
        return complaints.save_category(self["admin"], None, "Late invoice", self.dimension, None)

    @cached_property
    def project(self):
        return projects.save_project(self["head"], None, projects.ProjectData(
            title="Faster invoices", owner_department=self["finance"], departments=[self["sales"]],
            metric=self.metric, target_value=60.0, target_date=date(2026, 12, 31)))

    @cached_property
    def task(self):
        return projects.add_task(self["head"], self.project, "Send the invoices", self["employee"], None)

    @cached_property
    def round(self):
        self.dimension  # noqa: B018 (the round asks the dimensions in use)
        round_ = ratings.save_round(self["facilitator"], None, "Spring 2026", date(2026, 3, 1),
                                    date(2026, 3, 31), 3, [self["finance"], self["sales"]])
        ratings.open_round(self["facilitator"], round_)
        return round_

    def workshop(self, phase: str):
        """A workshop of Finance and Sales in `phase`, with a card by each participant."""
        if phase not in self.workshops:
            self.workshops[phase] = self._workshop(phase)
        return self.workshops[phase]

    def _workshop(self, phase: str):
        self.dimension  # noqa: B018
        workshop = workshops.save_workshop(self["facilitator"], None, "Quarter close", date(2026, 6, 1), None,
                                           [self["finance"], self["sales"]], [self["employee"], self["head"]],
                                           3, False, False)
        while workshop.phase != phase:
            workshops.move_phase(self["facilitator"], workshop, 1)
            if workshop.phase == "collect":
                for who, text in (("employee", "Invoices reach Sales late"), ("head", "Orders come unclear")):
                    workshops.add_card(self[who], workshop, text, self.dimension, None)
        return workshop

    def card_ids(self, phase: str) -> list[int]:
        """The ids of the cards first written on the workshop in `phase`, kept when one is withdrawn."""
        if phase not in self.first_cards:
            self.first_cards[phase] = sorted(c.id for c in self.workshop(phase).cards)
        return self.first_cards[phase]

    @cached_property
    def results(self):
        """A published round in which three of Sales rated Finance, the first dimension the weakest: its
        heads may respond to it."""
        self.dimension  # noqa: B018
        survey = Survey(self["facilitator"], [self["finance"], self["sales"]], name="Autumn 2025",
                        opens=date(2025, 9, 1), closes=date(2025, 9, 30))
        survey.rate(self["sales"], self["finance"], [[1, 3]] * 3)
        return survey.publish()

    @cached_property
    def commented(self) -> dict:
        """A published round in which three of Sales commented on Finance: the first comment replied to
        yesterday (its author, holding `code`, may answer), the second waiting for a reply."""
        self.dimension  # noqa: B018
        survey = Survey(self["facilitator"], [self["finance"], self["sales"]], name="Winter 2025",
                        opens=date(2025, 12, 1), closes=date(2025, 12, 31))
        people = survey.people(self["sales"], 3)
        db.session.commit()
        key = f"d{self['finance'].id}"
        codes = [ratings.submit(p, survey.round, ratings.find_target(p, survey.round, key), survey.scores(2),
                                f"Comment {i}") for i, p in enumerate(people)]
        round_ = survey.publish()
        first, second = (replies.find(code).comment for code in codes[:2])
        replies.reply(self["head"], round_, self["finance"], first, "fixed", "Done")
        db.session.get(CommentReply, first.id).written_on = date(2025, 1, 1)  # released since
        db.session.commit()
        return {"code": codes[0], "round_id": round_.id, "comment_id": second.id}

    @cached_property
    def agreement(self):
        return agreements.draft(self["head"], self["finance"], self["sales"], [
            agreements.PromiseData("Invoices by the 3rd", self.dimension, self.metric)])

    @cached_property
    def token(self):
        return create_token(self["head"], "CRM", "read")[0]


@dataclass
class Case:
    """How to fuzz one POST route: who posts, the address's arguments (values or strategies, made afresh
    before each example), the form read (a class, or made from the world; None for a bare action button:
    then only stray fields are sent), and a valid answer that each example spoils in some fields."""

    who: str | None
    args: Callable[[World], dict] = lambda w: {}
    form: type[Form] | Callable[[World], Form | tuple[Form, ...]] | None = None
    valid: Callable[[World], dict] = lambda w: {}
    fresh_client: bool = False  # the route ends the session, or needs none: each example starts afresh
    nobody_yet: bool = False  # the route is for an app without any account (first-run setup)


def round_form_data(w):
    return {"name": "Autumn", "opens_on": "2026-09-01", "closes_on": "2026-09-30", "threshold": "5",
            "department_ids": [w["finance"].id, w["sales"].id]}


def card_data(w):
    return {"text": "Approvals take a week", "dimension_id": w.dimension.id, "root_cause_id": 0}


def the_workshop(phase):
    return lambda w: {"workshop_id": w.workshop(phase).id}


def the_card(phase):
    """The employee's card (withdrawn by some example, then a card that is no longer there)."""
    return lambda w: {"workshop_id": w.workshop(phase).id, "card_id": w.card_ids(phase)[0]}


def project_from_card(w) -> dict:
    prefix = f"card{w.card_ids('projects')[0]}-"
    return {prefix + "title": "Clear orders", prefix + "owner_department_id": w["finance"].id,
            prefix + "department_ids": [w["sales"].id]}


def weakness(w) -> dict:
    return {"round_id": w.results.id, "department_id": w["finance"].id, "dimension_id": w.dimension.id}


def response_form(w) -> ResponseForm:
    return ResponseForm(prefix=f"response-{w['finance'].id}-{w.dimension.id}")


def comment_reply(w) -> dict:
    return {"round_id": w.commented["round_id"], "department_id": w["finance"].id,
            "comment_id": w.commented["comment_id"]}


def comment_reply_form(w) -> ReplyForm:
    return ReplyForm(prefix=prefix(w.commented["comment_id"]))


def a_theme(w) -> dict:
    w.dimension  # noqa: B018 (themes are of the dimensions in use)
    return {"kind": "dimension", "key": "tangibles"}


def a_keyword(w) -> dict:
    return {"keyword_id": db.session.scalar(sa.select(ThemeKeyword.id).order_by(ThemeKeyword.id))}


def comment_theme(w) -> dict:
    """A released comment on Finance, corrected by an admin who also facilitates (and so reads it)."""
    w["facilitator"].is_admin = True
    return comment_reply(w)


def reliability(w) -> int:
    w.dimension  # noqa: B018
    return themes.subject_named("dimension:reliability").theme.id


def rating_form_of(w):
    return rating_form(ratings.asked_dimensions(w.round), with_comment=True)


CASES: dict[str, Case] = {
    # Accounts (app/auth)
    "auth.login": Case(None, form=SignInForm, fresh_client=True,
                       valid=lambda w: {"email": "employee@example.com", "password": PASSWORD, "next": "/"}),
    "auth.logout": Case("employee", fresh_client=True),
    "auth.setup": Case(None, form=SetupForm, fresh_client=True, nobody_yet=True,
                       valid=lambda w: {"name": "Ada", "email": "ada@example.com", "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD}),
    "auth.set_password": Case(None, args=lambda w: {"token": issue_link(w["employee"], "reset")},
                              form=NewPasswordForm, fresh_client=True,
                              valid=lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    "auth.forgot_password": Case(None, form=ForgotPasswordForm, fresh_client=True,
                                 valid=lambda w: {"email": "employee@example.com"}),
    "auth.account": Case("employee", form=ChangePasswordForm,
                         valid=lambda w: {"current": PASSWORD, "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD}),
    "auth.language": Case("employee", form=LanguageForm, valid=lambda w: {"language": "ru"}),
    "auth.sign_out_everywhere": Case("employee", fresh_client=True),
    "notices.choices": Case("employee", form=NoticeChoicesForm,
                            valid=lambda w: {"notify_by_email": "y", "chat_format": "teams",
                                             "chat_webhook": "https://chat.example.com/hook"}),
    # API tokens
    "tokens.create": Case("head", form=TokenForm, valid=lambda w: {"name": "Help desk", "scope": "write"}),
    "tokens.revoke": Case("head", args=lambda w: {"token_id": w.token.id}, form=EmptyForm),
    # Dimensions
    "dimensions.new": Case("admin", form=DimensionForm, valid=lambda w: {
        "key": "speed", "name_en": "Speed", "name_ru": "Скорость", "description_en": "How fast",
        "description_ru": "Как быстро", "question_en": "Fast?", "question_ru": "Быстро?"}),
    "dimensions.edit": Case("admin", args=lambda w: {"dimension_id": w.dimension.id}, form=DimensionForm,
                            valid=lambda w: {
                                "key": w.dimension.key, "name_en": "Speed", "name_ru": "Скорость",
                                "description_en": "How fast", "description_ru": "Как быстро",
                                "question_en": "Fast?", "question_ru": "Быстро?"}),
    **{f"dimensions.{action}": Case("admin", args=lambda w: {"dimension_id": w.dimension.id})
       for action in ("move_up", "move_down", "retire", "restore")},
    # Organisation
    "org.department_new": Case("admin", form=org_forms.DepartmentForm, valid=lambda w: {
        "name": "Legal", "code": "LEG", "parent_id": w["finance"].id, "head_ids": [w["employee"].id]}),
    "org.department_edit": Case("admin", args=lambda w: {"department_id": w["sales"].id},
                                form=org_forms.DepartmentForm, valid=lambda w: {
                                    "name": "Sales", "code": "SAL", "parent_id": 0,
                                    "head_ids": [w["sales_head"].id], "faces_clients": "y"}),
    "org.department_delete": Case("admin", args=lambda w: {"department_id": make_department().id}),
    "org.service_link": Case("admin", form=org_forms.ServiceLinkForm, valid=lambda w: {
        "provider": w["sales"].id, "client": w["finance"].id, "state": "on"}),
    "org.department_links": Case("admin", args=lambda w: {"department_id": w["finance"].id},
                                 form=org_forms.DepartmentLinksForm, valid=lambda w: {
                                     "clients": [w["sales"].id], "providers": []}),
    "org.person_new": Case("admin", form=org_forms.PersonForm, valid=lambda w: {
        "name": "Nina New", "email": "nina@example.com", "department_id": w["sales"].id,
        "is_facilitator": "y", "is_admin": "", "language": "ru"}),
    "org.person_edit": Case("admin", args=lambda w: {"person_id": w["employee"].id},
                            form=org_forms.PersonForm, valid=lambda w: {
                                "name": "Erin Employee", "email": "employee@example.com",
                                "department_id": w["sales"].id, "language": ""}),
    "org.person_active": Case("admin", args=lambda w: {"person_id": w["employee"].id},
                              form=org_forms.ActiveForm, valid=lambda w: {"active": "0"}),
    "org.person_link": Case("admin", args=lambda w: {"person_id": w["employee"].id}),
    "org.import_people": Case(
        "admin", form=lambda w: (web_forms.ImportUploadForm(), web_forms.ImportConfirmForm()),
        valid=lambda w: {"file": ("people.csv", b"name,email\nNina,nina@example.com")}),
    # Metrics
    "metrics.new": Case("facilitator", form=metric_forms.MetricForm, valid=lambda w: {
        "name": "CSAT", "description": "Happy", "unit": "%", "direction": "higher",
        "owner_department_id": w["finance"].id}),
    "metrics.edit": Case("facilitator", args=lambda w: {"metric_id": w.metric.id},
                         form=metric_forms.MetricForm, valid=lambda w: {
                             "name": "NPS", "description": "", "unit": "points", "direction": "lower",
                             "owner_department_id": 0}),
    "metrics.suggested": Case("facilitator", form=metric_forms.SuggestedForm,
                              valid=lambda w: {"keys": ["csat"], "owner_department_id": w["sales"].id}),
    "metrics.set_drivers": Case("facilitator", args=lambda w: {"metric_id": w.metric.id},
                                form=metric_forms.DriversForm,
                                valid=lambda w: {"department_ids": [w["sales"].id, w["finance"].id]}),
    "metrics.add_reading": Case("head", args=lambda w: {"metric_id": w.metric.id},
                                form=metric_forms.ReadingForm,
                                valid=lambda w: {"taken_on": "2026-02-01", "value": "3,5", "note": "ok"}),
    "metrics.import_readings": Case(
        "head", form=lambda w: (web_forms.ImportUploadForm(), web_forms.ImportConfirmForm()),
        valid=lambda w: {"file": ("readings.csv",
                                  f"metric,date,value\n{w.metric.name},2026-02-01,44".encode())}),
    # Complaints
    "complaints.categories": Case("admin", form=CategoryForm, valid=lambda w: {
        "name": "Rude answer", "dimension_id": w.dimension.id, "root_cause_id": 0}),
    "complaints.category": Case("admin", args=lambda w: {"category_id": w.category.id}, form=CategoryForm,
                                valid=lambda w: {"name": "Late bill", "dimension_id": 0, "root_cause_id": 0}),
    "complaints.import_complaints": Case(
        "facilitator", form=lambda w: (web_forms.ImportUploadForm(), web_forms.ImportConfirmForm()),
        valid=lambda w: {"file": ("complaints.csv",
                                  f"date,category,department\n2026-02-01,{w.category.name},SAL".encode())}),
    # Projects
    "projects.new": Case("head", form=ProjectForm, valid=lambda w: {
        "title": "Answer Sales within a day", "problem": "Sales wait", "evidence": "",
        "owner_department_id": w["finance"].id, "department_ids": [w["sales"].id], "lead_id": w["head"].id,
        "member_ids": [w["employee"].id], "root_cause_id": 0, "metric_id": w.metric.id, "target_value": "50",
        "target_date": "2026-12-31", "expected_lag_days": "30"}),
    "projects.edit": Case("head", args=lambda w: {"project_id": w.project.id}, form=ProjectForm,
                          valid=lambda w: {
        "title": "Faster invoices", "owner_department_id": w["finance"].id, "department_ids": [w["sales"].id],
        "lead_id": 0, "root_cause_id": 0, "metric_id": w.metric.id, "target_value": "60",
        "target_date": "2026-12-31", "expected_lag_days": ""}),
    "projects.move": Case("head", args=lambda w: {"project_id": w.project.id,
                                                  "action": st.sampled_from(["start", "complete", "cancel"])},
                          form=MoveForm, valid=lambda w: {"note": "Off we go"}),
    "projects.check_in": Case("head", args=lambda w: {"project_id": w.project.id}, form=CheckInForm,
                              valid=lambda w: {"on": "2026-02-01", "status": "at_risk", "done": "Talked"}),
    "projects.add_task": Case("head", args=lambda w: {"project_id": w.project.id}, form=TaskForm,
                              valid=lambda w: {"title": "Agree the cut-off", "owner_id": w["employee"].id,
                                               "due_on": "2026-12-31"}),
    "projects.edit_task": Case("head", args=lambda w: {"project_id": w.project.id, "task_id": w.task.id},
                               form=TaskForm, valid=lambda w: {"title": "Send them all",
                                                               "owner_id": w["head"].id, "due_on": ""}),
    "projects.tick_task": Case("employee", args=lambda w: {
        "project_id": w.project.id, "task_id": w.task.id, "action": st.sampled_from(["done", "undo"])},
        form=TaskDoneForm),
    "projects.root_causes": Case("admin", form=RootCauseForm, valid=lambda w: {
        "key": "weather", "name_en": "Weather", "name_ru": "Погода", "position": "7", "retired": ""}),
    # Rating rounds
    "ratings.new": Case("facilitator", form=RoundForm, valid=round_form_data),
    "ratings.edit": Case("facilitator", args=lambda w: {"round_id": w.round.id}, form=RoundForm,
                         valid=round_form_data),
    "ratings.move": Case("facilitator", args=lambda w: {
        "round_id": w.round.id, "action": st.sampled_from(["open", "close", "publish"])}),
    "ratings.remind": Case("facilitator", args=lambda w: {"round_id": w.round.id}),
    "ratings.confirm": Case("facilitator", args=lambda w: {"round_id": w.round.id}),
    "ratings.rate_target": Case("employee", args=lambda w: {
        "round_id": w.round.id, "target_key": st.one_of(st.just(f"d{w['finance'].id}"), st.sampled_from(
            ["self", "company", "d0", "d-1", f"d{2**31}", "d" + "9" * 5000, "x"]), in_an_address)},
        form=rating_form_of, valid=lambda w: {
            **{f"d{i}": "4" for i in ratings.asked_dimensions(w.round)}, "comment": "Fine"}),
    # You said — we did
    "loop.respond": Case("head", args=weakness, form=response_form, valid=lambda w: {
        f"response-{w['finance'].id}-{w.dimension.id}-text": "We now answer within a day."}),
    # Replies to comments
    "replies.reply": Case("head", args=comment_reply, form=comment_reply_form, valid=lambda w: {
        f"reply-{w.commented['comment_id']}-kind": "will_act",
        f"reply-{w.commented['comment_id']}-text": "We will look into it."}),
    "replies.read": Case(None, form=CodeForm, valid=lambda w: {"code": w.commented["code"]}),
    "replies.answer": Case(None, form=AnswerForm, valid=lambda w: {"code": w.commented["code"],
                                                                    "answer": "Thank you"}),
    # Agreements
    "agreements.new": Case("head", form=AgreementForm, valid=lambda w: {
        "provider_id": w["finance"].id, "receiver_id": w["sales"].id, "text_1": "Invoices by the 3rd",
        "dimension_1": w.dimension.id, "metric_1": w.metric.id, "round_id": "", "card_id": ""}),
    "agreements.confirm": Case("sales_head", args=lambda w: {"agreement_id": w.agreement.id}),
    "agreements.end": Case("head", args=lambda w: {"agreement_id": w.agreement.id}),
    # Workshops
    "workshops.new": Case("facilitator", form=WorkshopForm, valid=lambda w: {
        "title": "Hand-offs", "held_on": "2026-07-01", "round_id": 0,
        "department_ids": [w["finance"].id, w["sales"].id], "participant_ids": [w["employee"].id],
        "vote_budget": "5", "anonymous_cards": "y", "balanced_votes": ""}),
    "workshops.edit": Case("facilitator", args=the_workshop("scheduled"), form=WorkshopForm, valid=lambda w: {
        "title": "Hand-offs", "held_on": "2026-07-01", "round_id": 0,
        "department_ids": [w["finance"].id, w["sales"].id],
        "participant_ids": [w["employee"].id, w["head"].id], "vote_budget": "4"}),
    "workshops.move": Case("facilitator", args=the_workshop("collect"), form=StepForm,
                           valid=lambda w: {"step": "1", "phase": "collect"}),
    "workshops.add_card": Case("employee", args=the_workshop("collect"), form=CardForm, valid=card_data),
    "workshops.edit_card": Case("employee", args=the_card("collect"), form=CardForm, valid=card_data),
    "workshops.withdraw_card": Case("employee", args=the_card("collect"), form=ActionForm),
    "workshops.merge": Case("facilitator", args=the_workshop("group"), form=MergeForm, valid=lambda w: {
        "group_id": w.card_ids("group")[0], "card_ids": [w.card_ids("group")[1]]}),
    "workshops.vote": Case("employee", args=the_card("vote"), form=ActionForm),
    "workshops.unvote": Case("employee", args=the_card("vote"), form=ActionForm),
    "workshops.to_project": Case(
        "facilitator", args=the_card("projects"), valid=project_from_card,
        form=lambda w: ProjectFromCardForm(prefix=f"card{w.card_ids('projects')[0]}")),
    "workshops.load_complaint_cards": Case("facilitator", args=the_workshop("review"), form=ActionForm),
    "workshops.card_from_theme": Case("facilitator", args=the_workshop("review"), form=ThemeCardForm,
                                      valid=lambda w: {"department_id": w["finance"].id,
                                                       "theme_id": reliability(w)}),
    "workshops.accept_suggestion": Case(
        "facilitator", args=lambda w: {**the_workshop("group")(w), "theme_id": reliability(w)},
        form=SuggestionForm, valid=lambda w: {"card_ids": w.card_ids("group")}),
    "workshops.reject_suggestion": Case(
        "facilitator", args=lambda w: {**the_workshop("group")(w), "theme_id": reliability(w)},
        form=ActionForm),
    # Comment themes
    "themes.theme": Case("admin", args=a_theme, form=theme_forms.KeywordForm,
                         valid=lambda w: {"theme": "dimension:tangibles", "word": "coffee"}),
    "themes.remove": Case("admin", args=a_keyword, form=theme_forms.ActionForm),
    "themes.correct": Case(
        "facilitator", args=comment_theme,
        form=lambda w: theme_forms.CommentThemeForm(prefix=f"c{w.commented['comment_id']}"),
        valid=lambda w: {f"c{w.commented['comment_id']}-theme": "dimension:reliability"}),
}

SKIPPED = {
    "api.add_readings": "JSON, not a form: tests/api/test_schemathesis.py fuzzes it from its OpenAPI "
                        "document",
    "api.add_complaints": "JSON, not a form: tests/api/test_schemathesis.py fuzzes it from its OpenAPI "
                          "document",
}


def post_routes(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def app_forms() -> set[type[Form]]:
    """Every form class defined in app/*/forms.py."""
    found = set()
    for package in pkgutil.iter_modules(app_package.__path__):
        if package.ispkg and importlib.util.find_spec(f"app.{package.name}.forms"):
            module = importlib.import_module(f"app.{package.name}.forms")
            found |= {value for value in vars(module).values() if isinstance(value, type)
                      and issubclass(value, Form) and value.__module__ == module.__name__}
    return found


def forms_of(case: Case, world: World) -> list[Form]:
    """The forms the route reads, made in a request as the view makes them (RatingForm's class is made
    for the round's dimensions)."""
    if case.form is None:
        return []
    made = case.form() if isinstance(case.form, type) else case.form(world)
    return list(made) if isinstance(made, tuple) else [made]


def test_every_post_route_is_fuzzed_or_skipped(app):
    routes = post_routes(app)
    assert not set(CASES) & set(SKIPPED)
    assert routes - set(CASES) - set(SKIPPED) == set(), "a POST route nobody fuzzes: list it"
    assert set(CASES) | set(SKIPPED) <= routes, "an entry for a route that no longer exists"


def test_every_form_of_the_app_is_fuzzed(app, org):
    covered, world = set(), World(org)
    for case in CASES.values():
        with app.test_request_context(method="POST"):
            case.args(world)
            covered |= {cls for form in forms_of(case, world) for cls in type(form).__mro__}
    assert app_forms() - covered == set(), "a form that no route in CASES reads"


def draw_arg(data, value):
    """An address argument: the real one, or (for ids) one that cannot exist."""
    if isinstance(value, st.SearchStrategy):
        return data.draw(value)
    if isinstance(value, int):
        return data.draw(st.one_of(st.just(value), st.sampled_from(BAD_IDS)))
    return value


def encode(values: dict, files: set[str]) -> tuple[bytes, str]:
    """The body as a browser would send it, broken characters sent as their (invalid) UTF-8 bytes."""
    pairs = [(name, str(v)) for name, value in values.items()
             for v in (value if isinstance(value, list) else [value]) if name not in files]
    if not files:
        body = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
        return body.encode(), "application/x-www-form-urlencoded"
    boundary = "fuzz-boundary-7MA4YWxkTrZu0gW"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
             + value.encode("utf-8", "surrogatepass") + b"\r\n" for name, value in pairs]
    for name in files & set(values):
        filename, content = values[name]
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: text/csv\r\n\r\n")
        parts.append(head.encode("utf-8", "surrogatepass") + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


files_sent = st.tuples(
    st.sampled_from(["people.csv", "readings.txt", "a.exe", "", "x\x00.csv", "ü.csv"]),
    st.one_of(st.binary(max_size=300), st.sampled_from([
        b"name,email\nNina,nina@example.com\n", b"metric,date,value\nNPS,2026-02-01,1e400\n",
        b"\xef\xbb\xbfname,email\n\x00,\x00\n", b"\xff\xfe\x00\x00", b"metric,date,value\n" * 3000])))


def spoilt(field) -> st.SearchStrategy:
    """What goes into a field an example spoils: anything nasty, and oftener what its kind of field reads."""
    if isinstance(field, FileField):
        return files_sent
    if isinstance(field, DateTimeField):
        return st.one_of(st.sampled_from(DATES), nasty_values)
    if isinstance(field, IntegerField | FloatField | DecimalField) or getattr(field, "coerce", None) is int:
        return st.one_of(st.sampled_from(NUMBERS), nasty_values)
    return nasty_values


def integer_limit(column_type) -> int:
    if isinstance(column_type, sa.BigInteger):
        return 2**63
    return 2**15 if isinstance(column_type, sa.SmallInteger) else 2**31


def unstorable() -> list[tuple[str, str, object]]:
    """Values in the database that PostgreSQL refuses or that stop meaning anything: text with NUL or
    broken characters, infinite or undefined numbers, integers beyond their column's range."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                if (isinstance(value, str) and UNSTORABLE.search(value)
                        or isinstance(value, float) and not math.isfinite(value)
                        or isinstance(value, int) and not isinstance(value, bool)
                        and isinstance(column.type, sa.Integer) and abs(value) >= integer_limit(column.type)):
                    found.append((table.name, column.name, value))
    return found


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_no_generated_answer_to_a_form_causes_a_server_error(app, request, endpoint):
    case = CASES[endpoint]
    # What is fuzzed here is the form, not the sign-in rate limit (tests/auth tests that).
    app.config.update(LOGIN_RATE_LIMIT="100000 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100000 per minute")
    world = World({} if case.nobody_yet else request.getfixturevalue("org"))
    with app.test_request_context(method="POST"):
        case.args(world)
        fields = [f for form in forms_of(case, world) for f in form if f.name != "csrf_token"]
    names = [f.name for f in fields]
    files = {f.name for f in fields if isinstance(f, FileField)}
    strategies = {f.name: spoilt(f) for f in fields}
    valid = case.valid(world)
    db.session.commit()

    def client():
        fresh = app.test_client()
        if case.who is not None:
            assert fresh.sign_in(world[case.who].email, PASSWORD).status_code == 303
        return fresh

    signed_in = None if case.fresh_client else client()

    @given(data=st.data())
    @settings(max_examples=20 if names else 5, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_are_never_a_server_error(data):
        args = {name: draw_arg(data, value) for name, value in case.args(world).items()}
        address = url_for(endpoint, **args)
        spoiled = data.draw(st.sets(st.sampled_from(names), min_size=1)) if names else set()
        values = {name: valid[name] for name in names if name in valid and name not in spoiled}
        values |= {name: data.draw(strategies[name]) for name in spoiled}
        if not names:  # a bare button: whatever stray fields come with it
            values = data.draw(st.dictionaries(st.sampled_from(["x", "id", "next"]), nasty_value, max_size=2))
        body, content_type = encode(values, files)
        headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}  # htmx answers with fragments
        response = (signed_in or client()).post(address, data=body, content_type=content_type,
                                                headers=headers)
        assert response.status_code < 500, f"{endpoint}: {address} {values!r:.500}"
        assert unstorable() == []

    answers_are_never_a_server_error()


def test_a_lone_carriage_return_in_a_people_csv_is_a_message_not_a_500(admin):
    """Found by the fuzz: csv.Error from the people import's parser."""
    response = admin.post("/org/people/import", data={"file": (io.BytesIO(b"\r0"), "people.csv")})
    assert response.status_code == 200 and "The first line must name the columns" in page_text(response)
