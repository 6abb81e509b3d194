"""Seeded generator of the sample shop: `catalog.csv` and `interactions.csv.gz`.

Run `python sample_data/recommend/generate.py`; the same seed gives the same files byte for byte.
See README.md next to this file for the taste model behind the shoppers.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

SEED = 20261123
HERE = Path(__file__).resolve().parent
N_SHOPPERS = 3000
ITEMS_PER_CATEGORY = 67
START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 365

# category -> (nouns, styles, median price, seasonal peak month or 0, consumable)
CATEGORIES: dict[str, tuple[list[str], list[str], float, int, bool]] = {
    "Outdoor": (
        ["tent", "backpack", "sleeping bag", "headlamp", "camping stove", "rain jacket"],
        ["ultralight", "family", "alpine", "festival"],
        90,
        7,
        False,
    ),
    "Running": (
        ["trail shoes", "road shoes", "running socks", "running vest", "water bottle", "sports watch"],
        ["trail", "marathon", "beginner", "winter"],
        60,
        4,
        False,
    ),
    "Kitchen": (
        ["chef knife", "frying pan", "stock pot", "cutting board", "blender", "baking tray"],
        ["professional", "compact", "nonstick", "cast iron"],
        45,
        11,
        False,
    ),
    "Coffee & Tea": (
        ["espresso beans", "green tea", "filter coffee", "chai blend", "milk frother", "teapot"],
        ["single origin", "organic", "decaf", "barista"],
        15,
        1,
        True,
    ),
    "Books": (
        ["mystery novel", "cookbook", "travel guide", "biography", "fantasy saga", "science book"],
        ["paperback", "hardcover", "illustrated", "bestseller"],
        18,
        12,
        False,
    ),
    "Electronics": (
        ["wireless earbuds", "phone charger", "bluetooth speaker", "e-reader", "webcam", "power bank"],
        ["budget", "premium", "gaming", "travel"],
        80,
        11,
        False,
    ),
    "Home Decor": (
        ["throw pillow", "table lamp", "wall art", "scented candle", "vase", "rug"],
        ["scandinavian", "boho", "minimalist", "vintage"],
        35,
        10,
        False,
    ),
    "Beauty": (
        ["face cream", "shampoo", "lip balm", "sunscreen", "body lotion", "perfume"],
        ["natural", "sensitive skin", "luxury", "travel size"],
        20,
        6,
        True,
    ),
    "Pet Supplies": (
        ["dog food", "cat litter", "chew toy", "pet bed", "leash", "cat treats"],
        ["puppy", "senior pet", "grain free", "large breed"],
        25,
        0,
        True,
    ),
    "Toys": (
        ["building blocks", "puzzle", "plush bear", "board game", "toy car", "art set"],
        ["toddler", "family", "educational", "collector"],
        25,
        12,
        False,
    ),
    "Garden": (
        ["seed kit", "garden hose", "pruning shears", "planter", "compost bin", "garden gloves"],
        ["balcony", "vegetable", "flower", "heavy duty"],
        30,
        5,
        False,
    ),
    "Fitness": (
        ["yoga mat", "dumbbells", "resistance bands", "foam roller", "kettlebell", "jump rope"],
        ["home gym", "yoga", "strength", "recovery"],
        35,
        1,
        False,
    ),
    "Baby": (
        ["diapers", "baby wipes", "bottle set", "baby carrier", "onesie", "teether"],
        ["newborn", "organic", "travel", "eco"],
        22,
        0,
        True,
    ),
    "Office": (
        ["notebook", "desk organizer", "fountain pen", "monitor stand", "office chair", "planner"],
        ["ergonomic", "classic", "student", "executive"],
        28,
        9,
        False,
    ),
    "Groceries": (
        ["olive oil", "pasta", "granola", "dark chocolate", "hot sauce", "honey"],
        ["organic", "italian", "gluten free", "artisan"],
        8,
        0,
        True,
    ),
}
# shopper segments: category -> affinity weight (others get a small base weight)
SEGMENTS: dict[str, dict[str, float]] = {
    "adventurer": {"Outdoor": 6, "Running": 4, "Fitness": 2, "Electronics": 1},
    "home cook": {"Kitchen": 6, "Groceries": 4, "Coffee & Tea": 3, "Books": 1},
    "new parent": {"Baby": 7, "Toys": 4, "Beauty": 1.5, "Groceries": 1.5},
    "tech fan": {"Electronics": 7, "Office": 3, "Books": 1},
    "bookworm": {"Books": 7, "Coffee & Tea": 3, "Home Decor": 2, "Office": 1},
    "nester": {"Home Decor": 6, "Garden": 4, "Kitchen": 2},
    "athlete": {"Fitness": 6, "Running": 5, "Groceries": 1.5, "Beauty": 1},
    "pet owner": {"Pet Supplies": 7, "Garden": 2, "Home Decor": 1.5},
}
BRANDS = ["Northpeak", "Larkwood", "Brightfield", "Oakline", "Tidewater", "Cobalt & Co", "Fernhill", "Maple Row"]
EVENTS = ["view", "click", "cart", "purchase"]


def make_catalog(rng: np.random.Generator) -> list[dict]:
    items = []
    for c_index, (category, (nouns, styles, median, _peak, consumable)) in enumerate(CATEGORIES.items()):
        for j in range(ITEMS_PER_CATEGORY):
            noun, style, brand = nouns[j % len(nouns)], styles[rng.integers(len(styles))], rng.choice(BRANDS)
            tier = rng.choice(["budget", "standard", "premium"], p=[0.35, 0.4, 0.25])
            price = median * {"budget": 0.55, "standard": 1.0, "premium": 2.2}[tier] * float(rng.lognormal(0, 0.25))
            title = f"{brand} {style} {noun}"
            description = (
                f"A {tier} {style} {noun} from {brand}, part of our {category.lower()} range. "
                f"Chosen by shoppers who like {style} {category.lower()} gear."
            )
            items.append(
                {
                    "item_id": f"P{c_index:02d}{j:03d}",
                    "title": title,
                    "category": category,
                    "description": description,
                    "price": round(price, 2),
                    "in_stock": "true" if rng.random() > 0.04 else "false",
                    "consumable": "true" if consumable else "false",
                    "_style": style,
                    "_noun": noun,
                }
            )
    return items


def make_interactions(rng: np.random.Generator, items: list[dict]) -> list[tuple[str, str, str, str]]:
    categories = list(CATEGORIES)
    n_items = len(items)
    cat_of = np.array([categories.index(it["category"]) for it in items])
    price = np.array([it["price"] for it in items])
    rel_price = np.log(price / np.array([CATEGORIES[it["category"]][2] for it in items]))
    popularity = rng.lognormal(0, 1.1, n_items)  # the popular-item skew
    style_of = [it["_style"] for it in items]
    # a "goes with" partner per item (same style, another noun of the category): bought together
    partner = np.array([rng.choice([k for k in np.flatnonzero(cat_of == cat_of[i]) if k != i]) for i in range(n_items)])
    peaks = np.array([CATEGORIES[c][3] for c in categories])

    rows: list[tuple[str, str, str, str]] = []
    seg_names = list(SEGMENTS)
    for u in range(N_SHOPPERS):
        segment = SEGMENTS[seg_names[rng.integers(len(seg_names))]]
        base = np.array([segment.get(c, 0.25) for c in categories])
        affinity = rng.dirichlet(base * 2.0)  # each shopper's own mix around the segment
        price_sens = rng.normal(1.0, 0.8)  # > 0: prefers cheaper items
        liked_style = {c: rng.choice(CATEGORIES[c][1]) for c in categories}
        n_events = int(np.clip(rng.lognormal(2.5, 0.85), 1, 160))
        t = START + timedelta(days=float(rng.uniform(0, DAYS * 0.6)))
        recent: list[int] = []
        for _ in range(n_events):
            month = t.month
            season = 1.0 + 1.5 * np.exp(-(((month - peaks) % 12) ** 2) / 2.0) * (peaks > 0)
            if recent and rng.random() < 0.25:
                item = int(partner[recent[-1]]) if rng.random() < 0.6 else int(recent[rng.integers(len(recent))])
            else:
                cat_p = affinity * season
                cat = rng.choice(len(categories), p=cat_p / cat_p.sum())
                cand = np.flatnonzero(cat_of == cat)
                style_boost = np.array([3.0 if style_of[k] == liked_style[categories[cat]] else 1.0 for k in cand])
                w = popularity[cand] * style_boost * np.exp(-price_sens * rel_price[cand])
                item = int(rng.choice(cand, p=w / w.sum()))
            event = rng.choice(EVENTS, p=[0.55, 0.22, 0.11, 0.12])
            rows.append((f"U{u:04d}", items[item]["item_id"], t.strftime("%Y-%m-%dT%H:%M:%SZ"), str(event)))
            recent = (recent + [item])[-5:]
            t += timedelta(hours=float(rng.exponential(60)))
    rows.sort(key=lambda r: (r[2], r[0]))
    return rows


def main() -> None:
    rng = np.random.default_rng(SEED)
    items = make_catalog(rng)
    columns = ["item_id", "title", "category", "description", "price", "in_stock", "consumable"]
    with (HERE / "catalog.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(items)
    rows = make_interactions(rng, items)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["user_id", "item_id", "timestamp", "event"])
    writer.writerows(rows)
    with (HERE / "interactions.csv.gz").open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue().encode())


if __name__ == "__main__":
    main()
