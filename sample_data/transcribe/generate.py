"""Build the sample speech set with espeak-ng (voices, speeds) + sox (telephone, stereo, noise) + ffmpeg (formats).

Run: `python sample_data/transcribe/generate.py` (needs espeak-ng, sox, ffmpeg). Writes the clips and
`references.json` ({file: reference text}) next to this script. sox runs with `-R` (repeatable noise) and
ffmpeg with bitexact flags, so re-running gives the same audio.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

SENTENCES = {
    "report": "Please send the quarterly report to the finance team before Friday.",
    "meeting": "The meeting has been moved to Tuesday afternoon at three o'clock.",
    "delivery": "Your parcel will be delivered tomorrow morning between nine and eleven.",
    "account": "I would like to update the billing address on my account.",
    "northstar": "Northstar Suite helps our support team answer customer questions faster.",
    "weather": "Heavy rain is expected across the north of the country this weekend.",
}

# (file, sentence key, espeak voice, words per minute, sox effects applied after, ffmpeg output options)
CLIPS = [
    ("report_us.wav", "report", "en-us", 160, [], None),
    ("meeting_gb.flac", "meeting", "en-gb", 140, [], None),
    ("delivery_female.mp3", "delivery", "en-us+f3", 170, [], ["-c:a", "libmp3lame", "-b:a", "32k"]),
    ("account_fast.ogg", "account", "en-us", 210, [], ["-c:a", "libvorbis", "-q:a", "2"]),
    ("northstar_slow.m4a", "northstar", "en-gb", 120, [], ["-c:a", "aac", "-b:a", "32k"]),
    ("weather_phone8k.wav", "weather", "en-us", 160, ["rate", "8000", "sinc", "300-3400"], None),
    ("report_stereo.wav", "report", "en-gb", 150, ["channels", "2"], None),
    ("meeting_noisy.wav", "meeting", "en-us", 160, [], None),  # noise mixed in below
    ("delivery_clipped.wav", "delivery", "en-gb", 160, ["gain", "18"], None),
    ("account_video.mp4", "account", "en-us+f3", 160, [], None),  # audio track in a tiny video
]
SILENCE = "silence.wav"
NOISE = "noise_only.wav"
LONG = "long_meeting.ogg"


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def speak(text: str, voice: str, wpm: int, out: Path) -> None:
    sh("espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text)


def encode(src: Path, dst: Path, options: list[str] | None) -> None:
    common = ["ffmpeg", "-y", "-loglevel", "error", "-fflags", "+bitexact", "-i", str(src), "-map_metadata", "-1"]
    sh(*common, "-fflags", "+bitexact", "-flags", "+bitexact", "-ac", "1", "-ar", "16000", *(options or []), str(dst))


def main() -> None:
    references: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name, key, voice, wpm, effects, options in CLIPS:
            raw = tmp / f"{Path(name).stem}.raw.wav"
            speak(SENTENCES[key], voice, wpm, raw)
            out = HERE / name
            padded = tmp / f"{Path(name).stem}.pad.wav"
            sh("sox", "-R", str(raw), str(padded), "pad", "0.3", "0.5")
            if name == "meeting_noisy.wav":
                noise = tmp / "noise.wav"
                sh("sox", "-R", str(padded), str(noise), "synth", "whitenoise", "vol", "0.08")
                sh("sox", "-R", "-m", str(padded), str(noise), "-r", "16000", str(out))
            elif name.endswith(".mp4"):
                sh(
                    "ffmpeg", "-y", "-loglevel", "error", "-fflags", "+bitexact", "-f", "lavfi", "-i",
                    "color=c=navy:s=64x64:r=2", "-i", str(padded), "-shortest", "-map_metadata", "-1",
                    "-fflags", "+bitexact",
                    "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-b:a", "32k", "-ar", "16000",
                    "-flags", "+bitexact", str(out),
                )  # fmt: skip
            elif name.endswith(".wav"):
                rate = [] if "rate" in effects else ["rate", "16000"]
                sh("sox", "-R", str(padded), "-b", "16", str(out), *effects, *rate)
            else:
                encode(padded, out, options)
            references[name] = SENTENCES[key]
        sh("sox", "-R", "-n", "-r", "16000", "-b", "16", str(HERE / SILENCE), "trim", "0", "5")
        sh("sox", "-R", "-n", "-r", "16000", "-b", "16", str(HERE / NOISE), "synth", "5", "pinknoise", "vol", "0.3")
        references[SILENCE] = ""
        references[NOISE] = ""
        references[LONG] = _long_file(tmp)
    (HERE / "references.json").write_text(json.dumps(references, indent=2) + "\n")


def _long_file(tmp: Path) -> str:
    """About three minutes: every sentence in four voices, with pauses of 1-3 s (no music, no overlap)."""
    parts, texts = [], []
    voices = [("en-us", 160), ("en-gb", 150), ("en-us+f3", 170), ("en-gb-x-rp", 140)]
    index = 0
    for round_ in range(4):
        for text in SENTENCES.values():
            voice, wpm = voices[(index + round_) % len(voices)]
            raw = tmp / f"long_{index}.wav"
            speak(text, voice, wpm, raw)
            part = tmp / f"long_{index}.16k.wav"
            sh("sox", "-R", str(raw), "-r", "16000", "-b", "16", str(part), "pad", "0", str(1 + index % 3))
            parts.append(str(part))
            texts.append(text)
            index += 1
    joined = tmp / "long.wav"
    sh("sox", "-R", *parts, str(joined))
    encode(joined, HERE / LONG, ["-c:a", "libvorbis", "-q:a", "0"])
    return " ".join(texts)


if __name__ == "__main__":
    main()
