"""Long English recordings read from the help-centre articles, for checks on speech we did not tune to.

`write_readings(folder)` picks sentences from `sample_data/support/kb/*.md` (6-22 words, plain letters and
punctuation) with `random.Random(seed)`, and has espeak-ng read 24 of them per recording in five voices and
speeds, with 0.6-2.5 s pauses (`sox -R`, repeatable). It returns {file name: reference text}. The files are
written at run time (about 2.6 minutes each), not committed. Run alone: `python generate_help_readings.py OUT`.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
from pathlib import Path

from generate import sh, speak  # the sample set's script, beside this one

KB = Path(__file__).resolve().parents[1] / "support" / "kb"
VOICES = [("en-us", 160), ("en-gb", 150), ("en-us+f3", 170), ("en-gb-x-rp", 140), ("en-us+m3", 155)]
PLAIN = re.compile(r"[A-Za-z0-9 ,.'?!-]+")


def sentences() -> list[str]:
    found = []
    for article in sorted(KB.glob("*.md")):
        for line in article.read_text().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            found += [
                s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if 6 <= len(s.split()) <= 22 and PLAIN.fullmatch(s)
            ]
    return found


def write_readings(folder: Path, count: int = 6, per_file: int = 24, seed: int = 17) -> dict[str, str]:
    rng = random.Random(seed)
    pool = sentences()
    folder.mkdir(parents=True, exist_ok=True)
    references = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for n in range(count):
            picked = rng.sample(pool, per_file)
            parts = []
            for i, text in enumerate(picked):
                voice, wpm = rng.choice(VOICES)
                raw, part = tmp / f"{n}_{i}.wav", tmp / f"{n}_{i}.16k.wav"
                speak(text, voice, wpm, raw)
                pause = f"{rng.uniform(0.6, 2.5):.2f}"
                sh("sox", "-R", "-V1", str(raw), "-r", "16000", "-b", "16", str(part), "pad", "0", pause)
                parts.append(str(part))
            name = f"help_reading_{n}.wav"
            sh("sox", "-R", "-V1", *parts, str(folder / name))
            references[name] = " ".join(picked)
    return references


if __name__ == "__main__":
    out = Path(sys.argv[1])
    (out / "references.json").write_text(json.dumps(write_readings(out), indent=1) + "\n")
