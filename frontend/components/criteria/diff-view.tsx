import { diffLines, diffStats } from "@/lib/diff";
import { cn } from "@/lib/cn";

export function DiffView({ before, after, emptyText = "No differences." }: { before: string; after: string; emptyText?: string }) {
  const lines = diffLines(before, after);
  const stats = diffStats(lines);
  if (stats.added === 0 && stats.removed === 0) return <p className="text-sm text-zinc-500">{emptyText}</p>;
  return (
    <div>
      <p className="mb-2 text-xs text-zinc-500">
        <span className="text-emerald-700">+{stats.added}</span> <span className="text-red-700">−{stats.removed}</span> lines
      </p>
      <pre className="max-h-96 overflow-auto rounded-md border border-zinc-200 bg-white font-mono text-xs leading-5" data-testid="diff">
        {lines.map((l, i) => (
          <div
            key={i}
            className={cn(
              "whitespace-pre-wrap px-3",
              l.kind === "added" && "bg-emerald-50 text-emerald-900",
              l.kind === "removed" && "bg-red-50 text-red-900",
            )}
          >
            <span aria-hidden className="mr-2 select-none text-zinc-400">
              {l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}
            </span>
            <span className="sr-only">{l.kind === "added" ? "Added: " : l.kind === "removed" ? "Removed: " : ""}</span>
            {l.text || " "}
          </div>
        ))}
      </pre>
    </div>
  );
}
