import { formatDateTime } from "@/lib/format";
import { uploadsLeftToday, type YouTubeQuota } from "@/lib/youtube";

const numbers = new Intl.NumberFormat();

/** Today's YouTube quota as this server counted it: both of Google's documented limits. */
export function QuotaLine({ quota }: { quota: YouTubeQuota }) {
  const left = uploadsLeftToday(quota);
  return (
    <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="youtube-quota">
      <span className="font-medium">
        {left === 0 ? "No uploads left today" : `About ${numbers.format(left)} more upload${left === 1 ? "" : "s"} today`}
      </span>
      {" · "}
      {numbers.format(quota.units_left)} of {numbers.format(quota.units_limit)} API units left (an upload costs{" "}
      {numbers.format(quota.upload_units)}) · {numbers.format(quota.uploads_left)} of {numbers.format(quota.uploads_limit)} uploads
      left · resets {formatDateTime(quota.resets_at)}
    </p>
  );
}
