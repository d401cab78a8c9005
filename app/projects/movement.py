"""Did it move — compared with whom? A metric's readings after the expected lag against what its own
history predicted (its trend, and its season when there is enough of it: an interrupted time series), and
the source dimension's change in the project's departments against the change in the departments without
a project on it (a difference in differences). Both say whether something moved, never what moved it:
docs/METHODS.md, "Did it move — compared with whom?"."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from scipy.stats import norm
from scipy.stats import t as student

from app.stats import LEVEL, Estimate
from app.web.numbers import number

MIN_HISTORY = 6  # readings before the start, at the least, to know a trend
HISTORY = timedelta(days=3 * 365)  # the readings before the start the forecast is fitted on, at most
MIN_DEGREES = 6  # readings beyond the parameters fitted, at the least, for month-of-year effects
# Residuals this alike from one reading to the next mean the model misses a pattern (a season seen for
# less than two years, a turn): its forecast would mislead.
MAX_AUTOCORRELATION = 0.5
# The verdict in a word or two, where a table has no room for its sentence (the portfolio).
LABELS = {"too_early": _l("Too early"), "cant_tell": _l("Can't tell"), "moved": _l("Moved"),
          "moved_wrong_way": _l("Moved the wrong way"), "did_not_move": _l("Did not move")}


@dataclass(frozen=True)
class Band:
    """What the history predicts for one day: the forecast and the interval one reading falls in."""
    day: date
    forecast: float
    low: float
    high: float


@dataclass(frozen=True)
class Movement:
    """The metric against its own history. `verdict`: too_early, cant_tell, moved, moved_wrong_way or
    did_not_move; the figures are None unless a forecast was made."""
    verdict: str
    reason: str  # lag, no_reading (too early); history, pattern, uncertain (can't tell); else "forecast"
    since: date  # the start plus the expected lag
    history: int  # readings before the start
    after: int = 0  # readings since `since`
    seasonal: bool = False
    observed: float | None = None  # mean of the readings since `since`
    predicted: float | None = None  # what the history predicts for them, on average
    interval: tuple[float, float] | None = None  # of observed − predicted
    band: tuple[Band, ...] = ()

    @property
    def difference(self) -> float | None:
        return None if self.observed is None else self.observed - self.predicted

    @property
    def level(self) -> int:
        return round(LEVEL * 100)

    @property
    def label(self) -> str:
        return str(LABELS[self.verdict])

    @property
    def words(self) -> str:
        """The verdict in one sentence: movement against the history, never a cause."""
        if self.reason == "lag":
            return _("Too early: the expected lag runs until %(date)s.", date=self.since.isoformat())
        if self.reason == "no_reading":
            return _("Too early: no reading since the expected lag ended on %(date)s.",
                     date=self.since.isoformat())
        if self.verdict == "cant_tell":
            if self.reason == "history":
                return ngettext("Can't tell: %(num)d reading before the start, too few to know its trend "
                                "(%(least)d are needed).",
                                "Can't tell: %(num)d readings before the start, too few to know its trend "
                                "(%(least)d are needed).", self.history, least=MIN_HISTORY)
            if self.reason == "pattern":
                return _("Can't tell: its readings before the start swing in a way their trend and season "
                         "do not explain.") if self.seasonal else _(
                         "Can't tell: its readings before the start swing in a way their trend does not "
                         "explain (a season needs two years of readings).")
            return _("Can't tell: what its history predicts is too uncertain to see a change the size of "
                     "the target's.")
        if self.seasonal:
            return {"moved": _("Moved: beyond what its trend and season predicted."),
                    "moved_wrong_way": _("Moved the wrong way: beyond what its trend and season predicted."),
                    "did_not_move": _("Did not move: within what its trend and season predicted.")}[
                self.verdict]
        return {"moved": _("Moved: beyond what its trend predicted."),
                "moved_wrong_way": _("Moved the wrong way: beyond what its trend predicted."),
                "did_not_move": _("Did not move: within what its trend predicted.")}[self.verdict]

    @property
    def detail(self) -> str | None:
        """The figures behind the verdict, when a forecast was made."""
        if self.observed is None:
            return None
        low, high = self.interval
        return ngettext("The reading since %(date)s is %(observed)s where %(predicted)s was predicted: a "
                        "difference of %(difference)s (%(level)d%% interval %(low)s to %(high)s).",
                        "The %(num)d readings since %(date)s average %(observed)s where %(predicted)s was "
                        "predicted: a difference of %(difference)s (%(level)d%% interval %(low)s to "
                        "%(high)s).",
                        self.after, date=self.since.isoformat(), observed=number(self.observed),
                        predicted=number(self.predicted), difference=number(self.difference, "signed"),
                        level=self.level, low=number(low, "signed"), high=number(high, "signed"))

    @property
    def fitted_on(self) -> str | None:
        if self.observed is None:
            return None
        if self.seasonal:
            return ngettext("Predicted from %(num)d reading before the start: their trend and month-of-year "
                            "pattern.", "Predicted from %(num)d readings before the start: their trend and "
                            "month-of-year pattern.", self.history)
        return ngettext("Predicted from %(num)d reading before the start: their trend (a season needs two "
                        "years of readings).", "Predicted from %(num)d readings before the start: their "
                        "trend (a season needs two years of readings).", self.history)


def _design(days: Sequence[date], start: date, seasonal: bool) -> np.ndarray:
    """Rows of the model: a level, a trend per year, and (seasonal) one effect per month but January."""
    years = np.array([(d - start).days / 365.25 for d in days])
    columns = [np.ones(len(days)), years]
    if seasonal:
        months = np.array([d.month for d in days])
        columns += [(months == m).astype(float) for m in range(2, 13)]
    return np.column_stack(columns)


def _has_season(days: Sequence[date], start: date) -> bool:
    """Month-of-year effects only when every month was seen in two years or more before the start."""
    if len(days) < 13 + MIN_DEGREES:
        return False
    years = {(d.year, d.month) for d in days}
    return all(sum(1 for _y, m in years if m == month) >= 2 for month in range(1, 13))


def against_history(readings: Sequence[tuple[date, float]], start: date, since: date, today: date,
                    direction: str, wanted: float | None) -> Movement:
    """The readings since `since` against the forecast fitted on those before `start` (oldest first).
    `direction`: which way is better ("higher" or "lower"); `wanted`: the change the project aims at
    (target − baseline), below which an interval is too wide to tell."""
    before = [(d, v) for d, v in readings if start - HISTORY <= d < start]
    after = [(d, v) for d, v in readings if d >= since]
    if today < since or not after:
        return Movement("too_early", "lag" if today < since else "no_reading", since, len(before))
    if len(before) < MIN_HISTORY:
        return Movement("cant_tell", "history", since, len(before), len(after))
    days, values = [d for d, _v in before], np.array([v for _d, v in before])
    seasonal = _has_season(days, start)
    x = _design(days, start, seasonal)
    coefficients, *_rest = np.linalg.lstsq(x, values, rcond=None)
    residuals = values - x @ coefficients
    degrees = len(values) - x.shape[1]
    scale = math.sqrt(float(residuals @ residuals) / degrees)
    inverse = np.linalg.pinv(x.T @ x)
    # Readings close in time are alike: the mean of m of them varies more than σ²/m (AR(1) correction).
    rho = float(residuals[1:] @ residuals[:-1] / (residuals @ residuals)) if scale else 0.0
    if rho > MAX_AUTOCORRELATION:
        return Movement("cant_tell", "pattern", since, len(before), len(after), seasonal)
    rho = max(rho, 0.0)
    quantile = float(student.ppf(0.5 + LEVEL / 2, degrees))

    later = _design([d for d, _v in after], start, seasonal)
    predicted = float((later @ coefficients).mean())
    observed = float(np.mean([v for _d, v in after]))
    mean_row = later.mean(axis=0)
    spread = scale * math.sqrt((1 + rho) / (1 - rho) / len(after) + float(mean_row @ inverse @ mean_row))
    half = quantile * spread
    difference = observed - predicted
    interval = (difference - half, difference + half)

    band_days = sorted({since, *(d for d, _v in after)})
    rows = _design(band_days, start, seasonal)
    band = tuple(Band(day, float(row @ coefficients), float(row @ coefficients) - width,
                      float(row @ coefficients) + width)
                 for day, row in zip(band_days, rows, strict=True)
                 for width in [quantile * scale * math.sqrt(1 + float(row @ inverse @ row))])

    reason = "forecast"
    if interval[0] > 0 or interval[1] < 0:
        better = (difference > 0) == (direction == "higher")
        verdict = "moved" if better else "moved_wrong_way"
    elif wanted is not None and half > abs(wanted):
        verdict, reason = "cant_tell", "uncertain"
    else:
        verdict = "did_not_move"
    return Movement(verdict, reason, since, len(before), len(after), seasonal, observed, predicted, interval,
                    band)


# The source dimension against the departments without a project on it ----------------------------

@dataclass(frozen=True)
class Comparison:
    """The change of the project's departments' score on its source dimension between the last published
    round before the start and the latest after the lag, less the same change elsewhere. `reason` says why
    there is no comparison (then the figures are None)."""
    reason: str | None  # no_source, no_round_before, no_round_after, too_few_ours, too_few_others
    before: object = None  # the rounds (Round)
    after: object = None
    ours: tuple[Estimate, Estimate] | None = None  # before, after
    others: tuple[Estimate, Estimate] | None = None

    @property
    def difference(self) -> float | None:
        if self.ours is None:
            return None
        return (self.ours[1].mean - self.ours[0].mean) - (self.others[1].mean - self.others[0].mean)

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.ours is None:
            return None
        se = math.sqrt(sum(e.se ** 2 for e in (*self.ours, *self.others)))
        half = float(norm.ppf(0.5 + LEVEL / 2)) * se
        return self.difference - half, self.difference + half

    @property
    def level(self) -> int:
        return round(LEVEL * 100)

    @property
    def verdict(self) -> str:
        """moved (more than elsewhere), moved_wrong_way (less), did_not_move; too_early (no round after
        the lag yet) or cant_tell (no comparison). A higher score is always better."""
        if self.ours is None:
            return "too_early" if self.reason == "no_round_after" else "cant_tell"
        low, high = self.interval
        return "moved" if low > 0 else "moved_wrong_way" if high < 0 else "did_not_move"

    @property
    def label(self) -> str:
        return str(LABELS[self.verdict])

    @property
    def words(self) -> str:
        reasons = {
            "no_source": _("Can't tell: the project did not start from a dimension."),
            "no_round_before": _("Can't tell: no round was published before the start."),
            "no_round_after": _("Too early: no round opened after the expected lag has been published yet."),
            "too_few_ours": _("Can't tell: the project's departments have not enough responses on this "
                              "dimension in both rounds."),
            "too_few_others": _("Can't tell: the departments without a project on this dimension have not "
                                "enough responses in both rounds."),
        }
        if self.reason:
            return reasons[self.reason]
        return {"moved": _("Moved: the project's departments gained more on this dimension than the others."),
                "moved_wrong_way": _("Moved the wrong way: the project's departments gained less on this "
                                     "dimension than the others."),
                "did_not_move": _("Did not move: the project's departments changed on this dimension as "
                                  "the others did.")}[self.verdict]
