"""Reusable generators of test media (plain functions, cached per process in a temp dir).

- `talk()`: an espeak-ng multi-section talk (~85 s) with one strong "viral" section, a VTT with
  TRUE timings (each sentence synthesized separately, measured, concatenated), and a 320x180
  testsrc2 video muxed with it.
- `tiny_whisper_model()`: a random-weight CTranslate2 Whisper model (numpy + tokenizers +
  ctranslate2, no torch) that faster-whisper can load offline.
- `serve_directory()`: a local HTTP server (e.g. a page with <video> + <track> for yt-dlp).
- `OpenAIMock`: a local OpenAI-compatible /v1/chat/completions server with scripted modes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 22050
GAP = 0.35  # silence between sentences
SECTION_GAP = 0.9

BLAND = dict(speed=150, amplitude=45)
VIRAL = dict(speed=185, amplitude=190)

SECTIONS: list[tuple[str, dict[str, int], list[str]]] = [
    (
        "intro",
        BLAND,
        [
            "Welcome to this talk about the garden committee.",
            "Today we look at the schedule for the spring season.",
            "The meeting room is on the ground floor of the library.",
            "Members bring their own tools and gloves.",
            "The committee meets on the first Monday of each month.",
        ],
    ),
    (
        "middle",
        BLAND,
        [
            "The tomato beds are near the east fence.",
            "Watering happens in the early morning when it is cool.",
            "The compost pile is turned once a week.",
            "Seeds are stored in a dry cabinet in the shed.",
            "Volunteers write their names on the board by the door.",
        ],
    ),
    (
        "viral",
        VIRAL,
        [
            "Nobody tells you this secret, but the biggest mistake is working harder!",
            "I lost forty thousand dollars in three weeks!",
            "Can you believe it?",
            "You need to stop doing this right now!",
            "The truth is, most people never notice it!",
            "This changed my life, and it will change yours!",
        ],
    ),
    (
        "outro",
        BLAND,
        [
            "The shed is locked at sunset by the last member.",
            "Rain barrels collect water from the roof.",
            "The path is covered with wood chips in autumn.",
            "Thank you for listening to the schedule.",
        ],
    ),
]


@dataclass(frozen=True)
class Talk:
    wav: Path
    video: Path
    vtt: Path
    srt: Path
    duration: float
    cues: list[tuple[float, float, str]]
    viral: tuple[float, float]  # (start, end) of the viral section
    width: int = 320
    height: int = 180
    # (first, last) audible sample of each sentence: the cues also hold espeak's own lead-in/out.
    speech: tuple[tuple[float, float], ...] = ()


_ROOT: list[Path] = []
_LOCK = threading.Lock()


def cache_dir() -> Path:
    """One temp folder per process for all generated media (removed at interpreter exit)."""
    with _LOCK:
        if not _ROOT:
            import atexit

            root = Path(tempfile.mkdtemp(prefix="vc-media-"))
            atexit.register(shutil.rmtree, root, True)
            _ROOT.append(root)
        return _ROOT[0]


def _espeak(text: str, out: Path, speed: int, amplitude: int) -> np.ndarray:
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", str(speed), "-a", str(amplitude), "-w", str(out), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(out), "rb") as w:
        assert w.getframerate() == SAMPLE_RATE and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def _fmt(seconds: float, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


@functools.cache
def talk() -> Talk:
    """The test talk (generated once per process)."""
    root = cache_dir() / "talk"
    root.mkdir(exist_ok=True)
    pieces: list[np.ndarray] = [np.zeros(int(0.5 * SAMPLE_RATE), dtype="<i2")]
    cues: list[tuple[float, float, str]] = []
    speech: list[tuple[float, float]] = []
    t = 0.5
    viral = (0.0, 0.0)
    for name, voice, sentences in SECTIONS:
        section_start = t
        for i, sentence in enumerate(sentences):
            samples = _espeak(sentence, root / f"s{len(cues)}.wav", voice["speed"], voice["amplitude"])
            duration = len(samples) / SAMPLE_RATE
            cues.append((round(t, 3), round(t + duration, 3), sentence))
            first, last = audible_extent(samples)
            speech.append((round(t + first, 3), round(t + last, 3)))
            gap = SECTION_GAP if i == len(sentences) - 1 else GAP
            pieces += [samples, np.zeros(int(gap * SAMPLE_RATE), dtype="<i2")]
            t += duration + int(gap * SAMPLE_RATE) / SAMPLE_RATE
        if name == "viral":
            viral = (section_start, cues[-1][1])
    wav = root / "talk.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.concatenate(pieces).tobytes())
    duration = sum(len(p) for p in pieces) / SAMPLE_RATE
    vtt, srt = root / "talk.vtt", root / "talk.srt"
    vtt.write_text("WEBVTT\n\n" + "\n".join(f"{_fmt(s)} --> {_fmt(e)}\n{x}\n" for s, e, x in cues))
    srt.write_text(
        "\n".join(f"{i}\n{_fmt(s, ',')} --> {_fmt(e, ',')}\n{x}\n" for i, (s, e, x) in enumerate(cues, 1))
    )
    video = root / "talk.mp4"
    make_video(wav, video, duration)
    return Talk(wav, video, vtt, srt, duration, cues, viral, speech=tuple(speech))


AUDIBLE = 300  # |sample| above this (about -40 dBFS) is sound, below it espeak's silence


def audible_extent(samples: np.ndarray) -> tuple[float, float]:
    """Seconds from the start of `samples` to its first and last audible sample."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > AUDIBLE)
    if not loud.size:
        return (0.0, 0.0)
    return (float(loud[0]) / SAMPLE_RATE, float(loud[-1] + 1) / SAMPLE_RATE)


def shifted_captions(talk_: Talk, offset: float, out: Path) -> Path:
    """The talk's VTT with every cue moved by `offset` seconds (caption files are often off)."""
    cues = [(max(0.0, s + offset), max(0.0, e + offset), x) for s, e, x in talk_.cues]
    out.write_text("WEBVTT\n\n" + "\n".join(f"{_fmt(s)} --> {_fmt(e)}\n{x}\n" for s, e, x in cues))
    return out


@dataclass(frozen=True)
class WordTalk:
    """Speech built word by word, so each word's true start is known; one caption cue per sentence."""

    video: Path
    srt: Path
    duration: float
    words: list[tuple[float, float, str]]  # true audible (start, end, word)


WORD_SENTENCES = [
    "The garden committee meets every Monday morning.",
    "Bring your gloves and a small shovel.",
    "The tomatoes need water before the sun gets hot.",
    "Nobody likes weeding, but it matters.",
    "Thank you all for coming today.",
]


@functools.cache
def word_talk() -> WordTalk:
    """Each word synthesized alone and concatenated with short pauses (generated once per process)."""
    root = cache_dir() / "words"
    root.mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    pieces: list[np.ndarray] = [np.zeros(int(0.4 * SAMPLE_RATE), dtype="<i2")]
    t = 0.4
    words: list[tuple[float, float, str]] = []
    cues: list[tuple[float, float, str]] = []
    for sentence in WORD_SENTENCES:
        cue_start = t
        for k, token in enumerate(sentence.split()):
            samples = _espeak(token.strip(".,"), root / f"w{len(words)}.wav", 165, 100)
            first, last = audible_extent(samples)
            samples = samples[int(first * SAMPLE_RATE) : int(last * SAMPLE_RATE)]  # no espeak lead-in
            words.append((round(t, 3), round(t + len(samples) / SAMPLE_RATE, 3), token))
            gap = float(rng.uniform(0.05, 0.2)) if k < len(sentence.split()) - 1 else 0.6
            pieces += [samples, np.zeros(int(gap * SAMPLE_RATE), dtype="<i2")]
            t += (len(samples) + int(gap * SAMPLE_RATE)) / SAMPLE_RATE
        cues.append((round(cue_start, 3), words[-1][1], sentence))
    wav = root / "words.wav"
    _write_wav(wav, np.concatenate(pieces))
    duration = sum(len(p) for p in pieces) / SAMPLE_RATE
    srt = root / "words.srt"
    srt.write_text(
        "\n".join(f"{i}\n{_fmt(s, ',')} --> {_fmt(e, ',')}\n{x}\n" for i, (s, e, x) in enumerate(cues, 1))
    )
    video = root / "words.mp4"
    make_video(wav, video, duration)
    return WordTalk(video, srt, duration, words)


GERMAN = [
    "Guten Tag, meine Damen und Herren.",
    "Heute sprechen wir über den Garten und die Pflanzen im Frühling.",
    "Der Ausschuss trifft sich jeden ersten Montag im Monat in der Bibliothek.",
    "Bitte bringen Sie Ihre eigenen Handschuhe und Werkzeuge mit.",
]


@functools.cache
def german_speech() -> Path:
    """A short German espeak-ng recording (WAV), for language checks."""
    root = cache_dir() / "german"
    root.mkdir(exist_ok=True)
    out = root / "german.wav"
    subprocess.run(
        ["espeak-ng", "-v", "de", "-w", str(out), " ".join(GERMAN)], check=True, capture_output=True
    )
    return out


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(samples.tobytes())


def make_video(audio: Path, out: Path, duration: float, size: str = "320x180", fps: int = 25) -> None:
    """testsrc2 (colourful, never black) muxed with `audio`, H.264/AAC MP4."""
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate={fps}:duration={duration:.3f}",
            "-i",
            str(audio),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            str(fps * 2),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-shortest",
            str(out),
        ],
        check=True,
    )


# --- tiny random-weight Whisper model ---------------------------------------------------------

SPECIALS_BEFORE_LANG = ["<|endoftext|>", "<|startoftranscript|>"]
SPECIALS_AFTER_LANG = [
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
]


def _byte_tokens() -> list[str]:
    """GPT-2's byte → printable-unicode map: the 256 base tokens of Whisper's byte-level BPE."""
    bs = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), 256))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    mapping = dict(zip(bs, cs, strict=True))
    return [chr(mapping[b]) for b in range(256)]


@functools.cache
def tiny_whisper_model(d_model: int = 64, layers: int = 2, heads: int = 2, seed: int = 0) -> Path:
    """A random CTranslate2 Whisper model dir (+ tokenizer.json) for structural tests, offline."""
    from ctranslate2.specs import whisper_spec
    from faster_whisper.tokenizer import _LANGUAGE_CODES
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    out = cache_dir() / f"whisper-tiny-random-{d_model}-{layers}-{seed}"
    if (out / "model.bin").is_file():
        return out
    rng = np.random.default_rng(seed)
    base = _byte_tokens()
    # ctranslate2 4.8 treats a Whisper model as multilingual only if its vocabulary holds "".
    langs = [f"<|{code}|>" for code in _LANGUAGE_CODES]
    specials = SPECIALS_BEFORE_LANG + langs + SPECIALS_AFTER_LANG
    timestamps = [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    ct2_vocab = [*base, "", *specials, *timestamps]
    vocab_size = len(ct2_vocab)

    def rand(*shape: int, scale: float = 0.05) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def linear(spec: Any, out_dim: int, in_dim: int) -> None:
        spec.weight, spec.bias = rand(out_dim, in_dim), np.zeros(out_dim, np.float32)

    def norm(spec: Any) -> None:
        spec.gamma, spec.beta = np.ones(d_model, np.float32), np.zeros(d_model, np.float32)

    def ffn(spec: Any) -> None:
        linear(spec.linear_0, 4 * d_model, d_model)
        linear(spec.linear_1, d_model, 4 * d_model)
        norm(spec.layer_norm)

    spec = whisper_spec.WhisperSpec(layers, heads, layers, heads)
    enc = spec.encoder
    enc.conv1.weight, enc.conv1.bias = rand(d_model, 80, 3), np.zeros(d_model, np.float32)
    enc.conv2.weight, enc.conv2.bias = rand(d_model, d_model, 3), np.zeros(d_model, np.float32)
    enc.position_encodings.encodings = rand(1500, d_model)
    norm(enc.layer_norm)
    for layer in enc.layer:
        linear(layer.self_attention.linear[0], 3 * d_model, d_model)
        linear(layer.self_attention.linear[1], d_model, d_model)
        norm(layer.self_attention.layer_norm)
        ffn(layer.ffn)
    dec = spec.decoder
    dec.embeddings.weight = rand(vocab_size, d_model)
    dec.position_encodings.encodings = rand(448, d_model)
    norm(dec.layer_norm)
    for layer in dec.layer:
        linear(layer.self_attention.linear[0], 3 * d_model, d_model)
        linear(layer.self_attention.linear[1], d_model, d_model)
        norm(layer.self_attention.layer_norm)
        linear(layer.attention.linear[0], d_model, d_model)
        linear(layer.attention.linear[1], 2 * d_model, d_model)
        linear(layer.attention.linear[2], d_model, d_model)
        norm(layer.attention.layer_norm)
        ffn(layer.ffn)
    dec.projection.weight = dec.embeddings.weight
    lang_start = len(base) + 1 + len(SPECIALS_BEFORE_LANG)
    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = [len(base) + 1]  # "" never starts a segment
    spec.config.lang_ids = list(range(lang_start, lang_start + len(langs)))
    spec.config.alignment_heads = [(layers - 1, h) for h in range(heads)]
    spec.register_vocabulary(ct2_vocab)
    spec.validate()
    spec.optimize(quantization=None)
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))

    tok_vocab = {tok: i for i, tok in enumerate(base)}
    tok_vocab["<|pad-empty|>"] = len(base)  # the "" slot of the CTranslate2 vocabulary
    tokenizer = Tokenizer(models.BPE(vocab=tok_vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([*specials, *timestamps])
    tokenizer.save(str(out / "tokenizer.json"))
    return out


# --- local HTTP servers -----------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1:<free port>; yields the base URL 'http://127.0.0.1:PORT'."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def video_page(directory: Path, video: Path, vtt: Path, title: str = "Garden talk") -> Path:
    """index.html with <video> + <track> (what yt-dlp's generic extractor reads)."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(video, directory / "talk.mp4")
    shutil.copyfile(vtt, directory / "talk.en.vtt")
    page = directory / "index.html"
    page.write_text(
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        '<video controls width="320"><source src="talk.mp4" type="video/mp4">'
        '<track kind="subtitles" src="talk.en.vtt" srclang="en" label="English"></video>'
        "</body></html>"
    )
    return page


LINE = re.compile(r"^\[(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\] (.*)$", re.M)


@dataclass
class OpenAIMock:
    """Scripted /v1/chat/completions. Each request pops the next mode (last one repeats).

    Modes: valid, malformed, out_of_range, string_times, invented_quote, duplicates, 429,
    hang, reject_schema, empty. Answers are derived from the transcript lines of the request
    (chunk-local times), aiming at the line mentioning `target`.
    """

    modes: list[str] = field(default_factory=lambda: ["valid"])
    target: str = "Nobody tells you"
    hang_seconds: float = 30.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._queue = deque(self.modes)
        self._server: ThreadingHTTPServer | None = None

    def next_mode(self) -> str:
        return self._queue.popleft() if len(self._queue) > 1 else self._queue[0]

    def answer(self, body: dict[str, Any], mode: str) -> tuple[int, dict[str, Any] | str]:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        lines = [(float(a), float(b), text) for a, b, text in LINE.findall(user)]
        clips = self._clips(lines, mode)
        if mode == "reject_schema" and body.get("response_format", {}).get("type") == "json_schema":
            return 400, {
                "error": {"message": "response_format json_schema is not supported", "type": "invalid"}
            }
        content = json.dumps({"clips": clips})
        if mode == "malformed":
            content = '```json\n{"clips": [{"start_time": 1, "end_time": oops'
        elif mode == "prose":
            content = f"Here are the clips you asked for:\n```json\n{content}\n```\nHope this helps!"
        return 200, _completion(content, body.get("model", "mock"))

    def _clips(self, lines: list[tuple[float, float, str]], mode: str) -> list[dict[str, Any]]:
        hits = [i for i, line in enumerate(lines) if self.target.lower() in line[2].lower()]
        if not hits or mode == "empty":
            return []
        i = hits[0]
        start, end = lines[i][0], lines[min(i + 4, len(lines) - 1)][1]
        clip: dict[str, Any] = {
            "start_time": start,
            "end_time": end,
            "score": 0.92,
            "title": "The secret nobody tells you " * 6,
            "description": "A strong hook.",
            "reasoning": "Bold claim and numbers.",
            "key_quote": lines[i][2][:40],
            "criteria_matched": ["viral_hooks"],
            "tags": ["money"],
        }
        if mode == "out_of_range":
            clip["start_time"], clip["end_time"] = start - 500, end + 5000
        elif mode == "string_times":
            clip["start_time"], clip["end_time"], clip["score"] = _mmss(start), _mmss(end), 92
        elif mode == "invented_quote":
            clip["key_quote"] = "Buy my course today and get rich overnight"
        elif mode == "duplicates":
            near = dict(clip, start_time=start + 0.4, end_time=end + 0.3, score=0.7, title="Near duplicate")
            return [clip, near]
        return [clip]

    @contextmanager
    def running(self) -> Iterator[OpenAIMock]:
        mock = self

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                mode = mock.next_mode()
                mock.requests.append({"mode": mode, "body": body})
                if mode == "hang":
                    time.sleep(mock.hang_seconds)
                    return
                if mode == "429":
                    return self._send(
                        429,
                        {"error": {"message": "Rate limit", "type": "rate_limit"}},
                        {"retry-after-ms": "50"},
                    )
                status, payload = mock.answer(body, mode)
                self._send(status, payload)

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client timed out
                    self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
