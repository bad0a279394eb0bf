import Link from "next/link";
import { buttonClass } from "./button";

export interface PaginationProps {
  total: number;
  limit: number;
  offset: number;
  hrefFor: (offset: number) => string;
}

export function Pagination({ total, limit, offset, hrefFor }: PaginationProps) {
  if (total <= limit && offset === 0) return null;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  const prev = Math.max(0, offset - limit);
  const hasPrev = offset > 0;
  const hasNext = offset + limit < total;
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-3 pt-4 text-sm">
      <p className="text-zinc-500">
        {first}–{last} of {total}
      </p>
      <div className="flex gap-2">
        {hasPrev ? (
          <Link href={hrefFor(prev)} className={buttonClass("secondary", "sm")} rel="prev">
            Previous
          </Link>
        ) : (
          <span aria-disabled className={buttonClass("secondary", "sm", "pointer-events-none opacity-50")}>
            Previous
          </span>
        )}
        {hasNext ? (
          <Link href={hrefFor(offset + limit)} className={buttonClass("secondary", "sm")} rel="next">
            Next
          </Link>
        ) : (
          <span aria-disabled className={buttonClass("secondary", "sm", "pointer-events-none opacity-50")}>
            Next
          </span>
        )}
      </div>
    </nav>
  );
}
