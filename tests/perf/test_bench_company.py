"""The portfolio benchmark's companies take the paths its figures are said to measure (bench/portfolio.py,
docs/BENCHMARKS.md "Portfolio: the model fit per project"): with the large company's wandering readings
every started project's "did it move?" stops early at "can't tell"; with steady ones, daily or weekly,
every one forecasts and draws its band."""
import pytest

from app.projects import services
from bench.generate import Size, generate
from bench.portfolio import READINGS


@pytest.mark.parametrize("readings", list(READINGS))
def test_every_fit_takes_the_path_of_its_readings(app, readings):
    generate(Size(departments=8, people=240, published_rounds=1, providers=2, projects=10,
                  workshop_participants=10, workshop_cards=12, **READINGS[readings]))
    found = services.progress_of(services.portfolio(services.Filters(None, None, None, None)))
    assert len(found) == 8  # four in five started
    movements = [progress.movement for progress in found.values()]
    if readings == "daily-wandering":
        assert {m.reason for m in movements} == {"pattern"}
    else:
        assert {m.reason for m in movements} == {"forecast"} and all(m.band for m in movements)
