import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { errorsFor, useFormAction } from "@/hooks/use-form-action";
import { ApiError } from "@/lib/api";

const FIELDS = ["title", "tags"] as const;

describe("useFormAction", () => {
  it("stops at local errors without running the action", async () => {
    const { result } = renderHook(() => useFormAction(FIELDS));
    let ran = false;
    await act(() => result.current.submit(undefined, () => ({ title: "Give it a title.", tags: undefined }), async () => void (ran = true)));
    expect(ran).toBe(false);
    expect(result.current.fieldErrors).toEqual({ title: "Give it a title." });
    expect(result.current.busy).toBe(false);
  });

  it("is busy while the action runs and maps the envelope's fields", async () => {
    const { result } = renderHook(() => useFormAction(FIELDS));
    let fail: (e: unknown) => void = () => undefined;
    let pending!: Promise<void>;
    act(() => {
      pending = result.current.submit(undefined, () => ({}), () => new Promise<void>((_, reject) => (fail = reject)));
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      fail(new ApiError(400, "validation_error", "Invalid clip.", { title: ["Too long."], mystery: ["Odd."] }));
      await pending;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.fieldErrors).toEqual({ title: "Too long." });
    expect(result.current.formErrors).toEqual(["Invalid clip.", "mystery: Odd."]);
  });

  it("can stay busy after success, for forms that navigate away", async () => {
    const { result } = renderHook(() => useFormAction(FIELDS, { holdBusyOnSuccess: true }));
    await act(() => result.current.submit(undefined, () => ({}), async () => undefined));
    expect(result.current.busy).toBe(true);
  });

  it("says nothing for a cancelled upload and passes other failures on as they are", () => {
    expect(errorsFor(new ApiError(0, "aborted", "Upload cancelled."), FIELDS)).toEqual({ byField: {}, messages: [] });
    expect(errorsFor(new Error("offline"), FIELDS)).toEqual({ byField: {}, messages: ["offline"] });
    expect(errorsFor(new ApiError(422, "bad", "Nope.", { "options.tags": ["Too many."] }), FIELDS).byField).toEqual({ tags: "Too many." });
  });
});
