"""Cold init of each Python service against a FastAPI + Mangum hello handler, in one run.

Cold init is what Lambda pays before the first request: a fresh interpreter imports the
handler module. Each service's real deployment artifact is built (``ppdeploy.build``) and
unpacked as Lambda unpacks it; the baseline is the smallest FastAPI app behind Mangum,
packaged the same way (pip ``--target``, no bytecode: a Lambda zip is read-only, so both
compile their modules at import, as they would there). Each import runs ``--runs`` times
in fresh interpreters (the median counts), services and baseline interleaved so machine
noise hits both alike. Prints each median, the ratio ours / baseline, and the target (at
most 0.6).

    python bench/cold_init.py [--runs 15]

Installs fastapi and mangum from the package index into a scratch folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "engine" / "src"))

from ppdeploy import build, catalog  # noqa: E402 - after the path

TARGET_RATIO = 0.6
HANDLERS = {"account": "account.app", "coaching": "coaching.app", "traction": "traction.app"}
BASELINE = """\
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


handler = Mangum(app, lifespan="off")
"""
PROBE = (
    "import importlib, time; t = time.perf_counter(); importlib.import_module({module!r}); "
    "print(time.perf_counter() - t)"
)


def import_seconds(module: str, path: Path) -> float:
    """Seconds a fresh interpreter spends importing ``module`` from ``path``."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(path),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": module.partition(".")[0],
        "POWERTOOLS_METRICS_NAMESPACE": "PurposePath",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(  # noqa: S603 - our interpreter, a fixed probe
        [sys.executable, "-c", PROBE.format(module=module)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def unpacked(service: str, into: Path) -> Path:
    artifact = build.build(catalog.service(service, "python"))
    folder = into / service
    with zipfile.ZipFile(artifact.path) as archive:
        archive.extractall(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per module")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        baseline_folder = base / "baseline"
        subprocess.run(  # noqa: S603 - our interpreter's pip, fixed package names
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
             "--disable-pip-version-check", "--target", str(baseline_folder), "fastapi", "mangum"],
            check=True,
        )  # fmt: skip
        (baseline_folder / "hello_fastapi.py").write_text(BASELINE)
        folders = {service: unpacked(service, base) for service in HANDLERS}
        # Warm the page cache and bytecode-free paths once before timing.
        import_seconds("hello_fastapi", baseline_folder)
        timings: dict[str, list[float]] = {name: [] for name in [*HANDLERS, "baseline"]}
        for _ in range(runs):
            timings["baseline"].append(import_seconds("hello_fastapi", baseline_folder))
            for service, module in HANDLERS.items():
                timings[service].append(import_seconds(module, folders[service]))
    baseline = statistics.median(timings["baseline"])
    print(f"cold init (median of {runs} fresh interpreters, import of the handler module)")
    print(f"  FastAPI + Mangum hello handler   {baseline * 1000:7.1f} ms  (baseline)")
    worst = 0.0
    for service, module in HANDLERS.items():
        ours = statistics.median(timings[service])
        ratio = ours / baseline
        worst = max(worst, ratio)
        print(f"  {service:<10} ({module:<13})   {ours * 1000:7.1f} ms  ratio {ratio:.2f}")
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    print(f"target: every ratio <= {TARGET_RATIO}: {verdict} (worst {worst:.2f})")


if __name__ == "__main__":
    main()
