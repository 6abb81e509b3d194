"""Draw one flat picture per category of the sample catalog into `pictures/` (PNG, 320x200).

Deterministic: no randomness at all. Each category's colours come from a hash of its name, its icon from
`ICONS` below, the name is written in Pillow's own font, so the same Pillow draws the same bytes on any machine.
The drawing is `suite.recommend.pictures.draw_category`; the dashboard draws a placeholder the same way for a
category this folder has no picture for.

    .venv/bin/python sample_data/recommend/pictures.py            # writes sample_data/recommend/pictures/*.png
    .venv/bin/python sample_data/recommend/pictures.py --out DIR  # somewhere else (the tests compare two runs)
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run as a script from anywhere: the repository's `suite` package

from suite.recommend.pictures import draw_category, slug, to_png  # noqa: E402

ICONS = {  # category of catalog.csv -> the icon drawn for it
    "Outdoor": "tent",
    "Running": "shoe",
    "Kitchen": "pot",
    "Coffee & Tea": "cup",
    "Books": "book",
    "Electronics": "laptop",
    "Home Decor": "lamp",
    "Beauty": "bottle",
    "Pet Supplies": "paw",
    "Toys": "blocks",
    "Garden": "flower",
    "Fitness": "dumbbell",
    "Baby": "rattle",
    "Office": "pencil",
    "Groceries": "basket",
}


def categories(catalog: Path = HERE / "catalog.csv") -> list[str]:
    with catalog.open(newline="", encoding="utf-8") as handle:
        return sorted({row["category"] for row in csv.DictReader(handle)})


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for category in categories():
        path = out / f"{slug(category)}.png"
        path.write_bytes(to_png(draw_category(category, ICONS.get(category))))
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "pictures")
    for path in main(parser.parse_args().out):
        print(path)
