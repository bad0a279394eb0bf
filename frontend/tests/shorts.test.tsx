import { act, render, renderHook, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Server as SocketServer } from "socket.io";
import { describe, expect, it, vi } from "vitest";
import { ClipPlayer, playerBox } from "@/components/clips/clip-player";
import { RenderPanel } from "@/components/clips/render-panel";
import { ShotTimeline } from "@/components/clips/shot-timeline";
import { TrimBar } from "@/components/clips/trim-bar";
import { useClipLive } from "@/hooks/use-clip-live";
import { ApiError, createApiClient, type Clip } from "@/lib/api";
import { draftFromOptions, OFF, optionsFromDraft } from "@/lib/options";
import { createLiveSocket } from "@/lib/socket";
import {
  clipAspect,
  formatLufs,
  layoutShare,
  moveTrim,
  RENDER_FIELDS,
  renderDraftFromClip,
  renderPayload,
  shotSegments,
  snapPoints,
  snapTime,
  stepPoint,
  trimProblem,
  trimWindow,
  versionedVideoUrl,
} from "@/lib/shorts";
import { makeClip, sendJson, startServer } from "./helpers/server";

const RENDER_OPTIONS = { format: "vertical", resolution: "1080p", layout: "auto", caption_style: "highlight", hook_title: true, loudness_target: -14 } as const;

/** A vertical Short of source 10–40 s with three shots. */
function shortClip(overrides: Record<string, unknown> = {}): Clip {
  return makeClip({
    width: 1080,
    height: 1920,
    format: "vertical",
    layout: "mixed",
    caption_style: "highlight",
    loudness: -14.12,
    render_status: "ready",
    render_error: null,
    shots: [
      { start: 12, end: 30, layout: "split" },
      { start: 0, end: 12, layout: "crop" },
      { start: 30, end: 31, layout: "fit" },
    ],
    render_options: RENDER_OPTIONS,
    ...overrides,
  }) as unknown as Clip;
}

// Transcript segments of the source: boundaries at 0, 4, 10, 18, 25, 33, 40, 47, 55.
const SEGMENTS = [0, 4, 10, 18, 25, 33, 40, 47].map((start, i, all) => ({ start, end: all[i + 1] ?? 55 }));

describe("shot timeline", () => {
  it("orders the shots and places each by its share of the clip", () => {
    const segs = shotSegments(shortClip().shots ?? [], 30);
    expect(segs.map((s) => [s.layout, s.left, Math.round(s.width * 100) / 100])).toEqual([
      ["crop", 0, 40],
      ["split", 40, 60],
    ]);
    // The fit shot starts at the clip's end and is clamped to nothing, so it is dropped.
    expect(shotSegments([{ start: -2, end: 50, layout: "fit" }], 20)).toEqual([{ start: 0, end: 20, layout: "fit", left: 0, width: 100 }]);
    expect(shotSegments([], 30)).toEqual([]);
    expect(layoutShare(segs)).toEqual({ crop: 12, split: 18 });
  });

  it("draws one labelled segment per shot", () => {
    render(<ShotTimeline clip={shortClip({ duration: 31 })} />);
    const segments = screen.getAllByTestId("shot-segment");
    expect(segments.map((s) => s.dataset.layout)).toEqual(["crop", "split", "fit"]);
    expect(segments[0]).toHaveTextContent("crop");
    expect(segments[1]).toHaveStyle({ left: `${(12 / 31) * 100}%`, width: `${(18 / 31) * 100}%` });
    expect(screen.getByText(/3 shots · crop 12 s, split 18 s, fit 1 s/)).toBeInTheDocument();
  });
});

describe("trim snapping", () => {
  const points = snapPoints(SEGMENTS, 50);

  it("collects the transcript boundaries inside the source", () => {
    expect(points).toEqual([0, 4, 10, 18, 25, 33, 40, 47]);
    expect(snapTime(21, points)).toBe(18);
    expect(snapTime(22, points)).toBe(25);
    expect(stepPoint(40, points, -1)).toBe(33);
    expect(stepPoint(40, points, 1)).toBe(47);
    expect(stepPoint(47, points, 1)).toBe(47);
  });

  it("moves one end to the nearest boundary and never past the other end", () => {
    const range = { start: 10, end: 40 };
    expect(moveTrim(range, "start", 16, points)).toEqual({ start: 18, end: 40 });
    expect(moveTrim(range, "end", 30, points)).toEqual({ start: 10, end: 33 });
    expect(moveTrim(range, "start", 45, points)).toEqual({ start: 33, end: 40 });
    expect(moveTrim(range, "end", 2, points)).toEqual({ start: 10, end: 18 });
  });

  it("shows the clip with as much again around it and refuses over-long Shorts", () => {
    expect(trimWindow(10, 40, 50)).toEqual({ from: 0, to: 50 });
    expect(trimWindow(100, 110, 600)).toEqual({ from: 90, to: 120 });
    expect(trimProblem({ start: 0, end: 181 }, "vertical")).toMatch(/at most 180 seconds/);
    expect(trimProblem({ start: 0, end: 181 }, "original")).toBeNull();
    expect(trimProblem({ start: 5, end: 5 }, "vertical")).toMatch(/after the start/);
  });

  it("steps handles from boundary to boundary with the keyboard", async () => {
    const onChange = vi.fn();
    render(<TrimBar value={{ start: 10, end: 40 }} original={{ start: 10, end: 40 }} points={points} sourceDuration={50} onChange={onChange} />);
    expect(screen.getAllByTestId("trim-snap")).toHaveLength(8);
    const end = screen.getByRole("slider", { name: "Clip end" });
    expect(end).toHaveAttribute("aria-valuetext", "0:40.0 in the source");
    end.focus();
    await userEvent.keyboard("{ArrowLeft}");
    expect(onChange).toHaveBeenLastCalledWith({ start: 10, end: 33 });
    screen.getByRole("slider", { name: "Clip start" }).focus();
    await userEvent.keyboard("{Home}");
    expect(onChange).toHaveBeenLastCalledWith({ start: 0, end: 40 });
  });
});

describe("re-render request", () => {
  it("takes its render keys from the backend's marked options", () => {
    // CONTRACTS §9's options are among the generated metadata's marked ones, and a change to each
    // of them is sent.
    expect(RENDER_FIELDS).toEqual(expect.arrayContaining(Object.keys(RENDER_OPTIONS)));
    const clip = shortClip();
    const changed = { ...renderDraftFromClip(clip), format: "square", resolution: "720p", layout: "split", caption_style: "clean", hook_title: false, loudness_target: -16 } as const;
    expect(Object.keys(renderPayload(clip, changed)).sort()).toEqual(Object.keys(RENDER_OPTIONS).sort());
  });

  it("fills every render option of a clip rendered before Shorts", () => {
    const draft = renderDraftFromClip(shortClip({ render_options: null, format: "original", caption_style: "none" }));
    for (const field of RENDER_FIELDS) expect(draft[field]).not.toBeUndefined();
    expect(draft).toMatchObject({ format: "original", resolution: "original", hook_title: false, loudness_target: null });
  });

  it("sends only what changed", () => {
    const clip = shortClip();
    const draft = renderDraftFromClip(clip);
    expect(renderPayload(clip, draft)).toEqual({});
    expect(renderPayload(clip, { ...draft, end_time: 33, layout: "fit", loudness_target: null })).toEqual({ end_time: 33, layout: "fit", loudness_target: null });
  });

  it("trims, changes layout and captions, and posts the render", async () => {
    const clip = shortClip();
    const rendering = shortClip({ render_status: "rendering" });
    const renderFn = vi.fn().mockResolvedValue(rendering);
    const onRendering = vi.fn();
    render(<RenderPanel clip={clip} onRendering={onRendering} render={renderFn} source={{ duration: 50, segments: SEGMENTS }} />);
    expect(screen.getByRole("button", { name: "Re-render" })).toBeDisabled();
    screen.getByRole("slider", { name: "Clip end" }).focus();
    await userEvent.keyboard("{ArrowLeft}");
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "fit");
    await userEvent.selectOptions(screen.getByLabelText("Caption style"), "bold");
    await userEvent.click(screen.getByLabelText("Title over the first seconds"));
    expect(screen.getByTestId("trim-readout")).toHaveTextContent("0:10.0 – 0:33.0 · 23.0 s");
    await userEvent.click(screen.getByRole("button", { name: "Re-render" }));
    expect(renderFn).toHaveBeenCalledWith(clip.id, { end_time: 33, layout: "fit", caption_style: "bold", hook_title: false });
    expect(onRendering).toHaveBeenCalledWith(rendering);
  });

  it("shows the server's refusal and a failed render's message", async () => {
    const renderFn = vi.fn().mockRejectedValue(new ApiError(409, "conflict", "The clip is already rendering."));
    render(
      <RenderPanel clip={shortClip({ render_status: "failed", render_error: "ffmpeg exited with 1" })} onRendering={vi.fn()} render={renderFn} source={{ duration: 50, segments: SEGMENTS }} />,
    );
    expect(screen.getByTestId("render-error")).toHaveTextContent("The last render failed: ffmpeg exited with 1");
    await userEvent.selectOptions(screen.getByLabelText("Format"), "original");
    expect(screen.getByLabelText("Resolution")).toHaveValue("original");
    await userEvent.click(screen.getByRole("button", { name: "Re-render" }));
    expect(await screen.findByText("The clip is already rendering.")).toBeInTheDocument();
    expect(renderFn).toHaveBeenCalledWith("clip-1", { format: "original", resolution: "original" });
  });

  it("disables the form while the clip renders", () => {
    render(<RenderPanel clip={shortClip({ render_status: "rendering" })} onRendering={vi.fn()} source={{ duration: 50, segments: SEGMENTS }} />);
    expect(screen.getByTestId("render-status")).toHaveTextContent("Rendering…");
    expect(screen.getByRole("button", { name: "Re-render" })).toBeDisabled();
    expect(screen.getByRole("slider", { name: "Clip start" })).toHaveAttribute("aria-disabled", "true");
  });
});

describe("player", () => {
  it("keeps a vertical Short at 9:16, a fixed height in cards and taller in the editor", () => {
    const clip = shortClip();
    expect(clipAspect(clip)).toBeCloseTo(0.5625);
    expect(clipAspect({ width: null, height: null, format: "square" })).toBe(1);
    expect(playerBox(9 / 16, "card")).toMatchObject({ height: "24rem", aspectRatio: "0.5625" });
    expect(playerBox(16 / 9, "card")).toMatchObject({ width: "100%" });
    render(<ClipPlayer clip={clip} size="editor" />);
    const video = screen.getByTestId("clip-video");
    expect(video.style.aspectRatio).toMatch(/^0\.5625( \/ 1)?$/);
    expect(playerBox(9 / 16, "editor").height).toBe("min(36rem, 75vh)");
    expect(video.getAttribute("src")).toMatch(/^\/api\/v1\/clips\/clip-1\/video#v=[0-9a-z]+$/);
    expect(formatLufs(clip.loudness)).toBe("-14.1 LUFS");
    expect(formatLufs(null)).toBe("–");
  });

  it("asks for a new file after a re-render changes the clip", () => {
    const before = versionedVideoUrl("/v", shortClip());
    expect(versionedVideoUrl("/v", shortClip())).toBe(before);
    expect(versionedVideoUrl("/v", shortClip({ end_time: 33 }))).not.toBe(before);
    expect(versionedVideoUrl("/v", shortClip({ render_options: { ...RENDER_OPTIONS, layout: "fit" } }))).not.toBe(before);
    expect(versionedVideoUrl("/v?x=1", shortClip())).toMatch(/^\/v\?x=1#v=[0-9a-z]+$/);
  });
});

describe("Shorts job options", () => {
  it("sends loudness off as null and checks resolution against format", () => {
    const draft = draftFromOptions({ loudness_target: null, format: "vertical" });
    expect(draft.loudness_target).toBe(OFF);
    expect(draft.layout).toBe("auto");
    expect(draft.hook_title).toBe(true);
    expect(optionsFromDraft(draft).options).toMatchObject({ loudness_target: null, format: "vertical", caption_style: "highlight", hook_title: true });
    expect(optionsFromDraft({ ...draft, loudness_target: "-16" }).options.loudness_target).toBe(-16);
    expect(optionsFromDraft({ ...draft, loudness_target: "3" }).errors.loudness_target).toMatch(/Between/);
    expect(optionsFromDraft({ ...draft, resolution: "original" }).errors.resolution).toMatch(/only for the original format/);
    expect(optionsFromDraft({ ...draft, format: "original", resolution: "original" }).errors).toEqual({});
    // Resolution left unset: the server picks it for the format.
    expect(draft.resolution).toBe("");
    expect(optionsFromDraft(draft).options).not.toHaveProperty("resolution");
  });
});

describe("useClipLive", () => {
  it("takes the finished clip from clip_updated and ignores other clips", async () => {
    const srv = await startServer((_req, res) => sendJson(res, 200, shortClip({ render_status: "rendering" })));
    const io = new SocketServer(srv.server, { path: "/socket.io" });
    const socket = createLiveSocket(srv.url);
    try {
      const onChange = vi.fn();
      const api = createApiClient({ baseUrl: srv.url, readCookie: () => undefined });
      const { result } = renderHook(() => useClipLive({ id: "clip-1", render_status: "rendering" }, onChange, { socket, api }));
      await waitFor(() => expect(result.current).toBe("live"));
      // The catch-up on connect fetches the clip while it renders.
      await waitFor(() => expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ render_status: "rendering" })));
      act(() => {
        io.emit("clip_updated", shortClip({ id: "other", render_status: "ready" }));
        io.emit("clip_updated", shortClip({ render_status: "ready", end_time: 33 }));
      });
      await waitFor(() => expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: "clip-1", render_status: "ready", end_time: 33 })));
      expect(onChange.mock.calls.some(([c]) => (c as Clip).id === "other")).toBe(false);
    } finally {
      socket.disconnect();
      io.close();
      await srv.close();
    }
  });
});

