/* eslint-disable @next/next/no-img-element -- thumbnails come from the API through the proxy, not next/image */
import { cn } from "@/lib/cn";

export function JobThumb({ src, alt = "", className }: { src: string | null | undefined; alt?: string; className?: string }) {
  if (!src) {
    return (
      <div aria-hidden className={cn("flex aspect-video items-center justify-center rounded bg-zinc-200 text-zinc-400", className)}>
        ▶
      </div>
    );
  }
  return <img src={src} alt={alt} loading="lazy" className={cn("aspect-video rounded bg-zinc-200 object-cover", className)} />;
}
