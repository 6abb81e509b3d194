"""Long recordings decoded in one run vs one run per core (faster-whisper on CPU): word error rate and speed.

Since issue 17's last step the CPU transcriber cuts a long recording's speech at the pause nearest its middle
and decodes both parts at once, one per core (`pipelines.transcriber.speech_groups`). This measures what that
costs in accuracy and gains in time, in one process, on the same loaded model: `workers = 1` is the baseline
(the former path), `workers = cores` the default. The recordings are the sample long file and six readings
of the help-centre articles (`sample_data/transcribe/generate_help_readings.py`, seeded, written to a temporary
folder): speech the transcriber was not tuned on. Each file runs in both modes, in alternating order.

Run alone on the machine: `.venv/bin/python benchmarks/transcribe_parallel.py [--beam 5] [--files 6]`
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from results import loads, table, write_section  # first: it notes the machine's load before the run

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT / "sample_data" / "transcribe"
sys.path.insert(0, str(SPEECH))

from generate_help_readings import write_readings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--files", type=int, default=6, help="help-centre readings to generate")
    args = parser.parse_args()

    from pipelines.transcriber import TranscribeOptions, load_transcriber, usable_cores
    from suite.transcribe.wer import corpus_wer, wer

    cores = usable_cores()
    transcriber = load_transcriber("faster-whisper", device="cpu")
    options = TranscribeOptions(beam_size=args.beam)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        references = write_readings(folder, count=args.files)
        files = {folder / name: text for name, text in references.items()}
        files[SPEECH / "long_meeting.ogg"] = json.loads((SPEECH / "references.json").read_text())["long_meeting.ogg"]
        transcriber.transcribe(SPEECH / "report_us.wav", options)  # warm
        print(f"load average before: {loads()}", flush=True)
        runs: dict[int, list[dict]] = {1: [], cores: []}
        for index, (path, reference) in enumerate(files.items()):
            order = [1, cores] if index % 2 == 0 else [cores, 1]
            for workers in order:
                transcriber.workers = workers
                cpu, wall = time.process_time(), time.perf_counter()
                result = transcriber.transcribe(path, options)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                runs[workers].append(
                    {"file": path.name, "audio_s": result.duration_s, "wall_s": wall, "cpu_s": cpu,
                     "wer": wer(reference, result.text), "pair": (reference, result.text)}
                )  # fmt: skip
                print(
                    f"{path.name} workers={workers}: wall {wall:.2f} s, WER {runs[workers][-1]['wer']:.3f}", flush=True
                )
        transcriber.workers = cores
    load_after = loads()
    print(f"load average after: {load_after}")
    summary = []
    for workers, rows in runs.items():
        audio = sum(r["audio_s"] for r in rows)
        summary.append(
            {
                "decoding": "one run (former path)" if workers == 1 else f"one run per core ({workers}, default)",
                "files": len(rows),
                "audio min": round(audio / 60, 1),
                "WER": round(corpus_wer([r["pair"] for r in rows]), 4),
                "WER long_meeting.ogg": round(rows[-1]["wer"], 4),
                "RTF (wall)": round(sum(r["wall_s"] for r in rows) / audio, 4),
                "CPU s per audio s": round(sum(r["cpu_s"] for r in rows) / audio, 4),
            }
        )
    speed_up = summary[0]["RTF (wall)"] / summary[1]["RTF (wall)"]
    per_file = [
        {"file": one["file"], "audio s": round(one["audio_s"], 1), "WER one run": round(one["wer"], 3),
         f"WER {cores} runs": round(many["wer"], 3), "wall s one run": round(one["wall_s"], 2),
         f"wall s {cores} runs": round(many["wall_s"], 2)}
        for one, many in zip(runs[1], runs[cores], strict=True)
    ]  # fmt: skip
    body = (
        f"faster-whisper tiny.en int8, beam {args.beam}, the served options; one process, the same model object, "
        f"each file in both modes in alternating order. Wall-clock speed-up {speed_up:.2f}x. Load average after "
        f"the run: {load_after} on {os.cpu_count()} cores.\n\n" + table(summary) + "\n\n" + table(per_file)
    )
    print(body)
    write_section("transcribe_parallel", "Speech: long recordings decoded one part per core (issue 17)", body)


if __name__ == "__main__":
    main()
