// @vitest-environment node
import { describe, expect, it } from "vitest";
import { diffLines } from "@/lib/diff";
import { formatBytes, formatDuration } from "@/lib/format";
import { draftFromOptions, optionsFromDraft } from "@/lib/options";
import { pageFromParams, withParams } from "@/lib/url-state";

describe("diffLines", () => {
  it("finds the smallest line changes", () => {
    expect(diffLines("one\ntwo\nthree", "one\n2\nthree\nfour").map((l) => `${l.kind[0]}${l.text}`)).toEqual([
      "sone",
      "rtwo",
      "a2",
      "sthree",
      "afour",
    ]);
    expect(diffLines("", "x")).toEqual([{ kind: "added", text: "x", newNo: 1 }]);
    expect(diffLines("same\r\n", "same\n").every((l) => l.kind === "same")).toBe(true);
  });
});

describe("options", () => {
  it("round-trips settings and only sends filled-in fields", () => {
    const draft = draftFromOptions({ min_clip_duration: 15, max_clips: 4, criteria: ["a"] });
    expect(draft.min_clip_duration).toBe("15");
    const { options, errors } = optionsFromDraft({ ...draft, prompt: "  pricing  " });
    expect(errors).toEqual({});
    // Selects and checkboxes have no "unset" state: they carry the server's defaults (CONTRACTS §9).
    const shorts = { format: "vertical", layout: "auto", caption_style: "highlight", hook_title: true };
    expect(options).toEqual({ language: "auto", use_source_captions: true, criteria: ["a"], prompt: "pricing", min_clip_duration: 15, max_clips: 4, ...shorts });
  });

  it("rejects impossible values", () => {
    const base = draftFromOptions({});
    expect(optionsFromDraft({ ...base, max_clips: "2.5" }).errors.max_clips).toMatch(/whole number/);
    expect(optionsFromDraft({ ...base, min_score: "2" }).errors.min_score).toMatch(/0 and 1/);
    expect(optionsFromDraft({ ...base, min_clip_duration: "abc" }).errors.min_clip_duration).toBe("Enter a number.");
    expect(optionsFromDraft({ ...base, language: "English" }).errors.language).toBeDefined();
  });
});

describe("format and URL state", () => {
  it("formats durations and sizes", () => {
    expect(formatDuration(75.4)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(null)).toBe("–");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GB");
  });

  it("keeps filters and pages in the query string", () => {
    const params = new URLSearchParams("status=failed&page=3");
    expect(pageFromParams(params)).toBe(3);
    expect(pageFromParams(new URLSearchParams("page=-1"))).toBe(1);
    expect(withParams(params, { page: null })).toBe("?status=failed");
    expect(withParams(params, { status: "", page: 1 })).toBe("?page=1");
  });
});

describe("option bounds from the backend's schema", () => {
  it("validates with the generated bounds and lists every generated field", async () => {
    const { JOB_OPTION_FIELDS } = await import("@/lib/api-meta");
    const { OPTION_FIELDS } = await import("@/lib/options");
    // Every generated field but the object option `publish`, which is not a form field.
    expect([...OPTION_FIELDS].sort()).toEqual(Object.keys(JOB_OPTION_FIELDS).filter((f) => f !== "publish").sort());
    expect(OPTION_FIELDS).not.toContain("publish");
    const base = draftFromOptions({});
    const { maximum } = JOB_OPTION_FIELDS.max_clips;
    expect(optionsFromDraft({ ...base, max_clips: String(maximum) }).errors.max_clips).toBeUndefined();
    expect(optionsFromDraft({ ...base, max_clips: String(maximum + 1) }).errors.max_clips).toBe(`A whole number from 1 to ${maximum}.`);
    expect(optionsFromDraft({ ...base, min_clip_duration: "2" }).errors.min_clip_duration).toBe("Between 3 and 600 seconds.");
    expect(optionsFromDraft({ ...base, prompt: "x".repeat(JOB_OPTION_FIELDS.prompt.maxLength + 1) }).errors.prompt).toMatch(/At most/);
  });
});
