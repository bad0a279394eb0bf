"""Loudness normalisation (EBU R128), measured before the encode and checked on the delivered file.

Pass 1 measures the clip's audio (integrated loudness, true peak, range) with `ebur128`; the
encode then applies one static gain to reach the target, and a look-ahead limiter only when that
gain would push the true peak over the ceiling.

Why not loudnorm's own two passes: its `linear=true` second pass *is* a static gain, but when the
gain would exceed the true-peak target (a quiet, peaky voice brought up 16 dB) it silently falls
back to its dynamic mode, which pumps and misses the integrated target on short clips. A gain
plus a limiter on the few peaks keeps the voice's dynamics and meets both figures. The figures are
read from ebur128's per-frame metadata, printed to stdout (`ametadata`): the one subprocess helper
returns stdout, and the numbers need no log scraping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import RenderError

# Delivered true peak must stay at or under -1 dBTP (YouTube's and EBU R128's ceiling). The gain
# alone is trusted up to CEILING; above it the limiter holds sample peaks at LIMIT, which leaves
# room for the inter-sample peaks and the AAC encoder's overshoot.
MAX_TRUE_PEAK = -1.0
CEILING = -1.5
LIMIT = -2.5
LIMITER_ATTACK_MS, LIMITER_RELEASE_MS = 5, 60
MAX_GAIN = 30.0  # dB: past this a "quiet" clip is mostly noise; bring it up no further
CALIBRATION_ROUNDS = 4
CALIBRATION_TOLERANCE = 0.3  # LU
SILENCE_LUFS = -69.0  # ebur128 reports -70 when no block passes its gate
SAMPLE_RATE = 48000

_KEYS = {"lavfi.r128.I": "integrated", "lavfi.r128.LRA": "lra", "lavfi.r128.true_peak": "true_peak"}


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU
    # Set when the clip needs the limiter: the gain (dB, before the limiter) that was measured to
    # bring this clip to `target` through it (limiting the peaks lowers the loudness too).
    target: float | None = None
    gain: float | None = None


def measure(
    source: Path,
    start: float,
    duration: float,
    *,
    target: float | None,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
) -> Loudness | None:
    """The clip's audio loudness (pass 1, audio only); None when there is nothing to normalise:
    no target (audio left as it is, so no pass at all) or silence. When reaching `target` needs
    the limiter, a few more audio-only passes find the gain that reaches it through the limiter."""
    if target is None:
        return None
    seek = ["-ss", f"{start:.3f}", *ffmpeg.input_args(source), "-t", f"{duration:.3f}"]
    found = _ebur128(seek, cancel=cancel, timeout=timeout, what="Measuring the clip's loudness")
    if found is None or found.true_peak + (target - found.integrated) <= CEILING:
        return found
    gain = _calibrate(seek, found, target, cancel=cancel, timeout=timeout)
    return replace(found, target=target, gain=gain)


def audio_filter(target: float | None, measured: Loudness | None) -> str | None:
    """The encode's audio chain: the static gain to `target`, a limiter when the gain would put
    the true peak over CEILING, and a resample to 48 kHz. None leaves the audio untouched."""
    if target is None or measured is None:
        return None
    gain = min(target - measured.integrated, MAX_GAIN)
    if measured.gain is not None and measured.target == target:
        gain = measured.gain
    return ",".join(
        [*_gain_chain(gain, limit=measured.true_peak + gain > CEILING), f"aresample={SAMPLE_RATE}"]
    )


def _gain_chain(gain: float, *, limit: bool) -> list[str]:
    chain = [f"volume={gain:.2f}dB"]
    if limit:
        # The limiter holds *sample* peaks, so it runs at 4x 48 kHz where sample peaks are close
        # to true peaks (at a 22 kHz source rate a limit of -2.5 dBFS delivered -0.7 dBTP).
        # latency=true (delay compensation) lets the first attack window through unlimited in
        # ffmpeg 5.1 (measured: +0.2 dBTP at the start of a clip); the 5 ms delay is harmless.
        chain += [
            f"aresample={4 * SAMPLE_RATE}",
            f"alimiter=limit={10 ** (LIMIT / 20):.4f}:attack={LIMITER_ATTACK_MS}:release={LIMITER_RELEASE_MS}"
            ":level=false:latency=false",
        ]
    return chain


def _calibrate(
    seek: list[str], found: Loudness, target: float, *, cancel: CancelToken | None, timeout: float | None
) -> float:
    """The pre-limiter gain that lands the limited clip on `target` (secant steps on measured
    loudness; the limiter takes off more as the gain rises, so one step is not enough)."""
    tried: list[tuple[float, float]] = []  # (gain, loudness through the limiter)
    gain = min(target - found.integrated, MAX_GAIN)
    for _ in range(CALIBRATION_ROUNDS):
        chain = ",".join(_gain_chain(gain, limit=True))
        got = _ebur128(
            seek, pre=chain, peak=False, cancel=cancel, timeout=timeout, what="Measuring the limiter"
        )
        if got is None:
            break
        tried.append((gain, got.integrated))
        if abs(target - got.integrated) <= CALIBRATION_TOLERANCE:
            break
        if len(tried) >= 2 and abs(tried[-1][1] - tried[-2][1]) > 0.05:
            (g0, i0), (g1, i1) = tried[-2], tried[-1]
            step = (target - i1) * (g1 - g0) / (i1 - i0)
        else:
            step = target - got.integrated
        gain = min(gain + max(min(step, 6.0), -6.0), MAX_GAIN)
    return min(tried, key=lambda gi: abs(target - gi[1]))[0] if tried else gain


def measure_output(
    path: Path, *, cancel: CancelToken | None = None, timeout: float | None = None
) -> tuple[float, float]:
    """Integrated LUFS and true peak (dBTP) of a delivered file's audio."""
    found = _ebur128(ffmpeg.input_args(path), cancel=cancel, timeout=timeout, what="Measuring loudness")
    if found is None:
        return (-math.inf, -math.inf)
    return (found.integrated, found.true_peak)


def _ebur128(
    inputs: list[str],
    *,
    pre: str | None = None,
    peak: bool = True,
    cancel: CancelToken | None,
    timeout: float | None,
    what: str,
) -> Loudness | None:
    meter = "ebur128=metadata=1" + (":peak=true" if peak else "")
    chain = ",".join(f for f in (pre, meter, "ametadata=mode=print:file=-") if f)
    args = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        *inputs,
        "-vn",
        "-sn",
        "-map",
        "0:a:0",
        "-af",
        chain,
        "-f",
        "null",
        "-",
    ]
    out = ffmpeg.run(args, cancel=cancel, timeout=timeout, error_cls=RenderError, what=what)
    return parse_metadata(out.decode("utf-8", "replace"))


def parse_metadata(text: str) -> Loudness | None:
    """The last frame's running figures (integrated loudness and the true peak so far are the
    whole input's by then); None for silence or when nothing was printed."""
    last: dict[str, float] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key in _KEYS:
            try:
                last[_KEYS[key]] = float(value)
            except ValueError:
                continue
    if (
        "integrated" not in last
        or not math.isfinite(last["integrated"])
        or last["integrated"] <= SILENCE_LUFS
    ):
        return None
    peak = last.get("true_peak", 0.0)
    return Loudness(
        integrated=last["integrated"],
        true_peak=20 * math.log10(peak) if peak > 0 else -math.inf,
        lra=last.get("lra", 0.0),
    )
