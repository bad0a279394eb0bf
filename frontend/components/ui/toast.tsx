"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { cn } from "@/lib/cn";

export interface ToastInput {
  title: string;
  description?: string;
  tone?: "info" | "success" | "error";
  href?: string;
  durationMs?: number;
}

interface ToastItem extends ToastInput {
  id: number;
}

type Listener = (items: ToastItem[]) => void;
let items: ToastItem[] = [];
let nextId = 1;
const listeners = new Set<Listener>();

function publish() {
  for (const l of listeners) l(items);
}

export function dismissToast(id: number) {
  items = items.filter((t) => t.id !== id);
  publish();
}

/** Shows a toast from anywhere (event handlers, hooks); <Toaster> renders them. */
export function toast(input: ToastInput): number {
  const id = nextId++;
  items = [...items.slice(-4), { ...input, id }];
  publish();
  setTimeout(() => dismissToast(id), input.durationMs ?? 6000);
  return id;
}

const toneClass = {
  info: "border-zinc-200",
  success: "border-emerald-300",
  error: "border-red-300",
};

export function Toaster() {
  const [shown, setShown] = useState<ToastItem[]>(items);
  useEffect(() => {
    listeners.add(setShown);
    return () => {
      listeners.delete(setShown);
    };
  }, []);

  return (
    <div
      aria-live="polite"
      className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end"
    >
      {shown.map((t) => (
        <div
          key={t.id}
          role="status"
          className={cn(
            "pointer-events-auto w-full max-w-sm rounded-lg border-l-4 bg-white p-3 shadow-lg ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800",
            toneClass[t.tone ?? "info"],
          )}
        >
          <div className="flex items-start gap-3">
            <div className="min-w-0 flex-1">
              <p className="text-sm font-medium">{t.title}</p>
              {t.description && <p className="mt-0.5 truncate text-sm text-zinc-500">{t.description}</p>}
              {t.href && (
                <Link href={t.href} className="mt-1 inline-block text-sm font-medium text-accent-700 hover:underline">
                  Open
                </Link>
              )}
            </div>
            <button
              type="button"
              onClick={() => dismissToast(t.id)}
              className="rounded p-1 text-zinc-400 hover:text-zinc-700"
              aria-label="Dismiss notification"
            >
              ×
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
