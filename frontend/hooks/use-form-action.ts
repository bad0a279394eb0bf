"use client";

import { useCallback, useState, type FormEvent } from "react";
import { ApiError, errorMessage } from "@/lib/api";

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export interface FormActionOptions {
  /** Stay busy after success: the form navigates away, and a second click must not resubmit. */
  holdBusyOnSuccess?: boolean;
}

/**
 * The one place a form's submit state lives: busy while the action runs, errors by field
 * (local validation, or the API envelope's `error.fields`), and the form-level messages
 * (the envelope's message plus any field error no control of this form shows).
 */
export function useFormAction<F extends string>(fields: readonly F[], options: FormActionOptions = {}) {
  // `fields` should be a module constant: a new array on every render re-creates the handlers.
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<F>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const hold = options.holdBusyOnSuccess ?? false;

  const fail = useCallback((err: unknown) => {
    const { byField, messages } = errorsFor(err, fields);
    setFieldErrors(byField);
    setFormErrors(messages);
  }, [fields]);

  /** For a form's onSubmit: validate locally (errors stop it), then run the action. */
  const submit = useCallback(
    async (e: FormEvent | undefined, validate: () => FieldErrors<F>, action: () => Promise<void>) => {
      e?.preventDefault();
      const local = withoutEmpty(validate());
      setFieldErrors(local);
      setFormErrors([]);
      if (Object.keys(local).length > 0) return;
      setBusy(true);
      try {
        await action();
        if (!hold) setBusy(false);
      } catch (err) {
        fail(err);
        setBusy(false);
      }
    },
    [fail, hold],
  );

  return { busy, fieldErrors, formErrors, submit, setFieldErrors };
}

/** For forms with nothing to check before sending. */
export const noErrors = () => ({});

function withoutEmpty<F extends string>(errors: FieldErrors<F>): FieldErrors<F> {
  return Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as FieldErrors<F>;
}

/** Splits a failure into messages for this form's fields and messages for the whole form. */
export function errorsFor<F extends string>(err: unknown, fields: readonly F[]): { byField: FieldErrors<F>; messages: string[] } {
  if (!(err instanceof ApiError)) return { byField: {}, messages: [errorMessage(err)] };
  // The user cancelled (an upload): nothing went wrong that needs saying.
  if (err.code === "aborted") return { byField: {}, messages: [] };
  const byField: FieldErrors<F> = {};
  for (const field of fields) {
    const message = err.fieldError(field);
    if (message) byField[field] = message;
  }
  return { byField, messages: [err.message, ...err.unclaimedFieldErrors(fields)] };
}
