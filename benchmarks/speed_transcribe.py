"""Transcription speed for issue 17, for one source tree: real-time factor of faster-whisper and openai-whisper.

Run: `python benchmarks/speed_transcribe.py --tree PATH [--quick] [--beam 5] [--profile] --json`

PATH goes first on `sys.path`, so this measures the code in PATH (today's main in a worktree, or this tree);
only `pipelines.transcriber.load_transcriber`, `TranscribeOptions(beam_size=...)` and `suite.transcribe.wer`
are used, which exist on both sides. Each engine runs in its own process (fresh temporary SUITE_HOME), warm:
the bundled tiny.en is loaded and one clip transcribed before anything is timed. Both engines get the same
model size and beam. Prints one JSON list of rows `{module, what, value, unit, accuracy?}`:

- RTF (wall seconds / audio seconds) on the long sample file and over every sample file, per engine, with WER
  beside it and the process's CPU seconds per audio second (all its threads; ffmpeg excluded), which reads the
  same on a busy machine;
- faster-whisper's speed over openai-whisper's on the long file (wall and CPU).

`--quick` uses two short clips instead of the whole set (a smoke test, not a measurement). `--profile` prints
the top 10 functions of a cProfile of faster-whisper on the long file to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MODULE = "transcribe"
LONG = "long_meeting.ogg"
QUICK = ("report_us.wav", "account_fast.ogg")


def child(tree: str, engine: str, beam: int, quick: bool, profile: bool) -> None:
    """In its own process: one engine over the sample files; prints one JSON object."""
    sys.path.insert(0, tree)
    from pipelines.transcriber import TranscribeOptions, load_transcriber

    speech = Path(tree) / "sample_data" / "transcribe"
    references = json.loads((speech / "references.json").read_text())
    names = list(QUICK) if quick else list(references)
    transcriber = load_transcriber(engine, device="cpu")
    transcriber.transcribe(speech / QUICK[0], TranscribeOptions(beam_size=beam))  # warm
    files = {}
    for name in names:
        profiler = cProfile.Profile(time.process_time) if profile and name == LONG else None
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        result = transcriber.transcribe(speech / name, TranscribeOptions(beam_size=beam))
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
            print(f"{engine} on {name}, CPU seconds:\n{out.getvalue()}", file=sys.stderr)
        files[name] = {
            "text": result.text,
            "wall_s": result.elapsed_s,
            "cpu_s": time.process_time() - cpu,
            "audio_s": result.duration_s,
        }
    print(json.dumps({"engine": engine, "model": transcriber.model_name, "files": files}))


def run_child(tree: str, engine: str, beam: int, quick: bool, profile: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="speed-tr-") as home:
        command = [sys.executable, __file__, "--tree", tree, "--child", engine, "--beam", str(beam)]
        command += ["--quick"] * quick + ["--profile"] * profile
        done = subprocess.run(
            command, env={**os.environ, "SUITE_HOME": home}, capture_output=True, text=True, check=False
        )
    sys.stderr.write(done.stderr[-4000:] if done.returncode else done.stderr)
    if done.returncode:
        raise SystemExit(f"{engine} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="the source tree to measure (its root folder)")
    parser.add_argument("--quick", action="store_true", help="two short clips: proves the script runs")
    parser.add_argument("--beam", type=int, default=5, help="beam size for both engines (default 5)")
    parser.add_argument("--profile", action="store_true", help="cProfile top 10 of faster-whisper on the long file")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON list (the default)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tree = str(Path(args.tree).resolve())
    if args.child:
        child(tree, args.child, args.beam, args.quick, args.profile)
        return
    sys.path.insert(0, tree)
    from suite.transcribe.wer import corpus_wer, wer

    references = json.loads((Path(tree) / "sample_data" / "transcribe" / "references.json").read_text())
    long_name = QUICK[0] if args.quick else LONG
    rows: list[dict] = []
    runs = {}
    for engine in ("faster-whisper", "openai-whisper"):
        load = os.getloadavg()[0]
        runs[engine] = run = run_child(tree, engine, args.beam, args.quick, args.profile and engine == "faster-whisper")
        files = run["files"]
        speech = [n for n in files if references[n] and n != long_name]
        long = files[long_name]
        accuracy = {
            "wer_long_file": wer(references[long_name], long["text"]),
            "wer_short_clips": corpus_wer([(references[n], files[n]["text"]) for n in speech]) if speech else 0.0,
            "cpu_s_per_audio_s": long["cpu_s"] / long["audio_s"],
            "load_average_1min": load,
        }
        label = f"{engine} {run['model']} beam {args.beam}"
        rows.append(
            {
                "module": MODULE,
                "what": f"RTF {label}, {long_name} ({long['audio_s']:.0f} s)",
                "value": round(long["wall_s"] / long["audio_s"], 4),
                "unit": "s/s",
                "accuracy": {k: round(v, 4) for k, v in accuracy.items()},
            }
        )
        total_wall = sum(f["wall_s"] for f in files.values())
        total_audio = sum(f["audio_s"] for f in files.values())
        cpu_all = sum(f["cpu_s"] for f in files.values()) / total_audio
        rows.append(
            {
                "module": MODULE,
                "what": f"RTF {label}, all {len(files)} sample files",
                "value": round(total_wall / total_audio, 4),
                "unit": "s/s",
                "accuracy": {"cpu_s_per_audio_s": round(cpu_all, 4)},
            }
        )
    fast, ref = runs["faster-whisper"]["files"][long_name], runs["openai-whisper"]["files"][long_name]
    rows.append(
        {
            "module": MODULE,
            "what": f"faster-whisper speed / openai-whisper speed, {long_name}, beam {args.beam}",
            "value": round(ref["wall_s"] / fast["wall_s"], 3),
            "unit": "x",
            "accuracy": {"cpu_ratio": round(ref["cpu_s"] / max(fast["cpu_s"], 1e-9), 3)},
        }
    )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
