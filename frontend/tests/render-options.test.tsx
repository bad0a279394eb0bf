/**
 * A render option added on the backend reaches the dashboard by regenerating lib/api-meta.ts:
 * here the generated metadata gains a made-up boolean render option, `watermark`, and the
 * re-render form and request carry it with no dashboard code naming it.
 */
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { RenderPanel } from "@/components/clips/render-panel";
import type { Clip } from "@/lib/api";
import { RENDER_FIELDS, renderDraftFromClip, renderPayload } from "@/lib/shorts";
import { makeClip } from "./helpers/server";

vi.mock("@/lib/api-meta", async (importOriginal) => {
  const generated = await importOriginal<typeof import("@/lib/api-meta")>();
  const watermark = { type: "boolean", title: "Watermark", description: "a logo in the corner", default: true, render: true };
  return { ...generated, JOB_OPTION_FIELDS: { ...generated.JOB_OPTION_FIELDS, watermark } };
});

const OPTIONS = { format: "vertical", resolution: "1080p", layout: "auto", caption_style: "highlight", hook_title: true, loudness_target: -14 };

function clipWith(renderOptions: Record<string, unknown> | null): Clip {
  return makeClip({ format: "vertical", caption_style: "highlight", render_status: "ready", render_options: renderOptions }) as unknown as Clip;
}

describe("a new render option", () => {
  it("is a render key, a re-render field and a default for older clips", () => {
    expect(RENDER_FIELDS).toContain("watermark");
    const clip = clipWith({ ...OPTIONS, watermark: true });
    const draft = renderDraftFromClip(clip) as ReturnType<typeof renderDraftFromClip> & { watermark: boolean };
    expect(draft.watermark).toBe(true);
    expect(renderPayload(clip, { ...draft, watermark: false } as typeof draft)).toEqual({ watermark: false });
    // A clip from before Shorts says nothing about it: the option's default.
    expect((renderDraftFromClip(clipWith(null)) as typeof draft).watermark).toBe(true);
  });

  it("gets a widget of its type in the re-render form and is sent when changed", async () => {
    const clip = clipWith({ ...OPTIONS, watermark: true });
    const renderFn = vi.fn().mockResolvedValue(clip);
    render(<RenderPanel clip={clip} onRendering={vi.fn()} render={renderFn} source={{ duration: 50, segments: [{ start: 0, end: 50 }] }} />);
    const box = screen.getByLabelText("Watermark");
    expect(box).toBeChecked();
    await userEvent.click(box);
    await userEvent.click(screen.getByRole("button", { name: "Re-render" }));
    expect(renderFn).toHaveBeenCalledWith(clip.id, { watermark: false });
  });
});
