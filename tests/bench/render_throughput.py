"""Benchmark: loading (validating) and rendering 500 customer configs.

Makes 500 variants of configs/acme-staging.yaml (customers c0001..c0500, each with its own
hostname and repository; the config's provisioning files shared beside them) in a temporary
directory, then times `load_config` of all of them, and `render_all` + `outputs.write` of all
of them into build directories there. Standalone: python -m tests.bench.render_throughput
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.table import Column, format_table
from vendor.config.loader import load_config
from vendor.render.build_dir import build_dir, render_all
from vendor.render.outputs import write

NAME = "render"
COUNT = 500
TEMPLATE = Path(__file__).parents[2] / "configs" / "acme-staging.yaml"


def variants(directory: Path, count: int = COUNT) -> list[Path]:
    text = TEMPLATE.read_text()
    shutil.copytree(TEMPLATE.parent / "acme", directory / "acme")  # scripts/files the config names
    paths = []
    for i in range(1, count + 1):
        customer = f"c{i:04d}"
        path = directory / f"{customer}-staging.yaml"
        path.write_text(text.replace("customer: acme", f"customer: {customer}")
                            .replace("staging.shop.acme.example", f"staging.shop.{customer}.example")
                            .replace("repository: acme-shop", f"repository: {customer}-shop"))
        paths.append(path)
    return paths


def run(count: int = COUNT) -> dict:
    with tempfile.TemporaryDirectory(prefix="vbench-render-") as tmp:
        paths = variants(Path(tmp) / "configs", count)
        started = time.perf_counter()
        loaded = [load_config(p) for p in paths]
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        files = sum(len(write(render_all(cf), build_dir(Path(tmp) / "build", cf))) for cf in loaded)
        render_s = time.perf_counter() - started
        if len({cf.config.slug for cf in loaded}) != count:
            raise SystemExit("render benchmark: the variants are not distinct customer environments")
    rows = [
        {"benchmark": NAME, "case": f"load_config x{count}", "configs": count, "wall_s": round(load_s, 3),
         "configs_per_s": round(count / load_s, 1)},
        {"benchmark": NAME, "case": f"render_all+write x{count}", "configs": count, "outputs": files,
         "wall_s": round(render_s, 3), "configs_per_s": round(count / render_s, 1)},
    ]
    notes = [f"render: {count} variants of {TEMPLATE.name} in a temporary directory; "
             f"render_all+write wrote {files} outputs ({files // count} per config)."]
    return {"rows": rows, "notes": notes, "template": TEMPLATE.name}


COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("configs_per_s", "configs/s", ".1f")]


def main() -> int:
    result = run()
    print(format_table(result["rows"], COLUMNS))
    print("\n".join(result["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
