"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";
import { noErrors, useFormAction } from "@/hooks/use-form-action";
import { api } from "@/lib/api";
import { closeLiveSocket } from "@/lib/socket";

const PASSWORD_FIELDS = ["current_password", "new_password"] as const;
const NO_FIELDS: readonly string[] = [];

export interface PasswordFormProps {
  change?: (body: { current_password: string; new_password: string }) => Promise<void>;
}

/** Change password: the other sessions are signed out by the server, this one goes on. */
export function PasswordForm({ change = api.auth.changePassword }: PasswordFormProps) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const { busy, fieldErrors: errors, formErrors, submit } = useFormAction(PASSWORD_FIELDS);

  const onSubmit = (e: FormEvent) =>
    submit(
      e,
      () => ({
        current_password: current ? undefined : "Enter your current password.",
        new_password: next ? undefined : "Choose a new password.",
      }),
      async () => {
        await change({ current_password: current, new_password: next });
        setCurrent("");
        setNext("");
        toast({ tone: "success", title: "Password changed", description: "Your other sessions were signed out." });
      },
    );

  return (
    <Card>
      <CardHeader title="Change password" />
      <form onSubmit={onSubmit} noValidate className="space-y-4 p-4 sm:p-6" aria-label="Change password">
        <FormError messages={formErrors} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="current_password" label="Current password" error={errors.current_password}>
            <Input
              {...describedBy("current_password", errors.current_password)}
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </Field>
          <Field id="new_password" label="New password" error={errors.new_password}>
            <Input
              {...describedBy("new_password", errors.new_password)}
              type="password"
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </Field>
        </div>
        <div className="flex justify-end">
          <Button type="submit" busy={busy}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** Sign out everywhere: every session of the user ends, this one too, so on to the login page. */
export function SignOutEverywhere({ logoutAll = api.auth.logoutAll }: { logoutAll?: () => Promise<void> }) {
  const router = useRouter();
  const { busy, formErrors, submit } = useFormAction(NO_FIELDS, { holdBusyOnSuccess: true });
  const onSubmit = (e: FormEvent) =>
    submit(e, noErrors, async () => {
      await logoutAll();
      closeLiveSocket();
      router.replace("/login");
      router.refresh();
    });
  return (
    <Card>
      <CardHeader title="Sessions" description="Signs this browser and every other device out." />
      <form onSubmit={onSubmit} className="space-y-4 p-4 sm:p-6" aria-label="Sign out everywhere">
        <FormError messages={formErrors} />
        <div className="flex justify-end">
          <Button type="submit" variant="secondary" busy={busy}>
            Sign out everywhere
          </Button>
        </div>
      </form>
    </Card>
  );
}
