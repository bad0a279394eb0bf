"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useFormAction, type FieldErrors } from "@/hooks/use-form-action";
import { api } from "@/lib/api";
import { safeNext } from "@/lib/safe-next";

type Mode = "login" | "register";
const FIELDS = ["name", "email", "password"] as const;
type Errors = FieldErrors<(typeof FIELDS)[number]>;

export function validateCredentials(mode: Mode, email: string, password: string): Errors {
  const errors: Errors = {};
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) errors.email = "Enter a valid email address.";
  if (mode === "register" && new TextEncoder().encode(password).length < 8) errors.password = "Use at least 8 characters.";
  if (mode === "register" && new TextEncoder().encode(password).length > 72) errors.password = "Use at most 72 bytes.";
  if (mode === "login" && !password) errors.password = "Enter your password.";
  return errors;
}

export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const params = useSearchParams();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const { busy, fieldErrors: errors, formErrors, submit } = useFormAction(FIELDS, { holdBusyOnSuccess: true });
  const registered = params.get("registered") === "1";

  const onSubmit = (e: FormEvent) =>
    submit(
      e,
      () => validateCredentials(mode, email, password),
      async () => {
        if (mode === "register") {
          await api.auth.register({ email: email.trim(), password, ...(name.trim() ? { name: name.trim() } : {}) });
          router.push(`/login?registered=1&email=${encodeURIComponent(email.trim())}`);
        } else {
          await api.auth.login({ email: email.trim(), password });
          router.replace(safeNext(params.get("next")));
          router.refresh();
        }
      },
    );

  const title = mode === "login" ? "Log in" : "Create your account";
  return (
    <Card className="p-6">
      <h1 className="text-xl font-semibold">{title}</h1>
      {registered && mode === "login" && (
        <p role="status" className="mt-2 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800">
          Account created. Log in to start.
        </p>
      )}
      <form onSubmit={onSubmit} noValidate className="mt-5 space-y-4">
        <FormError messages={formErrors} />
        {mode === "register" && (
          <Field id="name" label="Name (optional)" error={errors.name}>
            <Input {...describedBy("name", errors.name)} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
        )}
        <Field id="email" label="Email" error={errors.email}>
          <Input
            {...describedBy("email", errors.email)}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field
          id="password"
          label="Password"
          error={errors.password}
          hint={mode === "register" ? "8 to 72 characters." : undefined}
        >
          <Input
            {...describedBy("password", errors.password, mode === "register" ? "hint" : undefined)}
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button type="submit" className="w-full" busy={busy}>
          {mode === "login" ? "Log in" : "Create account"}
        </Button>
      </form>
      <p className="mt-5 text-center text-sm text-zinc-500">
        {mode === "login" ? (
          <>
            New here?{" "}
            <Link href="/register" className="font-medium text-accent-700 underline hover:text-accent-900">
              Create an account
            </Link>
          </>
        ) : (
          <>
            Already have an account?{" "}
            <Link href="/login" className="font-medium text-accent-700 underline hover:text-accent-900">
              Log in
            </Link>
          </>
        )}
      </p>
    </Card>
  );
}
