"""Seeded generator for the risk module's year of news: 20 fictional companies, daily prices, planted episodes.

Run `python sample_data/risk/generate.py` to rewrite watchlist.csv, headlines.csv, prices.csv and
episodes.json byte for byte. The headline templates here are deliberately different from the hand-written
labelled set (labelled_headlines.csv), so the classifier is never evaluated on sentences it was trained on.
"""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2025
START = date(2025, 1, 1)
DAYS = 365

COMPANIES = [
    ("ACMR", "Acmera Robotics", "Acmera", "Industrials"),
    ("BLVD", "Boulevard Foods", "Boulevard", "Consumer staples"),
    ("CRSN", "Corsano Pharma", "Corsano", "Health care"),
    ("DUNM", "Dunmore Energy", "Dunmore", "Energy"),
    ("ELKR", "Elkridge Bank", "Elkridge", "Financials"),
    ("FNWK", "Fennwick Motors", "Fennwick", "Consumer discretionary"),
    ("GLNT", "Glenthorpe Mining", "Glenthorpe", "Materials"),
    ("HRBR", "Harbourline Shipping", "Harbourline", "Industrials"),
    ("IVRY", "Ivory Lane Retail", "Ivory Lane", "Consumer discretionary"),
    ("JNPR", "Juniper Peak Software", "Juniper Peak", "Technology"),
    ("KSTL", "Kestrel Air", "Kestrel", "Industrials"),
    ("LMNS", "Lumenis Semiconductors", "Lumenis", "Technology"),
    ("MRDN", "Meridian Insurance Group", "Meridian Insurance|Meridian", "Financials"),
    ("NVLO", "Novalo Telecom", "Novalo", "Communication"),
    ("ORCH", "Orchard Home Builders", "Orchard Homes|Orchard", "Real estate"),
    ("PLRS", "Polaris Water", "Polaris", "Utilities"),
    ("QNTM", "Quantum Leaf Games", "Quantum Leaf", "Communication"),
    ("RDGE", "Ridgeway Chemicals", "Ridgeway", "Materials"),
    ("STRL", "Sterling Payments", "Sterling", "Financials"),
    ("TMBR", "Timberline Paper", "Timberline", "Materials"),
]
# Chinese names (全称|简称) for Chinese headlines; watchlist.csv's names_zh column, linked like the aliases.
# generate_zh.py writes the Chinese labelled set with them.
NAMES_ZH = {
    "ACMR": "艾克美拉机器人|艾克美拉",
    "BLVD": "博乐维食品|博乐维",
    "CRSN": "科尔萨诺制药|科尔萨诺",
    "DUNM": "邓莫尔能源|邓莫尔",
    "ELKR": "埃尔克里奇银行|埃尔克里奇",
    "FNWK": "芬威克汽车|芬威克",
    "GLNT": "格伦索普矿业|格伦索普",
    "HRBR": "哈博莱航运|哈博莱",
    "IVRY": "象牙巷零售|象牙巷",
    "JNPR": "杜松峰软件|杜松峰",
    "KSTL": "红隼航空|红隼",
    "LMNS": "卢梅尼斯半导体|卢梅尼斯",
    "MRDN": "子午线保险集团|子午线保险|子午线",
    "NVLO": "诺瓦洛电信|诺瓦洛",
    "ORCH": "奥查德置业|奥查德",
    "PLRS": "北极星水务|北极星",
    "QNTM": "量子叶游戏|量子叶",
    "RDGE": "瑞奇威化工|瑞奇威",
    "STRL": "斯特林支付|斯特林",
    "TMBR": "林线纸业|林线",
}

NEUTRAL = [
    "{name} schedules its quarterly earnings call for next week",
    "{name} names a new head of human resources",
    "{name} to present at an investor conference in Boston",
    "{name} confirms annual meeting date",
    "{name} opens a regional office in Denver",
    "{name} files its quarterly report with regulators",
    "{name} declares its regular dividend",
    "{name} updates its corporate governance guidelines",
    "{name} completes a planned systems upgrade",
    "{name} board re-elects its chair",
    "{name} publishes an environmental impact report",
    "{ticker} stock flat in quiet trading",
    "{name} renews its credit line with lenders",
    "{name} appoints a new independent director",
    "{name} launches a refreshed company website",
    "{name} says quarterly trading is in line with its plan",
    "What to watch when {name} reports this week",
    "{name} moves its customer service centre to a new site",
    "{name} joins an industry working group on standards",
    "{name} hosts a site visit for analysts",
]
POSITIVE = [
    "{name} beats quarterly profit forecasts",
    "{name} wins a large multi-year contract",
    "{name} raises its dividend after a solid year",
    "{name} shares climb on upbeat sales update",
    "{name} lands new customer deal worth millions",
    "Analysts lift price targets on {name}",
    "{name} reports higher margins and strong cash generation",
    "{name} expands into two new markets after strong demand",
    "{name} upgraded to outperform by brokers",
    "{name} order book grows faster than expected",
    "{ticker} rallies after positive trading statement",
    "{name} cuts debt ahead of schedule",
]
NEGATIVE = [
    "{name} shares slip after a rival undercuts its prices",
    "{name} misses sales estimates for the quarter",
    "Analysts cut {name} to underweight",
    "{name} faces customer complaints over service delays",
    "{name} loses a contract to a competitor",
    "{name} warns costs are rising faster than prices",
    "{ticker} falls as investors worry about slowing growth",
    "{name} delays a product launch by several months",
    "{name} hit by a minor lawsuit from a former supplier",
    "{name} margins squeezed by higher wages",
]
EPISODES = {
    "recall": [
        "{name} recalls products after safety defect discovered",
        "{name} recall widens as regulators demand answers",
        "{name} shares sink as recall costs mount",
        "Customers told to stop using {name} products after injuries reported",
        "{name} recall could cost hundreds of millions, analysts say",
        "Lawmakers question {name} over the delayed recall",
        "{name} suspends production line at the centre of the recall",
    ],
    "fraud probe": [
        "{name} under investigation by securities regulator over accounting",
        "Prosecutors raid {name} offices in fraud probe",
        "{name} chief financial officer placed on leave amid fraud inquiry",
        "{name} shares plunge as fraud probe deepens",
        "{name} delays results while auditors examine the books",
        "Investors sue {name} over alleged misstatements",
        "{name} lenders seek assurances as probe widens",
    ],
    "guidance cut": [
        "{name} slashes its full-year guidance",
        "{name} warns profit will fall well short of targets",
        "{name} shares tumble after profit warning",
        "Brokers downgrade {name} after the outlook cut",
        "{name} to cut jobs as demand weakens",
        "{name} guidance cut raises doubts over its dividend",
    ],
    "data breach": [
        "{name} hit by cyberattack, customer data stolen",
        "{name} data breach affects millions of accounts",
        "Regulators open inquiry into the {name} breach",
        "{name} shares drop as breach costs are counted",
        "{name} customers report fraud after the hack",
        "{name} faces lawsuits over the data breach",
    ],
    "strong quarter": [
        "{name} posts record quarterly results",
        "{name} smashes earnings expectations",
        "{name} shares surge to all-time high after results",
        "{name} raises full-year outlook after blowout quarter",
        "Analysts hail a standout quarter at {name}",
        "{name} announces buyback on strong cash flow",
    ],
}
EPISODE_NEUTRAL = [
    "{name} to hold a call with investors on Friday",
    "{name} says it is reviewing the situation",
    "{name} hires outside advisers",
]
PLANTED = [
    ("FNWK", "recall", date(2025, 3, 11), "Fennwick Motors recalls vehicles over a steering defect"),
    ("STRL", "fraud probe", date(2025, 5, 20), "Sterling Payments under a securities-fraud investigation"),
    ("LMNS", "guidance cut", date(2025, 8, 5), "Lumenis Semiconductors cuts its full-year guidance"),
    ("NVLO", "data breach", date(2025, 10, 14), "Novalo Telecom customer data stolen in a cyberattack"),
    ("JNPR", "strong quarter", date(2025, 7, 24), "Juniper Peak Software reports a record quarter"),
    ("BLVD", "recall", date(2025, 11, 25), "Boulevard Foods recalls snacks over contamination"),
]
SOURCES = ["Northwire", "Ledger Daily", "Market Desk", "City Post", "Trade Journal"]
ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=1)), timezone(timedelta(hours=8))]
EPISODE_VOLUME = [8, 6, 4, 3, 2, 2, 1]  # extra headlines on each day of an episode
EPISODE_MOVES = {"strong quarter": [0.07, 0.02, 0.01, 0.0], "default": [-0.09, -0.04, -0.03, -0.02, -0.01]}


def _fill(template: str, ticker: str, name: str, short: str, rng: random.Random) -> str:
    return template.format(name=name if rng.random() < 0.6 else short, ticker=ticker)


def generate() -> None:
    rng = random.Random(SEED)
    headlines: list[dict] = []
    prices: list[dict] = []
    episodes_by_ticker = {p[0]: p for p in PLANTED}
    for ticker, name, aliases, _ in COMPANIES:
        short = aliases.split("|")[0]
        price = rng.uniform(20, 180)
        drift, vol = rng.uniform(-0.0002, 0.0006), rng.uniform(0.01, 0.02)
        episode = episodes_by_ticker.get(ticker)
        for offset in range(DAYS):
            day = START + timedelta(days=offset)
            since = (day - episode[2]).days if episode else -1
            kind = episode[1] if episode else ""
            moves = EPISODE_MOVES["strong quarter" if kind == "strong quarter" else "default"]
            shock = moves[since] if 0 <= since < len(moves) else 0.0
            price *= math.exp(drift + vol * rng.gauss(0, 1) + shock)
            if day.weekday() < 5:
                prices.append({"date": day.isoformat(), "ticker": ticker, "close": f"{price:.2f}"})
            weekend = day.weekday() >= 5
            count = sum(rng.random() < (0.08 if weekend else 0.3) for _ in range(2))
            stories = []
            for _ in range(count):
                pool = rng.choices([NEUTRAL, POSITIVE, NEGATIVE], weights=[0.55, 0.27, 0.18])[0]
                stories.append(_fill(rng.choice(pool), ticker, name, short, rng))
            if 0 <= since < len(EPISODE_VOLUME):
                for _ in range(EPISODE_VOLUME[since]):
                    pool = EPISODES[kind] if rng.random() < 0.85 else EPISODE_NEUTRAL
                    stories.append(_fill(rng.choice(pool), ticker, name, short, rng))
            for text in dict.fromkeys(stories):
                moment = datetime(day.year, day.month, day.day, rng.randint(6, 20), rng.randint(0, 59), tzinfo=UTC)
                zone = rng.choice(ZONES)
                source = rng.choice(SOURCES)
                slug = "-".join(text.lower().split()[:6]).replace("'", "")
                row = {
                    "timestamp": moment.astimezone(zone).isoformat(),
                    "source": source,
                    "headline": text,
                    "url": f"https://news.example/{source.lower().replace(' ', '-')}/{day:%Y/%m/%d}/{slug}",
                    "ticker": ticker if rng.random() < 0.5 else "",
                }
                headlines.append(row)
                if rng.random() < 0.08:  # the same story carried by a second outlet, a little later
                    copy = dict(row, source=rng.choice([s for s in SOURCES if s != source]))
                    copy["timestamp"] = (moment + timedelta(minutes=rng.randint(5, 90))).isoformat()
                    copy["url"] = ""
                    headlines.append(copy)
    for a, b in [("ACMR", "HRBR"), ("DUNM", "RDGE"), ("ELKR", "ORCH"), ("GLNT", "TMBR")]:
        names = {c[0]: c[2].split("|")[0] for c in COMPANIES}
        for _ in range(3):
            day = START + timedelta(days=rng.randrange(DAYS))
            text = rng.choice(
                ["{a} and {b} agree a supply partnership", "{a} and {b} settle a long-running contract dispute"]
            ).format(a=names[a], b=names[b])
            stamp = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC).isoformat()
            headlines.append({"timestamp": stamp, "source": "Northwire", "headline": text, "url": "", "ticker": ""})
    headlines.sort(key=lambda r: (datetime.fromisoformat(r["timestamp"]).astimezone(UTC), r["headline"]))
    watched = [(*c, NAMES_ZH[c[0]]) for c in COMPANIES]
    _write_csv(HERE / "watchlist.csv", ["ticker", "name", "aliases", "sector", "names_zh"], watched)
    _write_csv(HERE / "headlines.csv", ["timestamp", "source", "headline", "url", "ticker"], headlines)
    _write_csv(HERE / "prices.csv", ["date", "ticker", "close"], prices)
    episodes = [
        {"ticker": t, "kind": k, "start": d.isoformat(), "negative": k != "strong quarter", "description": text}
        for t, k, d, text in PLANTED
    ]
    (HERE / "episodes.json").write_text(json.dumps(episodes, indent=2) + "\n")


def _write_csv(path: Path, columns: list[str], rows: list) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[c] for c in columns] if isinstance(row, dict) else row)


if __name__ == "__main__":
    generate()
