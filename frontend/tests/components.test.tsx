import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ClipEditor, parseTags } from "@/components/clips/clip-editor";
import { DiffView } from "@/components/criteria/diff-view";
import { StageProgress, stageStates } from "@/components/jobs/stage-progress";
import { clipGeometry, scoreOpacity, Timeline } from "@/components/jobs/timeline";
import { clipForSegment, TranscriptView } from "@/components/jobs/transcript-view";
import { PasswordForm } from "@/components/settings/account-forms";
import { SettingsForm } from "@/components/settings/settings-form";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ProgressBar } from "@/components/ui/progress-bar";
import { StatusBadge } from "@/components/ui/status-badge";
import { ApiError, type Clip, type CriteriaSummary, type Job } from "@/lib/api";
import { makeClip } from "./helpers/server";

const clips = [
  { id: "a", title: "Opening hook", start_time: 0, end_time: 30, score: 0.9 },
  { id: "b", title: "Pricing", start_time: 60, end_time: 90, score: 0.2 },
];

describe("Timeline", () => {
  it("draws each clip at its place in the source, shaded by score", () => {
    render(<Timeline duration={120} clips={clips} />);
    const [first, second] = screen.getAllByTestId("timeline-clip");
    expect(first).toHaveStyle({ left: "0%", width: "25%", opacity: "0.93" });
    expect(second).toHaveStyle({ left: "50%", width: "25%", opacity: "0.4" });
    expect(first).toHaveAccessibleName("Play clip 1: Opening hook, 0:00 to 0:30, score 90");
    expect(screen.getByRole("group")).toHaveAccessibleName("Clip timeline, 2:00 long, 2 clips");
  });

  it("plays the clip a user selects, by mouse or keyboard", async () => {
    const onSelect = vi.fn();
    render(<Timeline duration={120} clips={clips} selectedId="a" onSelect={onSelect} />);
    await userEvent.click(screen.getByRole("button", { name: /Pricing/ }));
    expect(onSelect).toHaveBeenLastCalledWith(clips[1]);
    await userEvent.tab({ shift: true });
    expect(screen.getByRole("button", { name: /Opening hook/ })).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(onSelect).toHaveBeenLastCalledWith(clips[0]);
    expect(screen.getByRole("button", { name: /Opening hook/ })).toHaveAttribute("aria-pressed", "true");
  });

  it("clamps clips to the source and falls back to the last clip's end without a duration", () => {
    expect(clipGeometry({ start_time: -5, end_time: 200 }, 100)).toEqual({ left: 0, width: 100 });
    expect(clipGeometry({ start_time: 10, end_time: 10 }, 100).width).toBeGreaterThan(0);
    expect(scoreOpacity(0)).toBe(0.25);
    expect(scoreOpacity(1)).toBe(1);
    render(<Timeline duration={null} clips={clips} />);
    expect(screen.getAllByTestId("timeline-clip")[1]).toHaveStyle({ left: `${(60 / 90) * 100}%` });
  });

  it("explains itself when the length is unknown", () => {
    render(<Timeline duration={0} clips={[]} />);
    expect(screen.getByText(/once the source's length is known/)).toBeInTheDocument();
  });
});

describe("ProgressBar and StatusBadge", () => {
  it("exposes a clamped, rounded value to assistive technology", () => {
    render(<ProgressBar value={142.4} label="Upload progress" showValue />);
    const bar = screen.getByRole("progressbar", { name: "Upload progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "100");
    expect(screen.getByText("100%")).toBeInTheDocument();
  });

  it("treats a bad value as zero", () => {
    render(<ProgressBar value={Number.NaN} label="p" />);
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "0");
  });

  it("names every status in words", () => {
    render(
      <>
        <StatusBadge status="processing" />
        <StatusBadge status="cancelled" />
      </>,
    );
    expect(screen.getByText("Processing")).toHaveAttribute("data-status", "processing");
    expect(screen.getByText("Cancelled")).toBeInTheDocument();
  });
});

// A plan as the API sends it (GET /jobs/{id} → stages); bands deliberately unlike the old fixed ones.
const PLAN: Job["stages"] = [
  { name: "downloading", label: "Downloading", start: 0, end: 10 },
  { name: "transcribing", label: "Transcribing", start: 10, end: 60 },
  { name: "analyzing", label: "Finding moments", start: 60, end: 80 },
  { name: "rendering", label: "Rendering", start: 80, end: 100 },
  { name: "finalizing", label: "Finalizing", start: 100, end: 100 },
];

describe("StageProgress", () => {
  it("draws the job's own stage plan, labels and bands", () => {
    const plan = PLAN.filter((s) => s.name !== "transcribing");
    render(<StageProgress job={{ status: "processing", stage: "downloading", progress: 5, stages: plan }} />);
    expect(screen.queryByTestId("stage-transcribing")).toBeNull();
    expect(screen.getByTestId("stage-analyzing")).toHaveTextContent("Finding moments");
    expect(screen.getByRole("progressbar", { name: "Downloading progress" })).toHaveAttribute("aria-valuenow", "50");
  });

  it("marks finished, current and coming stages from the job", () => {
    expect(stageStates({ status: "processing", stage: "analyzing", progress: 70, stages: PLAN }).map((s) => [s.name, s.state, Math.round(s.pct)])).toEqual([
      ["downloading", "done", 100],
      ["transcribing", "done", 100],
      ["analyzing", "active", 50],
      ["rendering", "pending", 0],
      ["finalizing", "pending", 0],
    ]);
    expect(stageStates({ status: "failed", stage: null, progress: 45, stages: PLAN })[1]?.state).toBe("failed");
    render(<StageProgress job={{ status: "completed", stage: null, progress: 100, stages: PLAN }} />);
    expect(screen.getByTestId("stage-rendering")).toHaveAttribute("data-state", "done");
  });
});

describe("TranscriptView", () => {
  it("highlights the segments inside chosen clips and plays them on request", async () => {
    const onSelect = vi.fn();
    const segments = [
      { start: 0, end: 10, text: "Hello there." },
      { start: 10, end: 30, text: "This is the hook." },
      { start: 30, end: 60, text: "Filler." },
      { start: 60, end: 90, text: "Pricing talk." },
    ];
    render(<TranscriptView segments={segments} clips={clips} onSelectClip={onSelect} />);
    expect(screen.getAllByTestId("transcript-highlight")).toHaveLength(3);
    await userEvent.click(screen.getByRole("button", { name: "Play clip 2: Pricing" }));
    expect(onSelect).toHaveBeenCalledWith(clips[1]);
    expect(clipForSegment({ start: 30, end: 60 }, clips)).toBeUndefined();
  });
});

describe("SettingsForm", () => {
  const criteria = [
    { name: "viral_hooks", title: "Viral hooks", source: "builtin", revision: 0, updated_at: null },
    { name: "education", title: "Education", source: "builtin", revision: 0, updated_at: null },
  ] as unknown as CriteriaSummary[];

  it("validates before saving and shows the problem next to the field", async () => {
    const save = vi.fn();
    render(<SettingsForm initial={{ min_clip_duration: 20, max_clip_duration: 60 }} criteria={criteria} save={save} />);
    const max = screen.getByLabelText("Longest clip (seconds)");
    await userEvent.clear(max);
    await userEvent.type(max, "10");
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(save).not.toHaveBeenCalled();
    expect(max).toHaveAttribute("aria-invalid", "true");
    expect(max).toHaveAccessibleDescription("Must be at least the minimum length.");
  });

  it("shows the envelope's field errors next to the matching fields", async () => {
    const save = vi.fn().mockRejectedValue(
      new ApiError(400, "validation_error", "Some settings are invalid.", {
        "options.max_clips": ["At most 50 clips per job."],
        language: ["Unsupported language."],
        mystery: ["Something else."],
      }),
    );
    render(<SettingsForm initial={{ max_clips: 5, criteria: ["viral_hooks"] }} criteria={criteria} save={save} />);
    await userEvent.click(screen.getByLabelText("Education"));
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));

    expect(save).toHaveBeenCalledWith(expect.objectContaining({ max_clips: 5, criteria: ["viral_hooks", "education"] }));
    expect(await screen.findByText("At most 50 clips per job.")).toBeInTheDocument();
    expect(screen.getByLabelText("Maximum clips")).toHaveAccessibleDescription("At most 50 clips per job.");
    expect(screen.getByLabelText("Spoken language")).toHaveAccessibleDescription("Unsupported language.");
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Some settings are invalid.");
    expect(alert).toHaveTextContent("mystery: Something else.");
  });

  it("saves valid settings", async () => {
    const save = vi.fn().mockImplementation(async (o: unknown) => o);
    render(<SettingsForm initial={{ max_clips: 5 }} criteria={criteria} save={save} />);
    fireEvent.change(screen.getByLabelText("Minimum score (0–1)"), { target: { value: "0.6" } });
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(save).toHaveBeenCalledWith(expect.objectContaining({ max_clips: 5, min_score: 0.6, language: "auto" }));
  });
});

describe("ClipEditor", () => {
  it("sends cleaned tags and shows server field errors", async () => {
    const clip = makeClip() as unknown as Clip;
    const save = vi.fn().mockRejectedValueOnce(new ApiError(400, "validation_error", "Invalid clip.", { title: ["Too long."] }));
    const onSaved = vi.fn();
    render(<ClipEditor clip={clip} save={save} onSaved={onSaved} onCancel={() => undefined} />);
    const tags = screen.getByLabelText("Tags");
    await userEvent.type(tags, "#ai, pricing, ai,  ");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(save).toHaveBeenCalledWith("clip-1", { title: "A great moment", description: "", tags: ["ai", "pricing"] });
    expect(await screen.findByText("Too long.")).toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveAccessibleDescription("Too long.");
    expect(onSaved).not.toHaveBeenCalled();
    expect(parseTags(" a ,b,,a")).toEqual(["a", "b"]);
  });
});

describe("ConfirmDialog", () => {
  it("asks before acting and can be dismissed", async () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    const { rerender } = render(
      <ConfirmDialog open title="Delete this job?" confirmLabel="Delete" danger onConfirm={onConfirm} onCancel={onCancel} />,
    );
    const dialog = screen.getByRole("dialog", { name: "Delete this job?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(onConfirm).toHaveBeenCalledOnce();
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalledOnce();
    rerender(<ConfirmDialog open={false} title="Delete this job?" onConfirm={onConfirm} onCancel={onCancel} />);
    expect(screen.queryByRole("button", { name: "Delete" })).not.toBeInTheDocument();
  });
});

describe("DiffView", () => {
  it("shows added and removed lines", () => {
    render(<DiffView before={"a\nb\nc\n"} after={"a\nB\nc\nd\n"} />);
    const diff = screen.getByTestId("diff");
    expect(diff).toHaveTextContent("Removed: b");
    expect(diff).toHaveTextContent("Added: B");
    expect(diff).toHaveTextContent("Added: d");
    expect(screen.getByText("+2")).toBeInTheDocument();
  });
});

describe("PasswordForm", () => {
  it("shows a wrong current password next to its field and clears the form on success", async () => {
    const change = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError(400, "invalid_current_password", "The current password is wrong.", { current_password: ["The current password is wrong."] }),
      )
      .mockResolvedValueOnce(undefined);
    render(<PasswordForm change={change} />);
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(change).not.toHaveBeenCalled();
    expect(screen.getByLabelText("Current password")).toHaveAccessibleDescription("Enter your current password.");

    await userEvent.type(screen.getByLabelText("Current password"), "old-secret");
    await userEvent.type(screen.getByLabelText("New password"), "new-secret-123");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(change).toHaveBeenCalledWith({ current_password: "old-secret", new_password: "new-secret-123" });
    await waitFor(() => expect(screen.getByLabelText("Current password")).toHaveAccessibleDescription("The current password is wrong."));

    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() => expect(screen.getByLabelText("Current password")).toHaveValue(""));
    expect(screen.getByLabelText("Current password")).not.toHaveAttribute("aria-invalid");
  });
});
