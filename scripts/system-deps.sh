#!/usr/bin/env bash
# Makes sure the system programs Viral Clipper needs are installed.
#   scripts/system-deps.sh run   -> ffmpeg/ffprobe and the caption font (the product)
#   scripts/system-deps.sh test  -> + espeak-ng, sox (test media), chromium (browser tests)
# Installs with apt-get when possible (root, or passwordless sudo); otherwise says exactly what to install.
set -euo pipefail
mode="${1:-run}"

declare -A package_of=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [espeak-ng]=espeak-ng [sox]=sox [chromium]=chromium [node]=nodejs [npm]=npm)
programs=(ffmpeg ffprobe node npm)
if [ "$mode" = "test" ]; then programs+=(espeak-ng sox chromium); fi

missing=()
for program in "${programs[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${package_of[$program]}")
done
# The burned-caption font (backend/pipeline/shorts/fonts.py looks for it here).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); elif sudo -n true 2>/dev/null; then sudo_cmd=(sudo); else sudo_cmd=(none); fi
  if [ "${sudo_cmd[*]:-}" != "none" ]; then
    echo "Installing system packages: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    exit 0
  fi
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}; macOS: brew install ${missing[*]})." >&2
exit 1
