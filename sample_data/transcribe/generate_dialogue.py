"""Build a two-speaker dialogue for the diarization test and benchmark: espeak-ng voices + sox.

Run: `python sample_data/transcribe/generate_dialogue.py` (needs espeak-ng and sox). Writes
`dialogue_two_speakers.wav` (16 kHz mono) and `dialogue_two_speakers.json` (the true turns: speaker, start,
end, text) next to this script. The pauses between turns come from `random.Random(SEED)` and sox runs with
`-R`, so re-running gives the same audio and the same turns.
"""

from __future__ import annotations

import json
import random
import tempfile
import wave
from pathlib import Path

from generate import sh  # the sample set's script, beside this one

HERE = Path(__file__).resolve().parent
SEED = 19
NAME = "dialogue_two_speakers"
# two clearly different voices: a lower US male and a higher British female voice
VOICES = {"A": ("en-us", 150, 40), "B": ("en-gb+f3", 165, 70)}  # espeak voice, words per minute, pitch
TURNS = [
    ("A", "Good morning, this is the Northstar support desk. How can I help you today?"),
    ("B", "Hello, my camera has been offline since yesterday evening and I cannot see the warehouse."),
    ("A", "I am sorry to hear that. Could you tell me the serial number printed under the camera?"),
    ("B", "Yes, it is four seven two nine. The light on the front is blinking orange."),
    ("A", "Thank you. Orange means it lost the network. Please unplug it for ten seconds and plug it back in."),
    ("B", "All right, I have done that. The light is green now and the picture is back."),
]


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def main() -> None:
    rng = random.Random(SEED)
    truth: list[dict] = []
    parts: list[str] = []
    clock = 0.0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        lead = tmp / "lead.wav"
        sh("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(lead), "trim", "0", "0.5")
        parts.append(str(lead))
        clock += 0.5
        for index, (speaker, text) in enumerate(TURNS):
            voice, wpm, pitch = VOICES[speaker]
            raw, clip = tmp / f"{index}.raw.wav", tmp / f"{index}.wav"
            sh("espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(raw), text)
            # trim espeak's own leading/trailing silence so the true turn times are where the voice is
            sh("sox", "-R", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(clip),
               "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse")  # fmt: skip
            length = seconds(clip)
            truth.append({"speaker": speaker, "start": round(clock, 3), "end": round(clock + length, 3), "text": text})
            parts.append(str(clip))
            clock += length
            gap = tmp / f"{index}.gap.wav"
            pause = round(rng.uniform(0.6, 1.2), 2)
            sh("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(gap), "trim", "0", str(pause))
            parts.append(str(gap))
            clock += pause
        sh("sox", "-R", *parts, str(HERE / f"{NAME}.wav"))
    (HERE / f"{NAME}.json").write_text(json.dumps({"seed": SEED, "turns": truth}, indent=2) + "\n")


if __name__ == "__main__":
    main()
