"""The packages of app/ depend one way: each imports only from the layers below it (or from itself), so a
newcomer can read the house from the ground up and a feature can be understood without those above it."""
import ast
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# From the ground up. An area may import from its own layer's other areas only where they share one.
LAYERS = (
    {"extensions", "time", "backup", "stats"},
    {"database"},
    {"versions"},
    {"config"},
    {"web"},
    {"audit"},
    {"dimensions"},
    {"auth"},
    {"notices"},
    {"org"},
    {"ratings"},
    {"reports"},
    {"replies"},
    {"metrics"},
    {"projects", "chain"},
    {"complaints"},
    {"themes"},
    {"api"},
    {"workshops"},
    {"agreements"},
    {"loop"},
    {"home", "demo"},
    {"cli"},
    {"__init__"},
)
FLOOR = {area: floor for floor, areas in enumerate(LAYERS) for area in areas}

# Known and to go: the project page names the workshop a project came from through workshops' tables.
KNOWN_UPWARD = {("app/projects/views.py", "workshops")}

def area_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def imported_areas(path: Path):
    """The app areas a file imports at run time (imports for type annotations only are left out)."""
    tree = ast.parse(path.read_text())
    typing_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            typing_only.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
            yield area_of(node.module)
        elif isinstance(node, ast.Import):
            yield from (area_of(alias.name) for alias in node.names if alias.name.startswith("app."))


def test_every_area_of_the_app_has_its_layer():
    areas = {p.stem if p.is_file() else p.name for p in APP.iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert areas == set(FLOOR)


def test_no_import_runs_back_up():
    upward = set()
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP.parent)
        source = relative.parts[1] if len(relative.parts) > 2 else path.stem
        for target in imported_areas(path):
            if FLOOR[target] > FLOOR[source] or (FLOOR[target] == FLOOR[source] and target != source):
                upward.add((str(relative), target))
    assert upward == KNOWN_UPWARD


def test_the_app_starts_whichever_models_a_process_imports_first(tmp_path):
    """A server, a command or a bench script may import any area before create_app: the models then name
    each other across areas (a person's department) and must still resolve."""
    starts = {}
    for models in sorted(APP.glob("*/models.py")):
        module = f"app.{models.parent.name}.services" if (models.parent / "services.py").exists() \
            else f"app.{models.parent.name}.models"
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "SECRET_KEY": "x"}
        script = f"import {module}\nfrom app import create_app\ncreate_app({config!r})"
        starts[module] = subprocess.Popen([sys.executable, "-c", script], cwd=APP.parent, text=True,
                                          stderr=subprocess.PIPE, env={**os.environ, "TZ_ENV": "testing"})
    failed = {module: started.communicate()[1][-2000:] for module, started in starts.items()
              if started.wait() != 0}
    assert len(starts) >= 8 and not failed
