"""Speaker turns: the measure, the matching of turns to words and segments, the exports, and real senko."""

from __future__ import annotations

import json

import pytest

from pipelines import diarization
from pipelines.diarization import Turn, diarization_error, name_speakers, speaker_at
from pipelines.transcriber import Segment, Word, assign_speakers
from suite.transcribe.formats import to_srt, to_txt, to_vtt
from suite.transcribe.models import Segment as StoredSegment

TRUTH = [Turn("A", 0.5, 5.0), Turn("B", 6.0, 11.0), Turn("A", 12.0, 15.0)]


def test_diarization_error_ignores_label_names_and_counts_confusion():
    same = [Turn("Speaker 1", 0.5, 5.0), Turn("Speaker 2", 6.0, 11.0), Turn("Speaker 1", 12.0, 15.0)]
    assert diarization_error(TRUTH, same) == pytest.approx(0.0, abs=1e-6)
    one_speaker = [Turn("Speaker 1", 0.5, 15.0)]
    error = diarization_error(TRUTH, one_speaker)
    # scored (0.25 s collars off): 11 s of speech; B confused 4.5 s, the two gaps 0.5 s false alarm each
    assert error == pytest.approx(5.5 / 11, abs=0.01)
    assert diarization_error(TRUTH, []) == pytest.approx(1.0)


def test_speakers_named_in_order_of_first_appearance():
    turns = name_speakers(
        [{"start": 6.0, "end": 9.0, "speaker": "SPEAKER_00"}, {"start": 1.0, "end": 5.0, "speaker": "SPEAKER_07"}]
    )
    assert [(t.speaker, t.start) for t in turns] == [("Speaker 1", 1.0), ("Speaker 2", 6.0)]
    assert speaker_at(turns, 5.2, 5.4) == "Speaker 1"  # no overlap: the nearest turn


def test_a_segment_joining_two_turns_is_split_between_words():
    words = (Word(4.0, 4.4, "Thanks."), Word(4.5, 4.9, "bye."), Word(6.1, 6.5, "You're"), Word(6.5, 6.9, "welcome."))
    segment = Segment(4.0, 6.9, "Thanks. bye. You're welcome.", words=words)
    first, second = assign_speakers([segment], TRUTH)
    assert (first.speaker, first.text, first.end) == ("A", "Thanks. bye.", 4.9)
    assert (second.speaker, second.text, second.start) == ("B", "You're welcome.", 6.1)
    (whole,) = assign_speakers([Segment(6.5, 10.0, "no words")], TRUTH)
    assert whole.speaker == "B"


def test_subtitles_and_text_carry_the_speakers():
    segments = [StoredSegment(0.5, 2.0, "Hello.", "Speaker 1"), StoredSegment(2.5, 4.0, "Hi there.", "Speaker 2")]
    srt, vtt, txt = to_srt(segments), to_vtt(segments), to_txt(segments)
    assert "Speaker 1: Hello." in srt and "Speaker 2: Hi there." in srt
    assert "<v Speaker 1>Hello." in vtt and "<v Speaker 2>Hi there." in vtt
    assert txt == "Speaker 1: Hello.\nSpeaker 2: Hi there.\n"
    assert "Speaker" not in to_srt([StoredSegment(0.0, 1.0, "no labels")])


@pytest.fixture(scope="module")
def dialogue(speech_dir):
    return speech_dir / "dialogue_two_speakers.wav", json.loads((speech_dir / "dialogue_two_speakers.json").read_text())


@pytest.mark.slow  # senko's models load in ~15-45 s on a shared 2-core machine
@pytest.mark.skipif(not diarization.available(), reason="senko is not installed (make install builds it)")
def test_senko_finds_two_speakers_near_the_true_turns(dialogue):
    from pipelines.audio import load_pcm

    path, truth = dialogue
    turns = diarization.load_diarizer("cpu").diarize(load_pcm(path))
    assert {t.speaker for t in turns} == {"Speaker 1", "Speaker 2"}
    true_turns = [Turn(t["speaker"], t["start"], t["end"]) for t in truth["turns"]]
    assert diarization_error(true_turns, turns) < 0.15
    # every true change of speaker has a found change within 0.5 s
    changes = [b.start for a, b in zip(turns, turns[1:], strict=False) if a.speaker != b.speaker]
    for before, after in zip(true_turns, true_turns[1:], strict=False):
        assert min(abs(c - after.start) for c in changes) < 0.5 or min(abs(c - before.end) for c in changes) < 0.5


@pytest.mark.slow  # multilingual base + senko on a 37 s dialogue
@pytest.mark.skipif(not diarization.available(), reason="senko is not installed (make install builds it)")
def test_transcribed_dialogue_is_stored_and_exported_with_speakers(store, dialogue):
    from suite.transcribe.service import export, get_transcript, transcribe_file

    path, truth = dialogue
    transcript = transcribe_file(store, path, language="en", vocabulary=[])
    assert transcript.speakers == ["Speaker 1", "Speaker 2"]
    by_speaker = {s.speaker: s for s in transcript.segments}
    assert "camera" in " ".join(s.text for s in transcript.segments if s.speaker == by_speaker["Speaker 2"].speaker)
    again = get_transcript(store, transcript.transcript_id)
    assert [s.speaker for s in again.segments] == [s.speaker for s in transcript.segments]
    assert again.segments[0].words and again.segments[0].words == transcript.segments[0].words
    srt = export(again, "srt")
    assert "Speaker 1: Good morning" in srt and "Speaker 2:" in srt
    assert "<v Speaker 2>" in export(again, "vtt")
    assert json.loads(export(again, "json"))["segments"][0]["speaker"] == "Speaker 1"


def test_masked_text_never_survives_in_the_word_times():
    from pipelines.transcriber import Transcript as Decoded
    from suite.transcribe.service import _clean

    words = (Word(0.0, 0.3, "Mail"), Word(0.3, 0.5, "me"), Word(0.5, 0.9, "at"), Word(0.9, 1.8, "ann@example.com"))
    segments = [Segment(0.0, 1.8, "Mail me at ann@example.com", words=words)]
    decoded = Decoded("a.wav", segments, "en", 2.0, "", "", "", "")
    (segment,) = _clean(decoded, {}, True, names=False).segments
    assert "ann@example.com" not in segment.text
    assert all("ann@example.com" not in w.text for w in segment.words)
    assert [w.start for w in segment.words] in ([0.0, 0.3, 0.5, 0.9], [])


def test_recordings_over_an_hour_get_no_speaker_labels_and_say_so(speech_dir):
    from pipelines.transcriber import Transcript as Decoded
    from suite.transcribe.service import _label_speakers

    decoded = Decoded("long.wav", [Segment(0.0, 1.0, "hello")], "en", 3 * 3600.0, "", "", "", "")
    notice = _label_speakers(decoded, speech_dir / "report_us.wav", "cpu")
    assert "split longer" in notice and decoded.segments[0].speaker is None
