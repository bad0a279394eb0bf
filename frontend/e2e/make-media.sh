#!/usr/bin/env bash
# Builds the e2e test media: a ~40 s spoken "talk" (320x180 MP4) and a VTT whose cue times are
# the true times of each sentence. Each sentence is synthesised separately with espeak-ng and
# measured with ffprobe, so the captions match the audio exactly.
#
#   e2e/make-media.sh [OUT_DIR]   (default: e2e/media) → talk.mp4, talk.vtt
set -euo pipefail

out_dir="${1:-$(dirname "$0")/media}"
mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in ffmpeg ffprobe espeak-ng; do
  command -v "$tool" >/dev/null || { echo "make-media: $tool is required" >&2; exit 1; }
done

sentences=(
  "Welcome to the show. Today we talk about how small teams ship faster."
  "Here is the secret nobody tells you: most meetings should be emails."
  "We cut our weekly meetings in half, and our releases doubled in one quarter."
  "The second lesson is about pricing, and it surprised everyone on the team."
  "We raised our prices by thirty percent, and we lost almost no customers."
  "Customers told us the product was worth more than we were charging."
  "Now let me share the biggest mistake we made in our first year."
  "We hired too fast, before we knew what problems we were solving."
  "If you remember one thing today, remember this: hire for the problem you have."
  "Thanks for listening, and see you next week."
)
gap=0.3
rate=22050

ffmpeg -hide_banner -loglevel error -f lavfi -i "anullsrc=r=${rate}:cl=mono" -t "$gap" -c:a pcm_s16le "$work/gap.wav"

vtt="$out_dir/talk.vtt"
printf 'WEBVTT\n\n' > "$vtt"
: > "$work/list.txt"
start=0
stamp() { awk -v t="$1" 'BEGIN { h=int(t/3600); m=int((t-h*3600)/60); s=t-h*3600-m*60; printf "%02d:%02d:%06.3f", h, m, s }'; }

for i in "${!sentences[@]}"; do
  raw="$work/raw_$i.wav"
  wav="$work/s_$i.wav"
  espeak-ng -s 180 -w "$raw" "${sentences[$i]}"
  ffmpeg -hide_banner -loglevel error -i "$raw" -ar "$rate" -ac 1 -c:a pcm_s16le "$wav"
  dur="$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$wav")"
  end="$(awk -v a="$start" -v b="$dur" 'BEGIN { printf "%.3f", a + b }')"
  printf '%d\n%s --> %s\n%s\n\n' "$((i + 1))" "$(stamp "$start")" "$(stamp "$end")" "${sentences[$i]}" >> "$vtt"
  printf "file '%s'\nfile '%s'\n" "$wav" "$work/gap.wav" >> "$work/list.txt"
  start="$(awk -v a="$end" -v g="$gap" 'BEGIN { printf "%.3f", a + g }')"
done

ffmpeg -hide_banner -loglevel error -f concat -safe 0 -i "$work/list.txt" -c:a pcm_s16le "$work/talk.wav"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=s=320x180:r=25" -i "$work/talk.wav" \
  -shortest -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 64k -movflags +faststart \
  "$out_dir/talk.mp4"

echo "make-media: $(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$out_dir/talk.mp4") s → $out_dir/talk.mp4, $vtt"
