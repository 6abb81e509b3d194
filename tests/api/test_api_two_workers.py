"""Two `suite api` worker processes over one store: every acknowledged event is in it afterwards, once.

The shop's systems post view/cart/buy events while others ask for recommendations; the two processes take
turns with the database file. The sum of `rows_added` the API acknowledged must equal the rows that arrived
(events repeated with the same key — same shopper, product, time and kind — are acknowledged as not added).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from conftest import accounts_and_tokens
from test_api_server import stop, wait_for

from tests.serving_kit import free_port

pytestmark = [pytest.mark.slow, pytest.mark.scale]  # several processes: make test-scale

CLIENTS = 8
CALLS = 40  # per client: 320 event calls, half of them with a timestamp drawn from a few, so keys repeat


def _client(base: str, token: str, users: list[str], items: list[str], seed: int, acked: list, failures: list) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        for call in range(CALLS):
            user = rng.choice(users)
            if call % 4 == 0:
                response = http.get(f"/v1/recommend/users/{user}", params={"k": 5})
                if response.status_code != 200:
                    failures.append(response.text[:300])
                continue
            event = {"user_id": user, "item_id": rng.choice(items), "event": rng.choice(["view", "cart", "buy"])}
            if rng.random() < 0.5:
                event["timestamp"] = f"2026-11-30T10:00:0{rng.randrange(3)}Z"
            response = http.post("/v1/recommend/events", json={"events": [event]})
            if response.status_code == 200:
                acked.append(response.json()["interactions"]["rows_added"])
            else:
                failures.append(response.text[:300])


def test_two_api_workers_store_every_acknowledged_event_once(loaded_store):
    tokens = accounts_and_tokens(loaded_store)
    users = [r["user_id"] for r in loaded_store.query("SELECT DISTINCT user_id FROM rec_interactions LIMIT 6")]
    items = [r["item_id"] for r in loaded_store.query("SELECT item_id FROM rec_items ORDER BY item_id LIMIT 4")]
    before = loaded_store.scalar("SELECT count(*) FROM rec_interactions WHERE source = 'api'")
    loaded_store.close()
    port = free_port()
    suite = str(Path(sys.executable).with_name("suite"))
    env = {**os.environ, "SUITE_HOME": str(loaded_store.settings.home), "SUITE_DEVICE": "cpu",
           "SUITE_API_RATE_PER_MINUTE": "1000000"}  # fmt: skip
    command = [suite, "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    acked: list[int] = []
    failures: list[str] = []
    try:
        wait_for(f"{base}/v1/ready", 200, 900, process)
        threads = [
            threading.Thread(target=_client, args=(base, tokens["staff"], users, items, seed, acked, failures))
            for seed in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        err = stop(process)
    assert failures == []
    assert len(acked) == CLIENTS * CALLS * 3 // 4
    assert 0 < sum(acked) < len(acked), "some events repeat a stored key, and are acknowledged as not added"
    found = loaded_store.scalar("SELECT count(*) FROM rec_interactions WHERE source = 'api'") - before
    assert found == sum(acked)
    assert "Traceback" not in err, err[-2000:]
