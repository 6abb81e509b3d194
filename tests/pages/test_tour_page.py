"""The Pilot tour page renders its six steps, and a step on an empty store says what to do instead of failing."""

from __future__ import annotations


def test_tour_page_shows_the_steps_and_waits_for_the_first_answer(app_page):
    at = app_page("pages/tour.py").run()
    assert not at.exception
    assert at.title[0].value == "Pilot tour"
    headings = [h.value for h in at.subheader]
    assert headings[:5] == ["1. Support answers", "2. Recommendations", "3. Defect inspection", "4. Transcription",
                            "5. Market risk alerts"]  # fmt: skip
    assert headings[5] == "6. The learning moment"
    assert any("Ask the support assistant first" in i.value for i in at.info)


def test_asking_before_the_demo_is_loaded_says_so(app_page):
    at = app_page("pages/tour.py").run()
    at.button(key="tour_support").click().run()
    assert not at.exception
    assert at.error, "an empty help center should be explained, not answered"
    assert "Send the correction" not in [b.label for b in at.button]  # no answer, so nothing to correct yet
