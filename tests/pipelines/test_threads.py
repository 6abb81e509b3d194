"""Loading the speech model leaves torch's thread count alone (pipelines.device.torch_threads_kept).

In a fresh process (a test process's torch state is shared by every test): torch set to one thread and read
once, the way a warm dashboard has it; before the fix CTranslate2's load turned it into the machine's core count.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_data" / "transcribe" / "northstar_slow.m4a"

SCRIPT = textwrap.dedent(
    f"""
    import pipelines, torch
    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1
    from pipelines.transcriber import load_transcriber
    transcriber = load_transcriber("faster-whisper", device="cpu")
    print("engine", transcriber.engine)
    print("after load", torch.get_num_threads())
    transcriber.transcribe({str(CLIP)!r})
    print("after transcribe", torch.get_num_threads())
    """
)


def test_loading_the_transcriber_keeps_torchs_thread_count():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines() if line.strip())
    assert lines["engine"] == "faster-whisper"  # the engine that moved the count, not the fallback
    assert lines["after load"] == "1" and lines["after transcribe"] == "1", result.stdout
