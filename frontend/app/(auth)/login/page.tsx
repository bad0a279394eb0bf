import type { Metadata } from "next";
import { Suspense } from "react";
import { AuthForm } from "@/components/auth/auth-form";
import { LoadingState } from "@/components/ui/states";

export const metadata: Metadata = { title: "Log in" };

export default function LoginPage() {
  return (
    <Suspense fallback={<LoadingState />}>
      <AuthForm mode="login" />
    </Suspense>
  );
}
