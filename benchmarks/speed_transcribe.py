"""Transcription speed for issue 17, for one source tree: real-time factor of faster-whisper and openai-whisper.

Run: `python benchmarks/speed_transcribe.py --tree PATH [--quick] [--beam 5] [--profile FILE] [--json]`

Measures the code in PATH (see benchmarks/speedkit.py); only `pipelines.transcriber.load_transcriber`,
`TranscribeOptions(beam_size=...)` and `suite.transcribe.wer` are used, which exist on both sides. Each engine
runs in its own process (its own scratch SUITE_HOME), warm: the bundled tiny.en is loaded and one clip
transcribed before anything is timed. Both engines get the same model size and beam. Rows
`{module, what, value, unit, target?, accuracy?}`:

- RTF (wall seconds / audio seconds) on the long sample file per engine, and over every sample file for
  faster-whisper (openai-whisper, the reference, runs the long file only), with WER beside it and the process's
  CPU seconds per audio second (all its threads; ffmpeg excluded), which reads the same on a busy machine;
- faster-whisper's speed over openai-whisper's on the long file (wall and CPU).

`--quick` uses two short clips instead of the whole set (a smoke test, not a measurement). `--profile FILE`:
the cProfile top entries (CPU seconds) of faster-whisper on the long file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from speedkit import Rows, emit, profiled, setup

MODULE = "transcribe"
LONG = "long_meeting.ogg"
QUICK = ("report_us.wav", "account_fast.ogg")
TARGET_RTF, TARGET_RATIO = 0.04, 3.0


def _options(parser) -> None:
    parser.add_argument("--beam", type=int, default=5, help="beam size for both engines (default 5)")
    parser.add_argument("--child", help=argparse.SUPPRESS)


ARGS = setup(MODULE, __doc__, _options) if __name__ == "__main__" else None


def child(args) -> None:
    """In its own process: one engine over the sample files; prints one JSON object."""
    from pipelines.transcriber import TranscribeOptions, load_transcriber

    engine = args.child
    speech = args.tree / "sample_data" / "transcribe"
    references = json.loads((speech / "references.json").read_text())
    # openai-whisper is the reference for the long file only (the ratio target); the whole set is faster-whisper's
    names = list(QUICK) if args.quick else list(references) if engine == "faster-whisper" else [LONG]
    transcriber = load_transcriber(engine, device="cpu")
    options = TranscribeOptions(beam_size=args.beam)
    transcriber.transcribe(speech / QUICK[0], options)  # warm
    files = {}
    for name in names:
        profile = args.profile if name == LONG and engine == "faster-whisper" else None
        cpu = time.process_time()
        with profiled(profile, timer=time.process_time):
            result = transcriber.transcribe(speech / name, options)
        files[name] = {
            "text": result.text,
            "wall_s": result.elapsed_s,
            "cpu_s": time.process_time() - cpu,
            "audio_s": result.duration_s,
        }
    print(json.dumps({"engine": engine, "model": transcriber.model_name, "files": files}))  # noqa: T201


def run_child(args, engine: str) -> dict:
    command = [sys.executable, __file__, "--tree", str(args.tree), "--child", engine, "--beam", str(args.beam)]
    command += ["--quick"] * args.quick + (["--profile", str(args.profile)] if args.profile else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    sys.stderr.write(done.stderr[-4000:] if done.returncode else done.stderr)
    if done.returncode:
        raise SystemExit(f"{engine} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(args) -> Rows:
    from suite.transcribe.wer import corpus_wer, wer

    references = json.loads((args.tree / "sample_data" / "transcribe" / "references.json").read_text())
    long_name = QUICK[0] if args.quick else LONG
    rows = Rows(MODULE)
    runs = {}
    for engine in ("faster-whisper", "openai-whisper"):
        load = os.getloadavg()[0]
        runs[engine] = run = run_child(args, engine)
        files = run["files"]
        speech = [n for n in files if references[n] and n != long_name]
        long = files[long_name]
        accuracy = {
            "wer_long_file": wer(references[long_name], long["text"]),
            "cpu_s_per_audio_s": long["cpu_s"] / long["audio_s"],
            "load_average_1min": load,
        }
        if speech:
            accuracy["wer_short_clips"] = corpus_wer([(references[n], files[n]["text"]) for n in speech])
        label = f"{engine} {run['model']} beam {args.beam}"
        target = ("<=", TARGET_RTF) if engine == "faster-whisper" else None
        rtf = long["wall_s"] / long["audio_s"]
        rows.add(f"RTF {label}, {long_name} ({long['audio_s']:.0f} s)", rtf, "s/s", accuracy, target)
        total_audio = sum(f["audio_s"] for f in files.values())
        rtf_all = sum(f["wall_s"] for f in files.values()) / total_audio
        cpu_all = {"cpu_s_per_audio_s": sum(f["cpu_s"] for f in files.values()) / total_audio}
        if len(files) > 1:
            rows.add(f"RTF {label}, all {len(files)} sample files", rtf_all, "s/s", cpu_all)
    fast, ref = runs["faster-whisper"]["files"][long_name], runs["openai-whisper"]["files"][long_name]
    rows.add(
        f"faster-whisper speed / openai-whisper speed, {long_name}, beam {args.beam}",
        ref["wall_s"] / fast["wall_s"],
        "x",
        {"cpu_ratio": ref["cpu_s"] / max(fast["cpu_s"], 1e-9)},
        (">=", TARGET_RATIO),
    )
    return rows


if __name__ == "__main__":
    if ARGS.child:
        child(ARGS)
    else:
        emit(main(ARGS), ARGS.json)
