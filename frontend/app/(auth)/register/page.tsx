import type { Metadata } from "next";
import { Suspense } from "react";
import { AuthForm } from "@/components/auth/auth-form";
import { LoadingState } from "@/components/ui/states";

export const metadata: Metadata = { title: "Create account" };

export default function RegisterPage() {
  return (
    <Suspense fallback={<LoadingState />}>
      <AuthForm mode="register" />
    </Suspense>
  );
}
