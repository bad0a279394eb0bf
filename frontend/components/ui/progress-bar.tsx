import { cn } from "@/lib/cn";

export interface ProgressBarProps {
  value: number;
  label: string;
  tone?: "accent" | "success" | "danger" | "muted";
  size?: "sm" | "md";
  showValue?: boolean;
  className?: string;
}

const tones = {
  accent: "bg-accent-600",
  success: "bg-emerald-600",
  danger: "bg-red-600",
  muted: "bg-zinc-400",
};

export function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}

export function ProgressBar({ value, label, tone = "accent", size = "md", showValue = false, className }: ProgressBarProps) {
  const pct = clampPercent(value);
  const rounded = Math.round(pct);
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={rounded}
        className={cn("w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800", size === "sm" ? "h-1.5" : "h-2.5")}
      >
        <div className={cn("h-full rounded-full transition-[width] duration-500", tones[tone])} style={{ width: `${pct}%` }} />
      </div>
      {showValue && <span className="w-10 shrink-0 text-right text-xs tabular-nums text-zinc-600">{rounded}%</span>}
    </div>
  );
}
