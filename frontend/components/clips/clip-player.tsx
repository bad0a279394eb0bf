"use client";

import type { CSSProperties } from "react";
import { mediaUrls, type Clip } from "@/lib/api";
import { cn } from "@/lib/cn";
import { clipAspect, versionedVideoUrl } from "@/lib/shorts";

export type PlayerSize = "card" | "editor";

// A 9:16 video as wide as a card would be taller than the screen: portrait clips get a fixed
// height (the width follows from the aspect), landscape ones the full width.
const PORTRAIT_HEIGHT: Record<PlayerSize, string> = { card: "24rem", editor: "min(36rem, 75vh)" };

/** The box a clip's video is drawn in, keeping the video's own aspect. */
export function playerBox(aspect: number, size: PlayerSize): CSSProperties {
  const ratio = `${aspect}`;
  if (aspect < 1) return { aspectRatio: ratio, height: PORTRAIT_HEIGHT[size], maxWidth: "100%" };
  return { aspectRatio: ratio, width: "100%", maxWidth: aspect === 1 ? PORTRAIT_HEIGHT[size] : undefined };
}

export interface ClipPlayerProps {
  clip: Clip;
  size?: PlayerSize;
  autoPlay?: boolean;
  className?: string;
}

/** The clip's video at its own aspect (9:16 for Shorts), swapped for the new file after a re-render. */
export function ClipPlayer({ clip, size = "card", autoPlay, className }: ClipPlayerProps) {
  const src = versionedVideoUrl(mediaUrls.video(clip), clip);
  const aspect = clipAspect(clip);
  return (
    <div className={cn("flex justify-center bg-zinc-900", className)}>
      <video
        // A new key remounts the element, so the new file plays rather than the old buffered one.
        key={src}
        data-testid="clip-video"
        data-format={clip.format}
        src={src}
        poster={versionedVideoUrl(mediaUrls.thumbnail(clip), clip)}
        controls
        autoPlay={autoPlay}
        playsInline
        preload="metadata"
        className="block bg-black object-contain"
        style={playerBox(aspect, size)}
        aria-label={`Video: ${clip.title}`}
      >
        {/* Burned-in captions are already in the picture; the track is on by default only without them. */}
        <track kind="captions" src={mediaUrls.vtt(clip)} srcLang="en" label="Captions" default={clip.caption_style === "none"} />
      </video>
    </div>
  );
}
